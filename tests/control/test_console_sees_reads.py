"""Cards read by RFID or vision (what reached rules.poker) show in the console's table state, not only typed ones."""

from __future__ import annotations

import json
import time
from typing import Any

from control_helpers import NEW_HAND, READS, Client, reads_graph

from ggpgfx.control.live import start_live


def _wait_state(ws: Any, check: Any, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message.get("type") == "state" and check(message["state"]):
            return dict(message)
    raise AssertionError("no state with the read cards reached the console")


def test_rfid_cards_reach_the_console_state() -> None:
    live = start_live(reads_graph("console-reads").validate())
    try:
        client = Client(live)
        version = client.ok("new_hand", NEW_HAND)
        # the ack means journaled; the reads must reach rules.poker after the hand it started there, not before
        deadline = time.monotonic() + 20
        while live.handle.stats()["states"]["messages_in"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        with client.ws() as ws:
            READS.put([{"zone": "seat", "seat": 1, "card": "Ah", "source": "rfid"},
                       {"zone": "seat", "seat": 1, "card": "Kd", "source": "rfid"}])
            seen = _wait_state(ws, lambda s: s["seats"][0]["hole_cards"] == ["Ah", "Kd"])
            assert seen["version"] == version  # reads are not requests: the version (expect_version) stays
            client.ok("check_call", {"seat": 3})
            client.ok("check_call", {"seat": 1})
            client.ok("check_call", {"seat": 2})
            READS.put([{"zone": "board", "seat": -1, "card": c, "source": "vision"} for c in ("7c", "8d", "9h")])
            _wait_state(ws, lambda s: s["board"] == ["7c", "8d", "9h"] and s["street"] == "flop")
        state = client.state()
        assert state["seats"][0]["hole_cards"] == ["Ah", "Kd"] and state["board"] == ["7c", "8d", "9h"]
        assert state["predict"]["seat"] == 1  # the replica judges on the flop the cards opened
        typed = client.act("deal", {"seat": 2, "cards": ["Ah", "2c"]})  # the ace is in seat 1's hand already
        assert typed.status_code == 409 and "Ah" in typed.json()["error"]["message"]
    finally:
        live.stop()


def test_a_console_connecting_mid_change_ends_on_the_newest_state() -> None:
    """A change broadcast while a new socket is still being sent its first states is not lost for it."""
    from control_helpers import live_graph

    live = start_live(live_graph("console-joins").validate())
    try:
        client = Client(live)
        client.ok("new_hand", NEW_HAND)
        sample = live.server.health.sample
        rows = [{"zone": "seat", "seat": 2, "card": c, "source": "rfid", "pts": 1} for c in ("Qs", "Jc")]

        fired = []

        def slow_sample() -> dict[str, Any]:
            # the reads land once, after this socket's first state was computed and before it joins the
            # broadcasts (later samples are the health ticker's)
            if not fired:
                fired.append(True)
                live.server.card_reads("table-1", rows)
                time.sleep(0.3)
            return dict(sample())

        live.server.health.sample = slow_sample  # type: ignore[method-assign]
        with client.ws() as ws:
            _wait_state(ws, lambda s: s["seats"][1]["hole_cards"] == ["Qs", "Jc"], timeout=10)
    finally:
        live.stop()

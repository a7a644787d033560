"""Hole cards read before the operator's new hand count for that hand, in rules.poker and in the console's replica;
cards of the hand before (shown or collected late) do not leak into it."""

from __future__ import annotations

import time
from typing import Any

from control_helpers import NEW_HAND, READS, Client, reads_graph

from ggpgfx.control.live import LiveRun, start_live


def _seat(seat: int, *cards: str) -> list[dict[str, Any]]:
    return [{"zone": "seat", "seat": seat, "card": card, "source": "rfid"} for card in cards]


def _states(live: LiveRun) -> int:
    return int(live.handle.stats()["states"]["messages_in"])


def _until_states(live: LiveRun, count: int, timeout: float = 30.0) -> None:
    """Wait until rules.poker has published `count` states (one per reads message or action; equity is off)."""
    deadline = time.monotonic() + timeout
    while _states(live) < count:
        assert time.monotonic() < deadline, f"rules.poker published {_states(live)} states, not {count}"
        time.sleep(0.02)


def _send(live: LiveRun, rows: list[dict[str, Any]]) -> None:
    """Put one reads message and wait until rules.poker and the console's replica have both taken it (the
    replica's hook runs after rules.poker's step, which may already have fed a fused sink)."""
    replica = live.server.tables["table-1"].tracker
    before, logged = _states(live), len(replica.log)  # every read is logged, kept or dropped
    READS.put(rows)
    _until_states(live, before + 1)
    deadline = time.monotonic() + 30
    while len(replica.log) < logged + len(rows):
        assert time.monotonic() < deadline, "the console's replica never took the reads"
        time.sleep(0.02)


def _ok(live: LiveRun, client: Client, verb: str, args: dict[str, Any], actions: int = 1) -> None:
    """An acked request, then wait until rules.poker has applied its actions."""
    before = _states(live)
    client.ok(verb, args)
    _until_states(live, before + actions)


def _holes(seats: list[Any]) -> dict[int, list[str]]:
    return {s["seat"] if isinstance(s, dict) else s.seat: list(s["hole_cards"] if isinstance(s, dict) else s.hole_cards)
            for s in seats}


def _live() -> LiveRun:
    return start_live(reads_graph("early-reads").validate())


def test_reads_before_new_hand_count_and_the_last_hands_cards_do_not_leak() -> None:
    live = _live()
    try:
        client = Client(live)
        # before the first hand: seat 1's cards are on the reader before the operator starts hand 1
        _send(live, _seat(1, "Ah", "Kd"))
        _ok(live, client, "new_hand", NEW_HAND)
        assert _holes(client.state()["seats"]) == {1: ["Ah", "Kd"], 2: [], 3: []}
        _send(live, _seat(2, "Qs", "Jc") + _seat(3, "7h", "2s"))
        _ok(live, client, "fold", {"seat": 3})
        _ok(live, client, "fold", {"seat": 1})  # Bob (BB) wins: hand 1 is complete
        assert client.state()["street"] == "complete"
        # after the hand: Ann shows her folded cards, Bob's and Cy's still lie on their antennas
        _send(live, _seat(1, "Ah", "Kd"))
        _send(live, _seat(2, "Qs", "Jc") + _seat(3, "7h", "2s"))
        # the dealer pitches hand 2 before the operator presses new hand; Cy is dealt the card Bob had in
        # hand 1 (a new deck order): it is a new deal at another seat, not a late read of the old hand
        _send(live, _seat(1, "9c", "9d") + _seat(3, "Qs", "3h"))
        _ok(live, client, "new_hand", {**NEW_HAND, "button": 1})
        expected = {1: ["9c", "9d"], 2: [], 3: ["Qs", "3h"]}
        replica = client.state()
        assert replica["hand_number"] == 2 and _holes(replica["seats"]) == expected
        _send(live, _seat(2, "Tc", "Td"))  # and the reads after the new hand join them
        expected[2] = ["Tc", "Td"]
        assert _holes(client.state()["seats"]) == expected
        result = live.stop()
        assert result.error is None
        final = result.collected("states")[-1]
        assert final.hand_number == 2 and _holes(final.seats) == expected
        assert not [f for f in final.flags if "conflict" in f]
    finally:
        live.stop()


def test_reads_before_new_hand_after_next_hand() -> None:
    """The operator ends hand 1 with next_hand (it went to a showdown), the next cards are read, then new_hand."""
    live = _live()
    try:
        client = Client(live)
        _ok(live, client, "new_hand", NEW_HAND)
        _send(live, _seat(1, "Ah", "Kd") + _seat(2, "Qs", "Jc") + _seat(3, "7h", "2s"))
        for seat in (3, 1, 2):
            _ok(live, client, "check_call", {"seat": seat})
        for cards in (["2c", "5d", "8h"], ["Js"], ["4c"]):
            _ok(live, client, "board", {"cards": cards})
            for seat in (1, 2, 3):
                _ok(live, client, "check_call", {"seat": seat})
        _ok(live, client, "next_hand", {})
        assert client.state()["street"] == "complete"
        _send(live, _seat(2, "Qs", "Jc"))  # Bob's cards, read again as they are pushed to the muck
        _send(live, _seat(1, "6s", "6h"))  # hand 2 is dealt
        _ok(live, client, "new_hand", {**NEW_HAND, "button": 1})
        expected = {1: ["6s", "6h"], 2: [], 3: []}
        assert _holes(client.state()["seats"]) == expected
        result = live.stop()
        assert result.error is None
        final = result.collected("states")[-1]
        assert final.hand_number == 2 and _holes(final.seats) == expected
    finally:
        live.stop()

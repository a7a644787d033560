"""SIGKILL of the fragment holding ingest.operator mid-hand: every accepted action applied exactly once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from control_helpers import PHH, Client

from ggpgfx.api import Graph
from ggpgfx.control.journal import read_entries
from ggpgfx.control.live import start_live
from ggpgfx.control.phh_requests import hand_requests

pytestmark = pytest.mark.ray


def test_killed_operator_fragment_loses_no_action_and_applies_none_twice(ray_session: Any, tmp_path: Path) -> None:
    g = Graph("control-kill", realtime=True)
    g.add("ingest.operator", id="op", journal=str(tmp_path / "journal.jsonl"), isolate=True,
          restart={"max": 2, "backoff_s": 0.2, "snapshot_interval_s": 0.1})
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.collect", id="actions")
    g.add("sink.collect", id="states")
    g.connect("op.actions", "rules.actions", capacity=256)
    g.connect("op.actions", "actions.inp", capacity=256)
    g.connect("rules.state", "states.inp", capacity=4096)
    live = start_live(g.validate(), executor="ray")
    try:
        executor = live.handle.executor
        deadline = time.monotonic() + 60
        while "op" not in executor.placement and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = executor.placement["op"]["pid"]
        client = Client(live)
        # No hole cards: hand labels would load the evaluator's compiled kernels in the rules fragment, which
        # takes minutes on a loaded 2-core machine; the betting, board and pots are what a restart could break.
        requests = [(verb, args) for verb, args in hand_requests(PHH) if verb not in ("deal", "show")]
        notes = []
        for number, (verb, args) in enumerate(requests):
            client.ok(verb, args)
            note = f"after-{number}"
            client.ok("tag", {"note": note})
            notes.append(note)
            if number == len(requests) // 2:
                time.sleep(0.3)  # let the fragment take (and checkpoint) part of the hand
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        entries, _ = read_entries(tmp_path / "journal.jsonl")
        expected = sum(len(entry["actions"]) for entry in entries)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the restarted node catches up from its cursor
            if executor.stats(refresh=True).get("actions", {}).get("messages_in", 0) >= expected:
                break
            time.sleep(0.2)
        replica = client.state()
        time.sleep(0.5)
    finally:
        result = live.stop(timeout=30)
    assert result is not None, "the run did not end"
    assert result.error is None, result.error
    assert executor.restarts == {"op": 1} and executor.placement["op"]["pid"] != pid
    assert executor.placement["op"]["restored"] is True  # it went on from its cursor, not from the start
    actions = result.collected("actions")
    assert [a.note for a in actions if a.kind == "tag"] == notes  # none lost, none twice, in order
    assert sum(a.kind == "start_hand" for a in actions) == 1
    final = result.collected("states")[-1]
    assert [(s.stack, s.bet, s.status) for s in final.seats] == [
        (s["stack"], s["bet"], s["status"]) for s in replica["seats"]]
    assert final.street == replica["street"] and final.hand_number == replica["hand_number"] == 1

"""detect.fuse: RFID misses recovered by vision in a graph; conflicts reported as events."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from ggpgfx.nodes.detect.fuse import FuseReads

from ggpgfx.graph.api import Graph
from ggpgfx.graph.node import Message
from ggpgfx.poker.messages import GameEvent, HandSetup, OperatorAction, SeatSetup, card_reads_table


def test_vision_fills_rfid_misses_in_a_graph() -> None:
    g = Graph("fuse", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=1280, height=720, max_hands=1, action_interval_s=0.4,
                miss_rate=0.3, duplicate_rate=0.3, seed=11)
    cards = g.add("detect.cards", id="cards")
    fuse = g.add("detect.fuse", id="fuse", grace_s=0.5)
    out, events = g.add("sink.collect", id="out"), g.add("sink.collect", id="events")
    sim.video >> cards.video
    sim.reads >> fuse.rfid
    cards.reads >> fuse.vision
    sim.actions >> fuse.actions
    fuse.reads >> out.inp
    fuse.events >> events.inp
    result = g.run(realtime=False)
    truth = result.instances["sim"].truth_reads
    rows = pa.concat_tables(result.collected("out")).to_pylist()
    final_zone = {}
    for r in truth:  # where each card ends up (folded cards move to the muck)
        final_zone[r["card"]] = (r["zone"], r["seat"])
    placed = {(r["zone"], r["seat"], r["card"]) for r in truth}
    got = [(r["zone"], r["seat"], r["card"]) for r in rows]
    assert len(got) == len(set(got)) and set(got) <= placed  # nothing twice, nothing invented
    on_table = {(z, s, c) for c, (z, s) in final_zone.items() if z != "muck"}
    assert on_table <= set(got)  # every card still on the table is known, misses included
    stats = result.instances["fuse"].stats
    assert stats["recovered"] >= 1 and stats["agreements"] >= 1
    assert result.collected("events") == []
    assert all(r["source"] == "fused" for r in rows)


class _Capture:
    def __init__(self) -> None:
        self.out: list[tuple[str, Any]] = []

    def __call__(self, port: str, payload: Any, pts: int | None) -> None:
        self.out.append((port, payload))


def _msg(payload: Any, pts: int) -> Message:
    return Message(payload, pts, 0, 0)


def test_conflicts_become_events_and_rfid_wins() -> None:
    node = FuseReads("fuse", FuseReads.Params(grace_s=0.5))
    capture = _Capture()
    node._emit_hook = capture
    node.setup()
    setup = HandSetup(hand_number=7, seats=[SeatSetup(seat=1, name="A", stack=100),
                                            SeatSetup(seat=2, name="B", stack=100)], button=2)
    node.process("actions", _msg(OperatorAction(kind="start_hand", hand=setup), 0))
    vision = card_reads_table([{"zone": "seat", "seat": 1, "card": "8h", "source": "vision", "confidence": 0.9}])
    node.process("vision", _msg(vision, 100_000))
    rfid = card_reads_table([{"zone": "seat", "seat": 1, "card": "8d", "source": "rfid"},
                             {"zone": "seat", "seat": 1, "card": "Kc", "source": "rfid"}])
    node.process("rfid", _msg(rfid, 200_000))
    node.on_eos()  # the vision 8h finds seat 1 full: a conflict, not a third hole card
    reads = [r for port, t in capture.out if port == "reads" for r in t.to_pylist()]
    events = [e for port, e in capture.out if port == "events"]
    assert [r["card"] for r in reads] == ["8d", "Kc"]
    assert len(events) == 1 and isinstance(events[0], GameEvent)
    assert events[0].kind == "read_conflict" and events[0].cards == ["8h"] and events[0].hand_number == 7
    assert events[0].data["held"] == ["8d", "Kc"]
    # a card RFID put on seat 2 that vision sees on the board is a zone conflict
    node.process("rfid", _msg(card_reads_table([{"zone": "seat", "seat": 2, "card": "As"}]), 300_000))
    node.process("vision", _msg(card_reads_table([{"zone": "board", "card": "As", "source": "vision",
                                                    "confidence": 0.95}]), 400_000))
    assert [e for p, e in capture.out if p == "events"][-1].data["other_zone"] == "seat"


def test_snapshot_and_restore_keep_the_hand() -> None:
    first = FuseReads("fuse", FuseReads.Params(grace_s=0.5))
    first._emit_hook = _Capture()
    first.setup()
    first.process("rfid", _msg(card_reads_table([{"zone": "seat", "seat": 3, "card": "Ah"}]), 0))
    first.process("vision", _msg(card_reads_table([{"zone": "board", "card": "Kd", "source": "vision",
                                                     "confidence": 0.9}]), 10))
    saved = first.snapshot()
    second = FuseReads("fuse", FuseReads.Params(grace_s=0.5))
    capture = _Capture()
    second._emit_hook = capture
    second.setup()
    second.restore(saved)
    second.process("rfid", _msg(card_reads_table([{"zone": "seat", "seat": 3, "card": "Ah"}]), 20))  # known
    second.on_eos()  # the pending vision Kd is flushed after the restart
    reads = [r["card"] for port, t in capture.out if port == "reads" for r in t.to_pylist()]
    assert reads == ["Kd"] and second.stats["agreements"] == 1 and second.stats["recovered"] == 1

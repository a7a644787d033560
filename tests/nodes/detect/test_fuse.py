"""detect.fuse: RFID misses recovered by vision in a graph; conflicts reported as events."""

from __future__ import annotations

import pyarrow as pa
from ggpgfx.nodes.detect.fuse import FuseReads

from ggpgfx.graph.api import Graph
from ggpgfx.poker.messages import GameEvent, HandSetup, OperatorAction, SeatSetup, card_reads_table
from ggpgfx.testing import NodeHarness


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


def _fuse() -> NodeHarness:
    return NodeHarness(FuseReads, FuseReads.Params(grace_s=0.5))


def _events(node: NodeHarness) -> list[GameEvent]:
    return list(node.outputs["events"])


SETUP = HandSetup(hand_number=7, seats=[SeatSetup(seat=1, name="A", stack=100),
                                        SeatSetup(seat=2, name="B", stack=100)], button=2)


def test_conflicts_become_events_and_rfid_wins() -> None:
    node = _fuse()
    node.send("actions", OperatorAction(kind="start_hand", hand=SETUP), pts=0)
    vision = card_reads_table([{"zone": "seat", "seat": 1, "card": "8h", "source": "vision", "confidence": 0.9}])
    node.send("vision", vision, pts=100_000)
    rfid = card_reads_table([{"zone": "seat", "seat": 1, "card": "8d", "source": "rfid"},
                             {"zone": "seat", "seat": 1, "card": "Kc", "source": "rfid"}])
    node.send("rfid", rfid, pts=200_000)
    out = node.eos()  # the vision 8h finds seat 1 full: a conflict, not a third hole card
    reads = [r for t in out["reads"] for r in t.to_pylist()]
    events = _events(node)
    assert [r["card"] for r in reads] == ["8d", "Kc"]
    assert len(events) == 1 and isinstance(events[0], GameEvent)
    assert events[0].kind == "read_conflict" and events[0].cards == ["8h"] and events[0].hand_number == 7
    assert events[0].data["held"] == ["8d", "Kc"]


def test_a_card_on_a_seat_seen_on_the_board_is_a_zone_conflict() -> None:
    node = _fuse()
    node.send("actions", OperatorAction(kind="start_hand", hand=SETUP), pts=0)
    node.send("rfid", card_reads_table([{"zone": "seat", "seat": 2, "card": "As"}]), pts=300_000)
    node.send("vision", card_reads_table([{"zone": "board", "card": "As", "source": "vision",
                                           "confidence": 0.95}]), pts=400_000)
    assert _events(node)[-1].data["other_zone"] == "seat"


def test_snapshot_and_restore_keep_the_hand() -> None:
    first = _fuse()
    first.send("rfid", card_reads_table([{"zone": "seat", "seat": 3, "card": "Ah"}]), pts=0)
    first.send("vision", card_reads_table([{"zone": "board", "card": "Kd", "source": "vision",
                                            "confidence": 0.9}]), pts=10)
    saved = first.node.snapshot()
    second = _fuse()
    second.node.restore(saved)
    second.send("rfid", card_reads_table([{"zone": "seat", "seat": 3, "card": "Ah"}]), pts=20)  # known
    out = second.eos()  # the pending vision Kd is flushed after the restart
    reads = [r["card"] for t in out["reads"] for r in t.to_pylist()]
    stats = second.node.stats  # type: ignore[attr-defined]
    assert reads == ["Kd"] and stats["agreements"] == 1 and stats["recovered"] == 1

"""detect.fuse: RFID misses recovered by vision in a graph; conflicts reported as events."""

from __future__ import annotations

import pyarrow as pa
from ggpgfx.nodes.detect.fuse import FuseReads

from ggpgfx.api import Graph
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


def _reads(node: NodeHarness) -> list[tuple[str, int, str]]:
    return [(r["zone"], r["seat"], r["card"]) for t in node.outputs["reads"] for r in t.to_pylist()]


def test_a_card_seen_twice_is_held_back_until_the_operator_settles_it() -> None:
    node = _fuse()
    node.send("actions", OperatorAction(kind="start_hand", hand=SETUP), pts=0)
    seat = card_reads_table([{"zone": "seat", "seat": 1, "card": "Qs", "source": "vision", "confidence": 0.95}])
    board = card_reads_table([{"zone": "board", "card": "Qs", "source": "vision", "confidence": 0.97}])
    node.send("vision", seat, pts=100_000)
    node.send("vision", board, pts=200_000)  # the same card in a second place, both still waiting
    node.send("vision", card_reads_table([{"zone": "seat", "seat": 2, "card": "4d", "source": "vision",
                                           "confidence": 0.9}]), pts=300_000)
    node.send("rfid", card_reads_table([{"zone": "board", "card": "Qs"}]), pts=1_500_000)  # still disputed
    events = _events(node)
    assert len(events) == 1 and events[0].cards == ["Qs"] and events[0].kind == "read_conflict"
    assert events[0].data["reason"] == "vision sees the same card in two places"
    assert _reads(node) == [("seat", 2, "4d")]  # the Qs went nowhere: neither place kept
    fuse = node.node
    assert fuse.disputed["Qs"] == [("seat", 1), ("board", -1)]  # type: ignore[attr-defined]
    assert fuse.stats["duplicates"] == 1  # type: ignore[attr-defined]
    node.send("operator", card_reads_table([{"zone": "board", "card": "Qs", "source": "operator"}]), pts=1_600_000)
    assert _reads(node)[-1] == ("board", -1, "Qs") and "Qs" not in fuse.disputed  # type: ignore[attr-defined]
    node.send("vision", board, pts=1_700_000)  # settled: the board Qs is an agreement now
    assert fuse.stats["agreements"] == 1 and len(_reads(node)) == 2  # type: ignore[attr-defined]


def test_rfid_reading_one_card_in_two_places_is_a_conflict_and_unknown_vision_cards_are_never_emitted() -> None:
    node = _fuse()
    node.send("actions", OperatorAction(kind="start_hand", hand=SETUP), pts=0)
    node.send("rfid", card_reads_table([{"zone": "seat", "seat": 1, "card": "Ah"}]), pts=10)
    node.send("rfid", card_reads_table([{"zone": "seat", "seat": 2, "card": "Ah"}]), pts=20)
    node.send("rfid", card_reads_table([{"zone": "muck", "card": "Kd"}]), pts=25)
    node.send("vision", card_reads_table([{"zone": "board", "card": "??", "source": "vision",
                                           "confidence": 0.99}]), pts=30)
    node.send("actions", OperatorAction(kind="end_hand"), pts=40)  # a new hand forgets the dispute
    fuse = node.node
    assert fuse.disputed == {}  # type: ignore[attr-defined]
    node.eos()
    assert _reads(node) == [("seat", 1, "Ah"), ("muck", -1, "Kd")]
    assert [e.data["reason"] for e in _events(node)] == ["RFID reads the same card in two places"]
    assert fuse.stats["unknown"] == 1 and fuse.stats["duplicates"] == 1  # type: ignore[attr-defined]

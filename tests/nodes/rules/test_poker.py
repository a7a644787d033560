"""rules.poker in a graph fed by the table simulator: states on every change, equity off the frame path."""

from __future__ import annotations

from ggpgfx.graph.api import Graph
from ggpgfx.poker.messages import GameEvent, TableState


def _run(**sim: object) -> tuple[list[TableState], list[GameEvent]]:
    g = Graph("rules", fps=30)
    table = g.add("ingest.table_sim", id="sim", width=320, height=240, max_hands=1, action_interval_s=0.3,
                  deal_interval_s=0.05, **sim)
    game = g.add("rules.poker", id="game", trials=2000)
    states = g.add("sink.collect", id="states", limit=100_000)
    events = g.add("sink.collect", id="events", limit=100_000)
    table.reads >> game.reads
    table.actions >> game.actions
    game.state >> states.inp
    game.events >> events.inp
    result = g.run(max_frames=2000, realtime=False)
    return result.collected("states"), result.collected("events")


def test_wsop_hand_from_the_simulator() -> None:
    states, events = _run()
    assert states and all(isinstance(s, TableState) for s in states)
    assert [s.version for s in states] == sorted({s.version for s in states}), "versions grow, never repeat"
    final = states[-1]
    assert final.street == "complete"
    assert not [f for f in final.flags if "ignored" in f or "rejected" in f or "conflict" in f], final.flags
    assert sum(s.stack for s in final.seats) == 72_075_000
    assert final.seat(1).stack == 18_100_000  # type: ignore[union-attr]  # Dan Matsuzuki's recorded finish
    with_equity = [s for s in states if any(seat.equity_win is not None for seat in s.seats)]
    assert with_equity, "equity is published as a later TableState version"
    river = [s for s in with_equity if len(s.board) == 4 and sum(seat.status == "active" for seat in s.seats) == 2]
    if river:
        assert any(seat.outs for seat in river[-1].seats)  # heads-up on the turn: the trailing hand has outs
    assert {e.kind for e in events} >= {"hand_started", "card_seen", "action", "hand_ended"}
    assert len({e.key for e in events}) == len(events)


def test_faulty_reads_do_not_break_the_hand() -> None:
    states, _ = _run(duplicate_rate=0.3, late_rate=0.2, seed=3)
    final = states[-1]
    assert final.street == "complete" and sum(s.stack for s in final.seats) == 72_075_000

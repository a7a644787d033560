"""Acceptance: table_sim → detect.cards → rules.poker builds the same table as the simulator's ground truth;
and the same with ingest.rfid over TCP against the reader simulator with faults, fused with vision."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from ggpgfx.api import Graph
from ggpgfx.poker.messages import TableState
from ggpgfx.poker.phh_script import Timing
from ggpgfx.rfid.simulator import ReaderSimulator, SimulatorConfig


def _comparable(state: TableState) -> dict[str, Any]:
    data = state.model_dump(exclude={"version", "pts", "equity_method", "flags"})
    for seat in data["seats"]:
        for key in ("equity_win", "equity_tie", "outs"):
            seat.pop(key, None)
    return data


def _by_pts(states: list[TableState]) -> dict[int, dict[str, Any]]:
    last: dict[int, dict[str, Any]] = {}
    for state in states:
        last[state.pts] = _comparable(state)
    return last


def _sim_graph(name: str, **sim: Any) -> tuple[Graph, Any, Any, Any]:
    g = Graph(name, fps=30)
    table = g.add("ingest.table_sim", id="sim", width=1280, height=720, **sim)
    truth_rules = g.add("rules.poker", id="truth", equity=False)
    table.reads >> truth_rules.reads
    table.actions >> truth_rules.actions
    truth_states = g.add("sink.collect", id="truth_states")
    truth_rules.state >> truth_states.inp
    return g, table, truth_rules, truth_states


def test_vision_only_table_equals_ground_truth() -> None:
    g, table, _, _ = _sim_graph("vision-table", max_hands=2, action_interval_s=0.5)
    cards = g.add("detect.cards", id="cards")
    rules = g.add("rules.poker", id="vision", equity=False)
    states = g.add("sink.collect", id="vision_states")
    table.video >> cards.video
    cards.reads >> rules.reads
    table.actions >> rules.actions
    rules.state >> states.inp
    result = g.run(realtime=False)
    truth, seen = _by_pts(result.collected("truth_states")), _by_pts(result.collected("vision_states"))
    actions = result.instances["sim"].truth_actions
    compared = 0
    for action in actions:  # after every operator action both tables agree exactly
        if action.kind == "start_hand":
            continue
        assert seen[action.pts] == truth[action.pts], f"tables differ after {action.kind} at {action.pts}"
        compared += 1
    assert compared > 20
    final = result.collected("vision_states")[-1]
    assert final.hand_number == 2 and not final.flags


@pytest.mark.network
def test_rfid_with_faults_fused_with_vision_equals_ground_truth() -> None:
    timing = Timing(action=0.25, deal=0.05, end_pause=0.5)
    config = SimulatorConfig(source="random", players=4, max_hands=1, seed=21, timing=timing,
                             miss_rate=0.15, duplicate_rate=0.3, garbage_rate=0.2, unregistered_rate=0.05)
    reader = ReaderSimulator(config).start()
    try:
        g, table, _, _ = _sim_graph("rfid-table", source="random", players=4, max_hands=1, seed=21,
                                    action_interval_s=0.25, deal_interval_s=0.05, end_pause_s=0.5)
        rfid = g.add("ingest.rfid", id="rfid", source=f"tcp://127.0.0.1:{reader.port}", duration_s=10.0)
        cards = g.add("detect.cards", id="cards")
        fuse = g.add("detect.fuse", id="fuse", grace_s=0.6)
        rules = g.add("rules.poker", id="fused", equity=False)
        states, health, fused = g.add("sink.collect", id="states"), g.add("sink.collect", id="health"), \
            g.add("sink.collect", id="fused_reads")
        table.video >> cards.video
        rfid.reads >> fuse.rfid
        cards.reads >> fuse.vision
        table.actions >> fuse.actions
        fuse.reads >> rules.reads
        fuse.reads >> fused.inp
        table.actions >> rules.actions
        rules.state >> states.inp
        rfid.health >> health.inp
        result = g.run(realtime=True)
    finally:
        reader.stop()
    assert reader.sent["missed"] >= 1 and reader.sent["garbage"] >= 1 and reader.sent["duplicates"] >= 1
    counters = result.collected("health")[-1].counters
    assert counters["garbage"] + counters["bad_checksum"] == reader.sent["garbage"]
    fuse_stats = result.instances["fuse"].stats
    assert fuse_stats["recovered"] >= 1  # cards the reader missed came from vision
    truth_final = _comparable(result.collected("truth_states")[-1])
    fused_final = _comparable(result.collected("states")[-1])
    assert fused_final == truth_final
    rows = pa.concat_tables(result.collected("fused_reads")).to_pylist()
    assert len({(r["zone"], r["seat"], r["card"]) for r in rows}) == len(rows)

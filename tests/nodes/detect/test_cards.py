"""detect.cards on the table simulator's video: every visible card announced exactly once, none invented."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import NodeError


def _run_sim(card_params: dict[str, object] | None = None, **sim_params: object) -> tuple[object, list, list]:
    g = Graph("vision", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=1280, height=720, max_hands=1, action_interval_s=0.4,
                deal_interval_s=0.1, **sim_params)
    cards = g.add("detect.cards", id="cards", **(card_params or {}))
    reads, dets = g.add("sink.collect", id="reads"), g.add("sink.collect", id="dets")
    sim.video >> cards.video
    cards.reads >> reads.inp
    cards.detections >> dets.inp
    result = g.run(realtime=False)
    return result, result.collected("reads"), result.collected("dets")


@pytest.mark.parametrize("card_params", [None, {"pip_check": True, "suit_check": True}])
def test_every_visible_card_is_announced_once(card_params: dict[str, object] | None) -> None:
    result, reads, dets = _run_sim(card_params)
    truth = [(r["zone"], r["seat"], r["card"]) for r in result.instances["sim"].truth_reads if r["zone"] != "muck"]
    rows = pa.concat_tables(reads).to_pylist()
    got = [(r["zone"], r["seat"], r["card"]) for r in rows]
    assert Counter(got) == Counter(truth)  # each card once: no flicker, no misses, nothing invented
    assert all(r["source"] == "vision" and r["confidence"] >= 0.7 for r in rows)
    detections = pa.concat_tables(dets)
    assert set(detections.column("card").to_pylist()) == {c for _, _, c in truth}
    first: dict[str, int] = {}
    for r in result.instances["sim"].truth_reads:
        first.setdefault(r["card"], r["pts"])
    for row in rows:  # announced within a few frames of the card landing on the table
        assert 0 <= row["pts"] - first[row["card"]] <= 200_000


def test_zones_from_params_and_a_bad_format() -> None:
    zone = {"name": "board", "zone": "board", "seat": -1, "polygon": [[0, 0], [64, 0], [64, 48], [0, 48]]}
    g = Graph("zones")
    src = g.add("ingest.test_pattern", width=64, height=48, pixel_format="rgb24", frames=2)
    cards = g.add("detect.cards", id="cards", zones=[zone])
    src.video >> cards.video
    with pytest.raises(NodeError, match="reads the luma plane"):
        g.run(realtime=False)


def test_no_zones_is_a_clear_error() -> None:
    g = Graph("nozones")
    src = g.add("ingest.test_pattern", width=64, height=48, frames=2)
    cards = g.add("detect.cards", id="cards")
    sink = g.add("sink.collect", id="out")
    src.video >> cards.video
    cards.reads >> sink.inp
    with pytest.raises(NodeError, match="needs zones"):
        g.run(realtime=False)

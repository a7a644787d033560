"""The Python authoring API builds the same model as YAML and round-trips losslessly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import GraphError
from ggpgfx.graph.load import load_graph

FIXTURES = Path(__file__).parent.parent / "fixtures" / "graphs" / "valid"


def _build() -> Graph:
    g = Graph("roundtrip", description="built in Python", fps=25, realtime=False, queue_capacity=3)
    bars = g.add("ingest.test_pattern", id="bars", width=320, height=180, frames=4,
                 resources={"cpu": 0.5, "rfid_reader": 1})
    fwd = g.add("util.passthrough", id="fwd", restart={"max": 2, "backoff_s": 0.5}, isolate=True)
    sink = g.add("sink.collect", id="sink", inputs={"inp": {"capacity": 5, "on_full": "block"}})
    bars.video >> fwd.inp
    g.connect(fwd.out, sink.inp, capacity=2)
    return g


def test_yaml_round_trip_is_lossless(tmp_path: Path) -> None:
    g = _build()
    path = tmp_path / "g.yaml"
    g.save(path)
    again = Graph.load(path)
    assert again.spec == g.spec
    assert again.to_yaml() == g.to_yaml()


def test_every_valid_fixture_round_trips() -> None:
    for path in FIXTURES.glob("*.yaml"):
        spec = load_graph(path).spec
        assert Graph.from_yaml(Graph.from_spec(spec).to_yaml()).spec == spec


def test_api_graph_runs_and_validates() -> None:
    result = _build().run()
    frames = result.collected("sink")
    assert [f.pts for f in frames] == [0, 40000, 80000, 120000]
    assert frames[0].planes[0].shape == (180, 320)


def test_api_errors_are_graph_errors() -> None:
    g = Graph("bad")
    g.add("ingest.test_pattern", id="a", widht=3)
    with pytest.raises(GraphError, match="unknown param 'widht'"):
        g.validate()
    with pytest.raises(ValueError, match="duplicate node id"):
        g.add("sink.null", id="a")


def test_ids_are_generated_from_type_names() -> None:
    g = Graph("ids")
    assert [g.add("sink.null").id, g.add("sink.null").id] == ["null", "null_2"]

"""util.passthrough forwards payload and pts unchanged."""

from ggpgfx.nodes.util.passthrough import Passthrough

from ggpgfx.api import Graph
from ggpgfx.testing import at, run_node


def test_passthrough_keeps_payload_pts_and_order() -> None:
    out = run_node(Passthrough, inputs={"inp": [at(5, "a"), at(9, {"b": 1}), at(9, None)]})
    assert out["out"] == ["a", {"b": 1}, None] and out.pts("out") == [5, 9, 9]
    assert [m.seq for m in out.messages("out")] == [0, 1, 2] and out.ended


def test_passthrough_keeps_pts() -> None:
    g = Graph("p", realtime=False)
    g.add("test.counter", id="c", count=4, step_us=7)
    g.add("util.passthrough", id="p")
    g.add("sink.collect", id="sink", keep_messages=True)
    g.connect("c.out", "p.inp")
    g.connect("p.out", "sink.inp")
    assert [(m.payload, m.pts) for m in g.run().collected("sink")] == [(0, 0), (1, 7), (2, 14), (3, 21)]

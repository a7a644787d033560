"""util.passthrough forwards payload and pts unchanged."""

from ggpgfx.api import Graph


def test_passthrough_keeps_pts() -> None:
    g = Graph("p", realtime=False)
    g.add("test.counter", id="c", count=4, step_us=7)
    g.add("util.passthrough", id="p")
    g.add("sink.collect", id="sink", keep_messages=True)
    g.connect("c.out", "p.inp")
    g.connect("p.out", "sink.inp")
    assert [(m.payload, m.pts) for m in g.run().collected("sink")] == [(0, 0), (1, 7), (2, 14), (3, 21)]

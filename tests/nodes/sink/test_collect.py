"""sink.collect keeps payloads (or whole messages) up to a limit."""

from ggpgfx.api import Graph


def test_collect_limit_keeps_newest() -> None:
    g = Graph("c", realtime=False)
    g.add("test.counter", id="c", count=30)
    g.add("sink.collect", id="sink", limit=5)
    g.connect("c.out", "sink.inp")
    assert g.run().collected("sink") == [25, 26, 27, 28, 29]


def test_collect_messages() -> None:
    g = Graph("c", realtime=False)
    g.add("test.counter", id="c", count=3, step_us=500)
    g.add("sink.collect", id="sink", keep_messages=True)
    g.connect("c.out", "sink.inp")
    msgs = g.run().collected("sink")
    assert [(m.payload, m.pts, m.seq) for m in msgs] == [(0, 0, 0), (1, 500, 1), (2, 1000, 2)]

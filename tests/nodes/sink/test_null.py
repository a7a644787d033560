"""sink.null accepts any payload type."""

from ggpgfx.api import Graph


def test_null_consumes_everything() -> None:
    g = Graph("n", realtime=False)
    g.add("test.counter", id="c", count=50)
    g.add("sink.null", id="sink")
    g.connect("c.out", "sink.inp")
    assert g.run().nodes["sink"]["messages_in"] == 50

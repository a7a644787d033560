"""sink.stats summarises count, pts span and sequence gaps."""

from ggpgfx.api import Graph


def test_stats_summary() -> None:
    g = Graph("s", realtime=False)
    g.add("test.counter", id="c", count=11, step_us=100_000)
    g.add("sink.stats", id="stats")
    g.connect("c.out", "stats.inp")
    result = g.run()
    summary = result.instances["stats"].summary
    assert summary["messages"] == 11 and summary["sequence_gaps"] == 0
    assert abs(summary["pts_span_s"] - 1.0) < 1e-9

"""Run statistics: interpolated percentiles equal numpy's, and the plain summary table for pipes and logs."""

from __future__ import annotations

import numpy as np

from ggpgfx.runtime.display import plain_table
from ggpgfx.runtime.metrics import percentiles


def test_percentiles_equal_numpys_linear_interpolation() -> None:
    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 2048):
        values = rng.exponential(3.0, size)
        assert np.allclose(percentiles(values, (50.0, 90.0, 99.0)), np.percentile(values, [50, 90, 99]),
                           rtol=1e-12, atol=0)


def test_plain_table_aligns_every_column() -> None:
    hist = {"p50": 1520.0}
    stats = {"src": {"type": "ingest.video", "state": "done", "messages_in": 0, "messages_out": 300,
                     "fps_out": 29.97, "process_us": hist, "latency_us": {"p50": 0.0}, "drops": 0},
             "encoder": {"type": "encode.h264", "state": "done", "messages_in": 300, "messages_out": 300,
                         "fps_out": 29.9, "process_us": {"p50": 8000.0}, "latency_us": hist, "drops": 2}}
    title, header, *rows = plain_table("ggp run demo (local)", stats).splitlines()
    assert title == "ggp run demo (local)" and header.split()[:3] == ["node", "type", "state"]
    assert rows[0].split() == ["src", "ingest.video", "done", "0", "300", "30.0", "1.52", "0.00", "0"]
    assert rows[1].split()[-1] == "2" and len({len(line) for line in (header, *rows)}) == 1


def test_fps_out_is_the_snapshots_figure_without_its_summaries() -> None:
    import time

    from ggpgfx.runtime.metrics import NodeMetrics

    m = NodeMetrics("n", "t")
    m.started = time.monotonic() - 2.0
    m.messages_out = 60
    for value in (1.0, 2.0, 3.0):
        m.latency_us.add(value)
    assert abs(m.fps_out() - 30.0) < 0.5
    assert m.latency_us.folded == 0  # fps_out leaves the histograms alone (the Ray exporter reads it every 2 s)
    assert abs(m.fps_out() - m.snapshot()["fps_out"]) < 0.5
    assert m.latency_us.folded == 3

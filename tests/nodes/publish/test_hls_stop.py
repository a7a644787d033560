"""publish.hls stopped from outside: a stop that times out still finishes the last segment and the playlist; a
writer stuck past the finish timeout leaves no half-written segment, and the playlist lists only whole ones."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ggpgfx.nodes.publish.hls import HlsPublisher
from stopping_writers import slow_writer, stuck_writer

from ggpgfx.api import Graph
from ggpgfx.runtime.local import RunOptions
from ggpgfx.runtime.run import make_executor

RELEASE = threading.Event()  # a stuck writer's on_eos waits for this (the test sets it when done)


def _interrupted_run(folder: Path, node_type: str, finish_timeout_s: float) -> Any:
    """Publish test bars (a keyframe every 5 frames, 0.2 s segments); Ctrl-C once a second of packets is muxed."""
    slow_writer(HlsPublisher, "test.slow_hls")
    stuck_writer(HlsPublisher, "test.stuck_hls", RELEASE)
    g = Graph("hls-stopped", realtime=True, stop_timeout_s=0.5, finish_timeout_s=finish_timeout_s)
    src = g.add("ingest.test_pattern", id="bars", width=160, height=90)
    enc = g.add("encode.h264", id="enc", preset="ultrafast", keyint=5)
    slow = {"finish_s": 1.5} if node_type == "test.slow_hls" else {}  # longer than the graph's 0.5 s stop timeout
    out = g.add(node_type, id="out", folder=str(folder), segment_s=0.2, kind="event", **slow)
    src.video >> enc.video
    enc.packets >> out.packets

    def ctrl_c(stats: dict[str, Any]) -> None:
        if stats.get("out", {}).get("messages_in", 0) >= 30:
            raise KeyboardInterrupt

    runner = make_executor(g.validate(), "local", RunOptions(on_stats=ctrl_c, stats_interval_s=0.05))
    return runner, runner.run()


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _listed(folder: Path) -> list[str]:
    return [line for line in (folder / "index.m3u8").read_text().splitlines() if line.endswith(".ts")]


def test_a_stop_that_times_out_still_finishes_the_playlist(tmp_path: Path) -> None:
    executor, result = _interrupted_run(tmp_path, "test.slow_hls", finish_timeout_s=120)
    assert result.interrupted and result.error is None
    assert not executor.alive()  # waited for the writer instead of leaving it behind
    assert "#EXT-X-ENDLIST" in (tmp_path / "index.m3u8").read_text()
    assert _temporaries(tmp_path) == []
    listed = _listed(tmp_path)
    assert len(listed) >= 3 and all((tmp_path / name).stat().st_size > 0 for name in listed)


def test_a_writer_stuck_past_the_finish_timeout_leaves_no_half_written_segment(tmp_path: Path) -> None:
    RELEASE.clear()
    executor, result = _interrupted_run(tmp_path, "test.stuck_hls", finish_timeout_s=0.5)
    try:
        assert result.interrupted and executor.runners["out"].thread.is_alive()  # abandoned, still stuck
        assert _temporaries(tmp_path) == []
        listed = _listed(tmp_path)
        assert listed and sorted(p.name for p in tmp_path.glob("segment_*.ts")) == sorted(listed)  # whole ones only
    finally:
        RELEASE.set()
        executor.runners["out"].thread.join(60)

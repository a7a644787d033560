"""A run stopped from outside (SIGTERM from `timeout` or a supervisor, Ctrl-C, a stop that times out) leaves no
`.part` file: the recording is finished and renamed into place, or removed when its writer never comes back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from ggpgfx.nodes.publish.file import FilePublisher
from stopping_writers import slow_writer, stuck_writer

from ggpgfx.api import Graph
from ggpgfx.media.probe import counters
from ggpgfx.runtime.local import RunOptions
from ggpgfx.runtime.run import make_executor

RELEASE = threading.Event()  # a stuck writer's on_eos waits for this (the test sets it when done)


def _interrupted_run(path: Path, finish_timeout_s: float, finish_s: float, executor: str = "local") -> Any:
    """Record test bars through a slow (finish_s) or stuck (0) writer; press Ctrl-C once it has muxed a few packets."""
    slow_writer(FilePublisher, "test.slow_finish")
    stuck_writer(FilePublisher, "test.stuck_finish", RELEASE)
    g = Graph("stopped", realtime=True, stop_timeout_s=0.5, finish_timeout_s=finish_timeout_s)
    src = g.add("ingest.test_pattern", id="bars", width=160, height=90)
    enc = g.add("encode.h264", id="enc", preset="ultrafast", keyint=10)
    out = (g.add("test.slow_finish", id="out", path=str(path), finish_s=finish_s) if finish_s
           else g.add("test.stuck_finish", id="out", path=str(path)))
    src.video >> enc.video
    enc.packets >> out.packets

    def ctrl_c(stats: dict[str, Any]) -> None:
        if stats.get("out", {}).get("messages_in", 0) >= 12:
            raise KeyboardInterrupt

    runner = make_executor(g.validate(), executor, RunOptions(on_stats=ctrl_c, stats_interval_s=0.05))
    return runner, runner.run()


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_stop_that_times_out_still_finishes_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "rec.mp4"
    executor, result = _interrupted_run(path, finish_timeout_s=120, finish_s=1.5)  # longer than the stop (0.5 s)
    assert result.interrupted and result.error is None
    assert not executor.alive()
    frames = counters(path)
    assert len(frames) >= 12 and frames == list(range(len(frames)))  # whole and playable
    assert _parts(tmp_path) == []


def test_a_writer_stuck_past_the_finish_timeout_leaves_no_half_written_file(tmp_path: Path) -> None:
    RELEASE.clear()
    path = tmp_path / "rec.mp4"
    executor, result = _interrupted_run(path, finish_timeout_s=0.5, finish_s=0.0)
    try:
        assert result.interrupted and executor.runners["out"].thread.is_alive()  # abandoned, still stuck
        assert _parts(tmp_path) == [] and not path.exists()
    finally:
        RELEASE.set()
        executor.runners["out"].thread.join(60)
    assert _parts(tmp_path) == [] and not path.exists()  # nor renamed into place when it comes back late


@pytest.mark.ray
def test_a_ray_fragment_finishes_the_recording_before_it_is_killed(ray_session: Any, tmp_path: Path) -> None:
    """The fragment actor's shutdown waits for its writer instead of being killed mid-trailer."""
    path = tmp_path / "rec.mp4"
    _, result = _interrupted_run(path, finish_timeout_s=120, finish_s=3.0, executor="ray")
    assert result.interrupted and result.error is None
    frames = counters(path)
    assert len(frames) >= 12 and frames == list(range(len(frames)))
    assert _parts(tmp_path) == []


GRAPH = """
name: sigterm
settings: {realtime: true, fps: 30}
nodes:
  bars: {type: ingest.test_pattern, params: {width: 160, height: 90}}
  enc: {type: encode.h264, params: {preset: ultrafast, keyint: 10}}
  rec: {type: publish.file, params: {path: PATH}}
edges:
  - bars.video -> enc.video
  - enc.packets -> rec.packets
"""


def test_sigterm_stops_ggp_run_like_ctrl_c_and_finishes_the_recording(tmp_path: Path) -> None:
    """`timeout 60 ggp run ...` or a supervisor's stop: the recording is finished, not left as a .part."""
    path = tmp_path / "out" / "rec.mp4"
    graph = tmp_path / "sigterm.yaml"
    graph.write_text(GRAPH.replace("PATH", str(path)))
    proc = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "run", str(graph)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, b"")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 90
        # the recording has begun once its temporary file exists
        while not (path.parent.exists() and _parts(path.parent)):
            assert proc.poll() is None, b"".join(err).decode()
            assert time.monotonic() < deadline, "the run never started recording"
            time.sleep(0.05)
        time.sleep(1.0)  # a second of video
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=5)
    text = b"".join(err).decode()
    assert proc.returncode == 143, text
    assert "Traceback" not in text
    frames = counters(path)
    assert len(frames) >= 10 and frames == list(range(len(frames)))
    assert _parts(path.parent) == []

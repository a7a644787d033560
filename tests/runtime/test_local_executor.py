"""Local-executor specifics: realtime pacing, metrics, Ctrl-C from the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ggpgfx.api import Graph


def test_realtime_pacing_follows_pts() -> None:
    g = Graph("rt", realtime=True)
    g.add("test.counter", id="src", count=11, step_us=20_000)  # 200 ms of media
    g.add("sink.collect", id="sink")
    g.connect("src.out", "sink.inp")
    began = time.monotonic()
    g.run()
    assert 0.18 <= time.monotonic() - began < 1.5


def test_metrics_have_histograms_and_latency() -> None:
    g = Graph("m", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=64, height=48, frames=30)
    g.add("util.passthrough", id="fwd")
    g.add("sink.null", id="sink")
    g.connect("bars.video", "fwd.inp")
    g.connect("fwd.out", "sink.inp")
    result = g.run()
    stats = result.nodes["fwd"]
    assert stats["messages_in"] == stats["messages_out"] == 30
    assert stats["process_us"]["count"] == 30 and stats["queue_wait_us"]["count"] == 30
    assert result.nodes["sink"]["latency_us"]["p50"] > 0
    assert set(result.to_json()) == {"graph", "elapsed_s", "interrupted", "error", "nodes"}


ENDLESS = """
name: endless
settings: {realtime: true, fps: 30}
nodes:
  bars: {type: ingest.test_pattern, params: {width: 320, height: 180}}
  fwd: {type: util.passthrough}
  sink: {type: sink.stats}
edges:
  - bars.video -> fwd.inp
  - fwd.out -> sink.inp
"""


def test_ctrl_c_stops_cleanly_within_two_seconds(tmp_path: Path) -> None:
    graph = tmp_path / "endless.yaml"
    graph.write_text(ENDLESS)
    stats = tmp_path / "stats.json"
    proc = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "run", str(graph), "--stats-json", str(stats)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    # wait for the run to say it started (a loaded machine may take seconds to import), then run a second
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.extend(iter(proc.stderr.readline, b"")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + 60
    while not any(b": started" in line for line in err) and time.monotonic() < deadline:
        assert proc.poll() is None, b"".join(err).decode()
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    assert time.monotonic() - sent < 2.0
    assert proc.returncode == 130
    assert stats.exists()  # the run still reported its metrics
    reader.join(timeout=5)
    assert "Traceback" not in b"".join(err).decode()


def test_run_handle_reports_live_stats_and_stops() -> None:
    from ggpgfx.runtime.run import start_run

    g = Graph("bg", realtime=True)
    g.add("test.endless", id="src")
    g.add("sink.null", id="sink")
    g.connect("src.out", "sink.inp")
    handle = start_run(g.spec)
    deadline = time.monotonic() + 10
    while handle.stats()["sink"]["messages_in"] < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert handle.status() == "running" and handle.stats()["sink"]["messages_in"] >= 20
    result = handle.stop()
    assert result is not None and handle.status() == "stopped"


def test_step_hooks_see_every_message_and_the_barrier_pauses_every_node() -> None:
    from ggpgfx.graph.node import Message
    from ggpgfx.runtime.local import LocalExecutor, NodeRunner, RunOptions, StepHooks

    class Trace(StepHooks):
        def __init__(self) -> None:
            self.seen: list[tuple[str, str, int, str]] = []

        def after_setup(self, runner: NodeRunner) -> None:
            self.seen.append(("setup", runner.rnode.id, -1, ""))

        def before_message(self, runner: NodeRunner, port: str, msg: Message) -> None:
            self.seen.append(("before", runner.rnode.id, msg.payload, port))

        def after_message(self, runner: NodeRunner, port: str, msg: Message) -> None:
            self.seen.append(("after", runner.rnode.id, msg.payload, port))

    g = Graph("hooks", realtime=False)
    g.add("test.counter", id="src", count=3)
    g.add("util.passthrough", id="fwd")
    g.add("sink.collect", id="sink")
    g.connect("src.out", "fwd.inp")
    g.connect("fwd.out", "sink.inp")
    executor = LocalExecutor(g.validate(), RunOptions(realtime=False), barrier=True)
    trace = Trace()
    executor.add_hooks(trace)
    with executor.barrier(1.0) as paused:
        assert paused
        executor.start()
        time.sleep(0.3)
        assert [s for s in trace.seen if s[0] != "setup"] == []  # no node may take a step while held
    assert executor.wait(10)
    fwd = [s for s in trace.seen if s[1] == "fwd"]
    assert fwd == [("setup", "fwd", -1, "")] + [(k, "fwd", i, "inp") for i in range(3) for k in ("before", "after")]
    assert executor.runners["sink"].node.items == [0, 1, 2]  # type: ignore[attr-defined]

"""Fault injection: SIGKILL a fragment actor mid-stream; the graph finishes with exact state and no loss."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict

from ggpgfx.api import Graph
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.runtime.run import start_run

pytestmark = pytest.mark.ray
COUNT = 400


@register_node
class Numbers(Node):
    """A stateful source: 0..count-1, a little slower than flat out so a kill lands mid-stream."""

    type_name = "test.ray_numbers"
    outputs = {"out": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int = COUNT
        pause_s: float = 0.004

    def setup(self) -> None:
        self.i = 0

    def tick(self) -> bool:
        if self.i >= self.params.count:
            return False
        time.sleep(self.params.pause_s)
        self.emit("out", self.i, pts=self.i * 1000)
        self.i += 1
        return True

    def snapshot(self) -> Any:
        return self.i

    def restore(self, state: Any) -> None:
        self.i = state


@register_node
class RunningSum(Node):
    """A stateful node: emits (value, running sum, messages seen); its state is snapshotted and restored."""

    type_name = "test.ray_sum"
    inputs = {"inp": Port(int)}
    outputs = {"out": Port(tuple)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        checkpoint_every: int = 0  # ask for a checkpoint at these points (like "after each hand")

    def setup(self) -> None:
        self.total = 0
        self.seen = 0

    def process(self, port: str, msg: Message) -> None:
        self.total += msg.payload
        self.seen += 1
        self.emit("out", (msg.payload, self.total, self.seen))
        every = self.params.checkpoint_every
        if every and self.seen % every == 0:
            self.checkpoint_now()

    def snapshot(self) -> Any:
        return {"total": self.total, "seen": self.seen}

    def restore(self, state: Any) -> None:
        self.total, self.seen = state["total"], state["seen"]


def _graph(node_points: bool = False) -> Graph:
    g = Graph("faults", realtime=False)
    g.add("test.ray_numbers", id="src")
    # Periodic snapshots every 0.1 s, or (node_points) only where the node asks, every 40 messages.
    interval = 1000.0 if node_points else 0.1
    g.add("test.ray_sum", id="acc", isolate=True, checkpoint_every=40 if node_points else 0,
          restart={"max": 2, "backoff_s": 0.2, "snapshot_interval_s": interval})
    g.add("sink.collect", id="sink")
    g.connect("src.out", "acc.inp", capacity=4)
    g.connect("acc.out", "sink.inp", capacity=4)
    return g


def _expected() -> list[tuple[int, int, int]]:
    return [(i, i * (i + 1) // 2, i + 1) for i in range(COUNT)]


def _kill_mid_stream(g: Graph, victim: str, watched: str, after: int, total: int) -> tuple[Any, Any]:
    """Run `g` on Ray; SIGKILL the fragment of `victim` once `watched` has taken `after` messages (of
    `total`); wait for the end. The run must finish without error after exactly one restart of `victim`,
    in a new process that restored its snapshot."""
    handle = start_run(g.validate(), executor="ray")
    ex = handle.executor
    deadline = time.monotonic() + 60
    while victim not in ex.placement and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = ex.placement[victim]["pid"]
    while time.monotonic() < deadline:
        seen = ex.stats(refresh=True).get(watched, {}).get("messages_in", 0)
        if seen >= after:
            break
        time.sleep(0.05)
    assert seen < total, "the stream ended before the kill: make the source slower"
    os.kill(pid, signal.SIGKILL)
    result = handle.wait(90)
    assert result is not None and result.error is None, result and result.error
    assert ex.restarts == {victim: 1}
    assert ex.placement[victim]["pid"] != pid and ex.placement[victim]["restored"] is True
    return ex, result


@pytest.mark.parametrize("node_points", [False, True], ids=["periodic", "node-chosen"])
def test_killed_stateful_fragment_restores_state_without_loss_or_duplicates(ray_session: Any,
                                                                            node_points: bool) -> None:
    ex, result = _kill_mid_stream(_graph(node_points), "acc", "acc", after=COUNT // 3, total=COUNT)
    assert ex.checkpoints.get("acc", 0) >= 1
    got = result.collected("sink")
    assert len(got) == COUNT  # nothing lost, nothing duplicated
    assert got == _expected()  # in order, and the restored running sum equals a run without the fault


def test_same_graph_without_fault_gives_the_same_result(ray_session: Any) -> None:
    result = _graph().run("ray")
    assert result.collected("sink") == _expected()


@register_node
class FailsOnce(Node):
    """Raise on one value the first time only (a marker file remembers it across the restart)."""

    type_name = "test.ray_fails_once"
    inputs = {"inp": Port(int)}
    outputs = {"out": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        marker: str
        at: int = 25

    def process(self, port: str, msg: Message) -> None:
        if msg.payload == self.params.at and not os.path.exists(self.params.marker):
            open(self.params.marker, "w").close()
            raise RuntimeError("transient failure")
        self.emit("out", msg.payload)


def test_node_error_restarts_its_fragment_and_replays(ray_session: Any, tmp_path: Any) -> None:
    g = Graph("flaky", realtime=False)
    g.add("test.ray_numbers", id="src", count=60, pause_s=0.002)
    g.add("test.ray_fails_once", id="flaky", marker=str(tmp_path / "failed"), isolate=True,
          restart={"max": 1, "backoff_s": 0.1, "snapshot_interval_s": 0.05})
    g.add("sink.collect", id="sink")
    g.connect("src.out", "flaky.inp", capacity=4)
    g.connect("flaky.out", "sink.inp", capacity=4)
    handle = start_run(g.validate(), executor="ray")
    result = handle.wait(90)
    assert result is not None and result.error is None, result and result.error
    assert (tmp_path / "failed").exists() and handle.executor.restarts == {"flaky": 1}
    assert result.collected("sink") == list(range(60))


def test_node_error_beyond_restart_max_fails_the_graph(ray_session: Any) -> None:
    g = Graph("always", realtime=False)
    g.add("test.ray_numbers", id="src", count=30, pause_s=0.0)
    g.add("test.fail", id="bad", at=5, isolate=True, restart={"max": 1, "backoff_s": 0.0})
    g.add("sink.null", id="sink")
    g.connect("src.out", "bad.inp")
    g.connect("bad.out", "sink.inp")
    handle = start_run(g.validate(), executor="ray")
    result = handle.wait(90)
    assert result is not None and handle.executor.restarts == {"bad": 1}
    assert str(result.error) == "node 'bad' at pts=5000us: ValueError: value 5 is not allowed"


def test_killed_source_fragment_continues_where_it_was(ray_session: Any) -> None:
    """A source restarts from its snapshot (frame index), so the sink sees every frame exactly once."""
    from ggpgfx.media.pattern import read_counter

    frames = 240
    g = Graph("source-fault", realtime=True, fps=60)
    g.add("ingest.test_pattern", id="src", width=160, height=96, frames=frames, isolate=True,
          restart={"max": 2, "backoff_s": 0.1, "snapshot_interval_s": 0.1})
    g.add("sink.collect", id="sink")
    g.connect("src.video", "sink.inp", capacity=8)
    _, result = _kill_mid_stream(g, "src", "sink", after=frames // 3, total=frames)
    counters = [read_counter(frame.planes[0]) for frame in result.collected("sink")]
    assert counters == list(range(frames))  # not restarted from frame 0, nothing lost or repeated


def test_killed_file_source_seeks_back_to_where_it_was(ray_session: Any) -> None:
    """ingest.video restores its position: after a SIGKILL the file is read on from the last frame sent."""
    from ggpgfx.media.pattern import read_counter
    from ggpgfx.media.testclip import cached_clip

    clip = cached_clip("fault-320x240-4s-k15.mp4", seconds=4.0, width=320, height=240, keyint=15)
    g = Graph("file-fault", realtime=True)
    g.add("ingest.video", id="src", source=str(clip), isolate=True,
          restart={"max": 2, "backoff_s": 0.1, "snapshot_interval_s": 0.1})
    g.add("sink.collect", id="sink")
    g.connect("src.video", "sink.inp", capacity=8)
    _, result = _kill_mid_stream(g, "src", "sink", after=40, total=120)
    frames = result.collected("sink")
    assert [read_counter(np.asarray(f.planes[0])) for f in frames] == list(range(120))
    assert [f.meta["frame_index"] for f in frames] == list(range(120))
    pts = [f.pts for f in frames]
    assert pts == sorted(set(pts))  # one timeline, no repeats

"""The Ray executor across fragment boundaries: semantics, frames, GPU placement, replicas, refusals, metrics."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import numpy as np
import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import ConfigError, NodeError
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import read_counter
from ggpgfx.runtime.local import RunOptions
from ggpgfx.runtime.ray_executor import RayExecutor

pytestmark = pytest.mark.ray


@register_node
class Writable(Node):
    """Report whether the planes of each frame it receives may be written in place."""

    type_name = "test.ray_writable"
    inputs = {"inp": Port(VideoFrame)}
    outputs = {"out": Port(bool)}

    def process(self, port: str, msg: Message) -> None:
        self.emit("out", all(p.flags.writeable for p in msg.payload.planes))


@register_node
class CounterReader(Node):
    """Read the test pattern's frame counter and let the frame go (keeps no frame: its ring slot is freed)."""

    type_name = "test.ray_counter_reader"
    inputs = {"inp": Port(VideoFrame)}
    outputs = {"out": Port(int)}

    def process(self, port: str, msg: Message) -> None:
        self.emit("out", read_counter(msg.payload.planes[0]))


def _run(g: Graph, **executor_options: Any) -> tuple[Any, RayExecutor]:
    executor = RayExecutor(g.validate(), RunOptions(), **{"split": "node", **executor_options})
    return executor.run(), executor


def test_order_eos_and_backpressure_across_fragments(ray_session: Any) -> None:
    g = Graph("cross", realtime=False)
    g.add("test.counter", id="src", count=300)
    g.add("test.slow", id="slow", seconds=0.001)
    g.add("test.flusher", id="flush")
    g.add("sink.collect", id="sink")
    g.connect("src.out", "slow.inp", capacity=2, on_full="block")
    g.connect("slow.out", "flush.inp", capacity=2)
    g.connect("flush.out", "sink.inp")
    result, ex = _run(g)
    assert result.error is None
    assert result.collected("sink") == list(range(300))  # lossless behind a slow node, flushed at EOS
    assert result.nodes["slow"]["drops"] == 0 and result.nodes["slow"]["fragment"] == "slow"
    assert len(ex.plan.fragments) == 4 if ex.plan else False
    assert any(h["samples"] for h in ex.hops.values())  # per-hop latency was measured
    assert {h["transport"] for h in ex.hops.values()} == {"shm"}  # one machine: ring + socket doorbell


def test_drop_oldest_counts_drops_across_fragments(ray_session: Any) -> None:
    g = Graph("drop", realtime=False)
    g.add("test.counter", id="src", count=300)
    g.add("test.slow", id="slow", seconds=0.005)
    g.add("sink.collect", id="sink")
    g.connect("src.out", "slow.inp", capacity=2, on_full="drop_oldest")
    g.connect("slow.out", "sink.inp")
    result, _ = _run(g)
    got, drops = result.collected("sink"), result.nodes["slow"]["drops"]
    assert drops > 0 and len(got) + drops == 300
    assert got == sorted(got) and got[-1] == 299


def test_error_in_another_fragment_names_node_and_pts(ray_session: Any) -> None:
    g = Graph("err", realtime=False)
    g.add("test.endless", id="src")
    g.add("test.fail", id="bad", at=5)
    g.add("sink.collect", id="sink")
    g.connect("src.out", "bad.inp")
    g.connect("bad.out", "sink.inp")
    result, _ = _run(g)
    assert isinstance(result.error, NodeError)
    assert str(result.error) == "node 'bad' at pts=5000us: ValueError: value 5 is not allowed"


@pytest.mark.parametrize("transport", ["shm", "object_store"])
def test_frames_cross_fragments_intact(ray_session: Any, transport: str) -> None:
    g = Graph("frames", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=640, height=360, frames=12)
    g.add("util.passthrough", id="fwd", isolate=True)
    g.add("sink.collect", id="sink")
    # A second source: a fanned-out frame is shared read-only on purpose (copy on write), even locally.
    g.add("ingest.test_pattern", id="bars2", width=640, height=360, frames=12)
    g.add("test.ray_writable", id="check", isolate=True)
    g.add("sink.collect", id="flags")
    g.connect("bars.video", "fwd.inp")
    g.connect("fwd.out", "sink.inp")
    g.connect("bars2.video", "check.inp")
    g.connect("check.out", "flags.inp")
    result, _ = _run(g, transport=transport, split="auto")
    frames = result.collected("sink")
    assert [read_counter(f.planes[0]) for f in frames] == list(range(12))
    assert [p.shape for p in frames[0].planes] == [(360, 640), (180, 320), (180, 320)]
    assert frames[0].planes[1].dtype == np.uint8
    # Copied out of the ring, the consumer owns writable planes (as with the local executor); object-store
    # reads are zero-copy views and read-only (nodes call frame.writable() before writing).
    assert result.collected("flags") == [transport == "shm"] * 12


def test_object_store_reads_are_zero_copy_and_read_only(ray_session: Any) -> None:
    import ray

    from ggpgfx.media.frames import VideoFrame

    frame = VideoFrame.blank(1920, 1080)
    got = ray.get(ray.put(frame))
    assert not got.planes[0].flags.writeable and not got.planes[0].flags.owndata  # a view of the object store
    assert got.writable().planes[0].flags.writeable


def test_fake_gpu_fragment_gets_cuda_visible_devices(ray_session: Any) -> None:
    g = Graph("gpu", realtime=False)
    g.add("test.counter", id="src", count=5)
    g.add("util.passthrough", id="on_gpu", resources={"gpu": 0.5})
    g.add("sink.collect", id="sink")
    g.connect("src.out", "on_gpu.inp")
    g.connect("on_gpu.out", "sink.inp")
    result, ex = _run(g, split="auto")
    assert result.collected("sink") == list(range(5))
    gpu = ex.placement["gpu"]
    assert gpu["cuda_visible_devices"] == "0" and gpu["devices"] == {"on_gpu": "cuda:0"}
    assert ex.placement["main"]["devices"] == {"src": "cpu", "sink": "cpu"}


def test_device_node_goes_to_a_gpu_actor_and_resolves_there(ray_session: Any) -> None:
    # the session's cluster offers one (fake) GPU: the planner gives `device: cuda` a GPU share, Ray places the
    # fragment with num_gpus; inside, there is no CUDA driver, so the node says so and runs its CPU twin
    g = Graph("device", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=64, height=48, frames=4)
    g.add("util.resize", id="small", width=32, height=24, device="cuda")
    g.add("sink.collect", id="sink")
    g.connect("bars.video", "small.video")
    g.connect("small.video", "sink.inp")
    result, ex = _run(g, split="auto")
    assert [(f.width, f.height, f.device) for f in result.collected("sink")] == [(32, 24, "cpu")] * 4
    gpu = ex.placement["gpu"]
    assert gpu["cuda_visible_devices"] == "0"
    from ggpgfx.runtime import devices

    if not devices.cuda_device_count():
        assert gpu["devices"] == {"small": "cpu"}


def test_replicas_merge_in_sequence_order(ray_session: Any) -> None:
    g = Graph("replicas", realtime=False)
    g.add("test.counter", id="src", count=120)
    g.add("test.slow", id="work", seconds=0.001, replicas=3)
    g.add("sink.collect", id="sink")
    g.connect("src.out", "work.inp")
    g.connect("work.out", "sink.inp")
    result, ex = _run(g, split="auto")
    assert result.error is None
    assert [f.name for f in ex.plan.fragments] == ["main", "work-r0", "work-r1", "work-r2"] if ex.plan else False
    assert result.collected("sink") == list(range(120))
    assert result.nodes["work"]["messages_in"] == 120


def test_unsatisfiable_request_is_refused_before_any_actor_starts(ray_session: Any) -> None:
    import ray

    g = Graph("impossible", realtime=False)
    g.add("test.counter", id="src", count=5)
    g.add("util.passthrough", id="reader", resources={"rfid_reader": 1})
    g.add("sink.null", id="sink")
    g.connect("src.out", "reader.inp")
    g.connect("reader.out", "sink.inp")
    began = time.monotonic()
    result, _ = _run(g, split="auto")
    assert isinstance(result.error, ConfigError)
    assert "needs the custom resource 'rfid_reader' (1) but no node offers it" in str(result.error)
    assert time.monotonic() - began < 10
    names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
    assert not [n for n in names if n.startswith("ggp/impossible/")]


def test_node_metrics_reach_the_prometheus_endpoint(ray_session: Any) -> None:
    import ray

    g = Graph("metrics", realtime=False)
    g.add("test.counter", id="src", count=50)
    g.add("sink.null", id="sink")
    g.connect("src.out", "sink.inp")
    result, _ = _run(g, split="auto")
    assert result.error is None
    node = ray._private.worker.global_worker.node
    url = f"http://{node.node_ip_address}:{node.metrics_export_port}/metrics"
    wanted = 'ray_ggp_node_messages_out_total{'
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        lines = [line for line in text.splitlines() if line.startswith(wanted) and 'graph="metrics"' in line
                 and 'node_type="test.counter"' in line
                 and 'node="src"' in line]
        if lines:
            break
        time.sleep(1)
    assert lines and float(lines[0].rsplit(" ", 1)[1]) == 50.0


def _hops_to(ex: RayExecutor, node_id: str) -> dict[str, Any]:
    return next(h for h in ex.hops.values() if h["to"] == node_id)


def test_new_frames_cross_in_their_ring_slot_without_a_copy(ray_session: Any) -> None:
    g = Graph("slots", realtime=True, fps=60)  # paced: frames go one by one, as live video does
    g.add("ingest.test_pattern", id="bars", width=640, height=360, frames=40)
    g.add("test.ray_counter_reader", id="read", isolate=True)
    g.add("sink.collect", id="sink")
    g.connect("bars.video", "read.inp")
    g.connect("read.out", "sink.inp")
    result, ex = _run(g, split="auto")
    assert result.error is None
    assert result.collected("sink") == list(range(40))
    hop = _hops_to(ex, "read")
    # drawn in the slot and sent header-only; only frames drawn before the outlet had reached its consumer
    # (or while a batch was queued) went the copying way
    assert hop["in_slot"] >= 30, hop
    assert hop["in_slot"] + hop["copied_in"] <= 40 and hop["unsent"] == 0
    assert hop["ring_in_use"] == 0, str(hop)  # after EOS every slot is free again: none leaked


def test_frames_fanned_out_to_two_processes_are_copied_as_before(ray_session: Any) -> None:
    g = Graph("fanout_slots", realtime=True, fps=60)
    g.add("ingest.test_pattern", id="bars", width=640, height=360, frames=20)
    for name in ("left", "right"):
        g.add("test.ray_counter_reader", id=name, isolate=True)
        g.add("sink.collect", id=f"{name}_sink")
        g.connect("bars.video", f"{name}.inp")
        g.connect(f"{name}.out", f"{name}_sink.inp")
    result, ex = _run(g, split="auto")
    assert result.error is None
    assert result.collected("left_sink") == result.collected("right_sink") == list(range(20))
    for name in ("left", "right"):
        hop = _hops_to(ex, name)
        # copied_in counts batches (frames queued behind a send go together)
        assert hop["in_slot"] == 0 and 10 <= hop["copied_in"] <= 20 and hop["ring_in_use"] == 0, str(hop)


def test_decoded_frames_are_copied_into_their_ring_slot_once(ray_session: Any) -> None:
    from ggpgfx.media.testclip import cached_clip

    clip = cached_clip("ingest-320x240-2s.mp4", seconds=2.0, width=320, height=240)
    g = Graph("video_slots", realtime=True)
    g.add("ingest.video", id="src", source=str(clip), audio=False)
    g.add("test.ray_counter_reader", id="read", isolate=True)
    g.add("sink.collect", id="sink")
    g.connect("src.video", "read.inp")
    g.connect("read.out", "sink.inp")
    result, ex = _run(g, split="auto")
    assert result.error is None
    assert result.collected("sink") == list(range(60))  # every frame, in order, pixels intact
    hop = _hops_to(ex, "read")
    assert hop["in_slot"] >= 40 and hop["unsent"] == 0 and hop["ring_in_use"] == 0, str(hop)

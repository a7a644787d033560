"""Device placement: resolving `device` params, fallbacks said once, CPU<->GPU boundaries, Ray GPU requests."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from ggpgfx.api import Graph
from ggpgfx.errors import GraphError
from ggpgfx.graph.fields import device_name
from ggpgfx.graph.validate import resolve_text
from ggpgfx.runtime import devices
from ggpgfx.runtime.planner import make_plan
from ggpgfx.runtime.ray_cluster import ClusterView, RayNodeInfo

CHAIN = """
name: chain
settings: {fps: 30, realtime: false}
nodes:
  src: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 3}}
  small: {type: util.resize, params: {width: 32, height: 24, device: DEV}}
  rgb: {type: util.convert, params: {format: rgb24, device: DEV}}
  out: {type: sink.collect}
edges:
  - src.video -> small.video
  - small.video -> rgb.video
  - rgb.video -> out.inp
"""


def _graph(device: str = "cuda"):  # type: ignore[no-untyped-def]
    graph, diagnostics = resolve_text(CHAIN.replace("DEV", device), "chain.yaml")
    assert graph is not None, diagnostics
    return graph


@pytest.mark.parametrize(("text", "expected"), [("auto", "auto"), (" CPU ", "cpu"), ("cuda", "cuda"),
                                                ("cuda:01", "cuda:1")])
def test_device_names_are_normalised(text: str, expected: str) -> None:
    assert device_name(text) == expected


@pytest.mark.parametrize("text", ["gpu", "cuda:", "cuda:x", "rocm", ""])
def test_bad_device_names_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="device must be auto, cpu, cuda or cuda:N"):
        device_name(text)


def test_a_bad_device_in_a_graph_names_the_line() -> None:
    _, diagnostics = resolve_text(CHAIN.replace("DEV", "gpu0"), "chain.yaml")
    text = "\n".join(d.format() for d in diagnostics)
    assert "chain.yaml:6:" in text and "device must be auto, cpu, cuda or cuda:N" in text


def test_resolution_rules() -> None:
    assert devices.resolve("cpu", gpus=2, missing="") == ("cpu", None)
    assert devices.resolve("auto", gpus=0, missing="") == ("cpu", None)  # auto falls back quietly
    assert devices.resolve("auto", gpus=1, missing="") == ("cuda:0", None)
    assert devices.resolve("cuda", gpus=0, missing="") == ("cpu", "no CUDA")
    assert devices.resolve("cuda:1", gpus=2, missing="") == ("cuda:1", None)
    assert devices.resolve("cuda:2", gpus=2, missing="") == ("cpu", "cuda:2 absent: 2 CUDA device(s)")
    assert devices.resolve("cuda", gpus=1, missing="torch is not installed") == ("cpu", "torch is not installed")


def test_this_machine_has_no_cuda_and_says_so_once_per_node(caplog: pytest.LogCaptureFixture) -> None:
    if devices.cuda_device_count():
        pytest.skip("this machine has a CUDA device")
    with caplog.at_level(logging.WARNING, logger="ggpgfx.devices"):
        result = Graph.from_yaml(CHAIN.replace("DEV", "cuda")).run()
    assert result.error is None
    lines = [r.getMessage() for r in caplog.records if r.name == "ggpgfx.devices"]
    assert lines == ["small (util.resize): device cuda unavailable (no CUDA): using the CPU",
                     "rgb (util.convert): device cuda unavailable (no CUDA): using the CPU"]
    assert all(s["uploads"] == 0 and s["downloads"] == 0 for s in result.nodes.values())


def test_boundaries_only_where_frames_change_device(fake_cuda: None) -> None:
    graph = _graph()
    placements = devices.place(graph)
    assert {nid: p.frames for nid, p in placements.items()} == {"src": "cpu", "small": "cuda:0", "rgb": "cuda:0",
                                                                "out": "cpu"}
    found = [b.text() for b in devices.boundaries(graph, placements)]
    assert found == ["src.video -> small.video: upload cpu -> cuda:0", "rgb.video -> out.inp: download cuda:0 -> cpu"]


def test_device_frames_stay_on_the_device_between_gpu_nodes(fake_cuda: None) -> None:
    on_gpu = Graph.from_yaml(CHAIN.replace("DEV", "cuda")).run()
    on_cpu = Graph.from_yaml(CHAIN.replace("DEV", "cpu")).run()
    assert on_gpu.error is None and on_cpu.error is None
    stats = on_gpu.nodes
    assert (stats["small"]["uploads"], stats["rgb"]["uploads"], stats["rgb"]["downloads"]) == (3, 0, 0)
    assert stats["out"]["downloads"] == 3  # one download per frame, at the sink
    gpu_frames, cpu_frames = on_gpu.collected("out"), on_cpu.collected("out")
    assert [f.device for f in gpu_frames] == ["cpu"] * 3
    for a, b in zip(gpu_frames, cpu_frames, strict=True):  # torch path == numpy twin, bit for bit
        assert isinstance(a.planes[0], np.ndarray) and np.array_equal(a.planes[0], b.planes[0])


def test_device_nodes_receive_and_pass_torch_planes(fake_cuda: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from ggpgfx.operators_gpu import colour

    seen: list[tuple[type, str]] = []
    convert = colour.convert_frame

    def recording(frame, pixel_format):  # type: ignore[no-untyped-def]
        seen.append((type(frame.planes[0]), frame.device))
        return convert(frame, pixel_format)

    monkeypatch.setattr(colour, "convert_frame", recording)
    result = Graph.from_yaml(CHAIN.replace("DEV", "cuda")).run()
    assert result.error is None
    assert seen == [(torch.Tensor, "cuda:0")] * 3  # resize's output went to convert with no host copy


def _cluster(gpus: float) -> ClusterView:
    resources = {"CPU": 8.0, **({"GPU": gpus} if gpus else {})}
    return ClusterView([RayNodeInfo("n1", "10.0.0.1", resources, True)], source="test")


def test_the_planner_asks_ray_for_a_gpu_only_where_there_is_one() -> None:
    graph = _graph()
    with_gpu = make_plan(graph, _cluster(1))
    gpu_fragment = with_gpu.fragments_of("small")[0]
    assert gpu_fragment.kind == "gpu" and gpu_fragment.node_ids == ["small", "rgb"]
    assert gpu_fragment.gpu == 2 * devices.GPU_SHARE and not with_gpu.problems
    text = with_gpu.text()
    assert "devices: small cuda:0 (asked cuda), rgb cuda:0 (asked cuda)" in text
    assert "cross edge: rgb.video -> out.inp" in text and "frames via pinned-host memory" in text
    without = make_plan(graph, _cluster(0))
    assert all(f.gpu == 0 for f in without.fragments) and not without.problems  # never waits for a GPU
    assert "small cpu (asked cuda: no CUDA)" in without.text()
    assert without.to_json()["devices"]["small"] == {"requested": "cuda", "device": "cpu", "frames": "cpu",
                                                     "fallback": "no CUDA"}


def test_plan_marks_boundaries_inside_a_fragment() -> None:
    text = CHAIN.replace("DEV", "cuda").replace("out: {type: sink.collect}",
                                                "out: {type: sink.collect, resources: {gpu: 0.5}}")
    graph, diagnostics = resolve_text(text, "chain.yaml")
    assert graph is not None, diagnostics
    plan = make_plan(graph, _cluster(1))
    assert [b.text() for b in plan.boundaries()] == ["rgb.video -> out.inp: download cuda:0 -> cpu"]
    assert "download at rgb.video -> out.inp: download cuda:0 -> cpu" in plan.text()


def test_cross_fragment_transport_selection() -> None:
    assert devices.cross_fragment_transport("cpu") == "host"
    assert devices.cross_fragment_transport("cuda:0") == "pinned-host"


def test_pinned_host_path_falls_back_to_a_plain_download(fake_cuda: None) -> None:
    from ggpgfx.media.frames import VideoFrame

    frame = devices.to_device(VideoFrame.blank(16, 8), "cuda:0")
    host = devices.to_host_pinned(frame)
    assert host.device == "cpu" and isinstance(host.planes[0], np.ndarray)
    assert np.array_equal(host.planes[1], np.full((4, 8), 128, np.uint8))


def test_gpu_requests() -> None:
    on = devices.Placement("a", "t", "cuda", "cuda:0", None, "cuda:0")
    off = devices.Placement("a", "t", "cuda", "cpu", "no CUDA", "cpu")
    assert devices.gpu_request(on, 0.0) == devices.GPU_SHARE and devices.gpu_request(on, 1.0) == 1.0
    assert devices.gpu_request(off, 0.0) == 0.0


def test_bad_device_value_is_a_graph_error() -> None:
    with pytest.raises(GraphError, match="device must be"):
        Graph.from_yaml(CHAIN.replace("DEV", "tpu")).run()


@pytest.mark.gpu
@pytest.mark.skipif(not devices.cuda_device_count(), reason="no CUDA device")
def test_a_real_gpu_chain_keeps_frames_on_the_device_and_matches_the_cpu() -> None:
    on_gpu = Graph.from_yaml(CHAIN.replace("DEV", "cuda")).run()
    on_cpu = Graph.from_yaml(CHAIN.replace("DEV", "cpu")).run()
    assert (on_gpu.nodes["small"]["uploads"], on_gpu.nodes["rgb"]["uploads"], on_gpu.nodes["out"]["downloads"]) == \
        (3, 0, 3)
    for a, b in zip(on_gpu.collected("out"), on_cpu.collected("out"), strict=True):
        assert np.array_equal(a.planes[0], b.planes[0])

"""graphs/demo_gpu.yaml runs unchanged on a machine without CUDA: every `device: cuda` node falls back to its
CPU twin and says so once; `ggp show` and `ggp plan` mark devices and copies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import pytest

from ggpgfx.runtime import devices

REPO = Path(__file__).resolve().parents[2]
GGP = str(Path(sys.executable).parent / "ggp")
GRAPH = str(REPO / "graphs" / "demo_gpu.yaml")
CUDA_NODES = [("cards", "detect.cards"), ("rules", "rules.poker"), ("gfx", "render.overlay"), ("enc", "encode.h264")]


@pytest.mark.skipif(devices.cuda_device_count() > 0, reason="this machine has CUDA: nothing falls back")
def test_demo_gpu_runs_on_the_cpu_twins_saying_so_once(tmp_path: Path) -> None:
    mp4 = tmp_path / "demo_gpu.mp4"
    done = subprocess.run([GGP, "run", GRAPH, "--max-frames", "12", "--no-realtime", "--set", f"mp4.path={mp4}"],
                          capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for node_id, node_type in CUDA_NODES:
        line = f"{node_id} ({node_type}): device cuda unavailable (no CUDA): using the CPU"
        assert done.stderr.count(line) == 1, done.stderr[-3000:]
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1920, 1080)
        assert len([f for f in container.decode(stream)]) == 12


def test_show_and_plan_mark_devices_and_copies(fake_cuda: None) -> None:
    from ggpgfx.graph.load import load_graph
    from ggpgfx.runtime.planner import make_plan
    from ggpgfx.runtime.ray_cluster import local_view

    graph = load_graph(GRAPH)
    placements = devices.place(graph)
    assert {nid: p.device for nid, p in placements.items() if p.requested} == dict.fromkeys(
        ["cards", "rules", "gfx", "enc"], "cuda:0")
    # only the overlay keeps frames on the device: one upload in, one download out to the (host) encoder
    assert [b.text() for b in devices.boundaries(graph, placements)] == [
        "table.video -> gfx.video: upload cpu -> cuda:0", "gfx.video -> enc.video: download cuda:0 -> cpu"]
    plan = make_plan(graph, local_view(num_cpus=16, num_gpus=1))
    assert not plan.problems
    gpu = plan.fragments_of("gfx")[0]
    assert gpu.kind == "gpu" and set(gpu.node_ids) == {"cards", "rules", "gfx", "enc"} and gpu.gpu == 1.0


def test_ggp_show_marks_the_fallbacks_here() -> None:
    done = subprocess.run([GGP, "show", GRAPH], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    if devices.cuda_device_count() == 0:
        assert "gfx [render.overlay]  device cpu (asked cuda: no CUDA)" in done.stdout

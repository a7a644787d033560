"""render.overlay with `device: cuda`: the blend runs on device planes and gives the CPU overlay's bytes."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.nodes.render.overlay import Overlay

from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import bars_planes
from ggpgfx.render.samples import sample_state
from ggpgfx.runtime import devices
from ggpgfx.testing import at, run_node

W, H = 320, 180


def _inputs() -> dict[str, list[object]]:
    frames = [VideoFrame(bars_planes(W, H, "yuv420p"), "yuv420p", W, H, i * 40_000) for i in range(6)]
    return {"state": [at(0, sample_state("allin"))], "video": [at(f.pts, f) for f in frames]}


def test_overlay_on_the_device_equals_the_cpu_overlay(fake_cuda: None) -> None:
    params = {"animate": True, "ticker": "device path", "ticker_label": "GPU"}
    cpu = run_node(Overlay, params, inputs=_inputs(), policies={"state": "latest"})
    gpu = run_node(Overlay, {**params, "device": "cuda"}, inputs=_inputs(), policies={"state": "latest"})
    assert gpu.node.context.device == "cuda:0" and cpu.node.context.device == "cpu"
    assert (gpu.stats["uploads"], gpu.stats["downloads"]) == (6, 6)  # in for the blend, out to a host consumer
    for a, b in zip(cpu["video"], gpu["video"], strict=True):
        assert all(np.array_equal(p, q) for p, q in zip(a.planes, b.planes, strict=True))
    plain = bars_planes(W, H, "yuv420p")[0]
    assert not np.array_equal(gpu["video"][-1].planes[0], plain)  # the overlay is really there


@pytest.mark.gpu
@pytest.mark.skipif(not devices.cuda_device_count(), reason="no CUDA device")
def test_overlay_on_a_real_gpu_equals_the_cpu_overlay() -> None:
    params = {"animate": True, "ticker": "device path", "ticker_label": "GPU"}
    cpu = run_node(Overlay, params, inputs=_inputs(), policies={"state": "latest"})
    gpu = run_node(Overlay, {**params, "device": "cuda"}, inputs=_inputs(), policies={"state": "latest"})
    assert gpu.node.context.device == "cuda:0" and gpu.stats["uploads"] == 6
    for a, b in zip(cpu["video"], gpu["video"], strict=True):
        assert all(np.array_equal(p, q) for p, q in zip(a.planes, b.planes, strict=True))

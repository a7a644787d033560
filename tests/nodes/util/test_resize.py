"""util.resize: scales frames to the params' size; the device path (torch) gives the numpy twin's bytes."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.nodes.util.resize import Resize

from ggpgfx.media.frames import VideoFrame
from ggpgfx.testing import run_node


def _frames() -> list[VideoFrame]:
    rng = np.random.default_rng(3)
    frames = []
    for _ in range(2):
        frame = VideoFrame.blank(64, 48)
        frame.planes = [rng.integers(0, 256, p.shape, dtype=np.uint8) for p in frame.planes]
        frames.append(frame)
    return frames


def test_resize_scales_every_plane_and_keeps_pts() -> None:
    out = run_node(Resize, {"width": 32, "height": 24}, inputs={"video": _frames()})
    frames = out["video"]
    assert [(f.width, f.height) for f in frames] == [(32, 24), (32, 24)]
    assert [p.shape for p in frames[0].planes] == [(24, 32), (12, 16), (12, 16)]
    assert out.pts("video") == [0, 33_333]
    # a 2x shrink is an exact 2x2 box mean (rounded)
    source = _frames()[0].planes[0].astype(np.int32)
    box = (source[0::2, 0::2] + source[1::2, 0::2] + source[0::2, 1::2] + source[1::2, 1::2] + 2) // 4
    assert np.array_equal(frames[0].planes[0], box)


def test_resize_on_the_device_equals_the_cpu_twin(fake_cuda: None) -> None:
    cpu = run_node(Resize, {"width": 40, "height": 30}, inputs={"video": _frames()})["video"]
    run = run_node(Resize, {"width": 40, "height": 30, "device": "cuda"}, inputs={"video": _frames()})
    # uploaded on the way in, downloaded on the way out of the harness (a host consumer)
    assert (run.stats["uploads"], run.stats["downloads"]) == (2, 2)
    for a, b in zip(cpu, run["video"], strict=True):
        assert b.device == "cpu" and all(np.array_equal(p, q) for p, q in zip(a.planes, b.planes, strict=True))


def test_odd_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="must be even"):
        Resize.Params(width=33, height=24)

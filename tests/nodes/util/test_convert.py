"""util.convert: pixel formats round trip; the device path (torch) gives the numpy twin's bytes."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.nodes.util.convert import Convert

from ggpgfx.media.frames import VideoFrame
from ggpgfx.testing import run_node


def _frame() -> VideoFrame:
    rng = np.random.default_rng(5)
    frame = VideoFrame.blank(32, 16)
    frame.planes = [rng.integers(16, 236, p.shape, dtype=np.uint8) for p in frame.planes]
    return frame


def test_convert_to_nv12_interleaves_chroma() -> None:
    source = _frame()
    out = run_node(Convert, {"format": "nv12"}, inputs={"video": [source]})["video"][0]
    assert out.format == "nv12" and np.array_equal(out.planes[0], source.planes[0])
    assert np.array_equal(out.planes[1][..., 0], source.planes[1])
    assert np.array_equal(out.planes[1][..., 1], source.planes[2])


@pytest.mark.parametrize("target", ["rgb24", "nv12"])
def test_convert_on_the_device_equals_the_cpu_twin(fake_cuda: None, target: str) -> None:
    cpu = run_node(Convert, {"format": target}, inputs={"video": [_frame()]})["video"][0]
    run = run_node(Convert, {"format": target, "device": "cuda"}, inputs={"video": [_frame()]})
    gpu = run["video"][0]
    assert (run.stats["uploads"], run.stats["downloads"]) == (1, 1) and gpu.format == cpu.format == target
    assert all(np.array_equal(p, q) for p, q in zip(cpu.planes, gpu.planes, strict=True))


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(ValueError):
        Convert.Params(format="yuv444p")

"""Device probe, CPU fallback, upload/download and DLPack hand-off."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from ggpgfx.operators_gpu import device as dev

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame


def _frame(fmt: str = "yuv420p") -> VideoFrame:
    frame = VideoFrame.blank(64, 48, fmt, pts=1234)
    rng = np.random.default_rng(7)
    for plane in frame.planes:
        plane[...] = rng.integers(0, 256, plane.shape)
    return frame


def test_resolve_device_names() -> None:
    assert dev.resolve_device("cpu") == "cpu"
    expected = "cuda:0" if dev.cuda_available() else "cpu"
    assert dev.resolve_device("auto") == expected
    assert dev.resolve_device("cuda") == expected
    with pytest.raises(ConfigError, match="unknown device"):
        dev.resolve_device("tpu")


@pytest.mark.skipif(dev.cuda_available(), reason="checks the fallback, which needs a machine without CUDA")
def test_fallback_logs_once(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "_warned", False)
    with caplog.at_level(logging.INFO, logger="ggpgfx.operators_gpu"):
        assert dev.resolve_device("cuda") == "cpu"
        assert dev.resolve_device("cuda:0") == "cpu"
    lines = [r.getMessage() for r in caplog.records if "no GPU" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("no GPU: using the CPU twin")


def test_device_for_prefers_param_then_context() -> None:
    assert dev.device_for("cuda:0", "cpu") == "cpu"
    assert dev.device_for(None, None, gpu_fraction=0.0) == "cpu"
    assert dev.device_for("cuda:0", None) == dev.resolve_device("cuda")


@pytest.mark.parametrize("fmt", ["yuv420p", "nv12"])
def test_upload_download_round_trip(device: str, fmt: str) -> None:
    import torch

    frame = _frame(fmt)
    on_device = dev.upload(frame, device=device)
    assert on_device.device == device or on_device.device.startswith(device)
    assert all(isinstance(p, torch.Tensor) for p in on_device.planes)
    dev.synchronize(on_device.device)
    back = dev.download(on_device)
    assert back.device == "cpu" and back.pts == 1234 and back.format == fmt
    back.check()
    for a, b in zip(frame.planes, back.planes, strict=True):
        assert np.array_equal(a, b)
    on_device.planes[0][0, 0] = 255 - int(frame.planes[0][0, 0])  # upload copies: the source stays as it was
    assert dev.download(on_device).planes[0][0, 0] != frame.planes[0][0, 0]


def test_as_torch_shares_memory_with_numpy() -> None:
    frame = _frame()
    shared = dev.as_torch(frame)
    shared.planes[0][3, 5] = 17
    assert frame.planes[0][3, 5] == 17  # DLPack/from_numpy: same buffer, no copy


def test_as_cupy_needs_a_device_frame() -> None:
    with pytest.raises(ConfigError, match="upload"):
        dev.as_cupy(_frame())


@pytest.mark.gpu
@pytest.mark.skipif(not dev.devices()["cupy"], reason="no CuPy with a CUDA device")
def test_cupy_torch_dlpack_share_the_pointer() -> None:
    frame = dev.upload(_frame(), device="cuda")
    as_cupy = dev.as_cupy(frame)
    assert as_cupy.planes[0].data.ptr == frame.planes[0].data_ptr()
    back = dev.as_torch(as_cupy)
    assert back.planes[1].data_ptr() == frame.planes[1].data_ptr()

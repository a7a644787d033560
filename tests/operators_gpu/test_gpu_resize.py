"""Resize and crop: numpy twins against OpenCV and a float loop, torch kernels against the twins."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from ggpgfx.operators_gpu import resize
from ggpgfx.operators_gpu.device import download, upload

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame


@pytest.fixture
def image() -> np.ndarray:
    rng = np.random.default_rng(5)
    smooth = cv2.GaussianBlur(rng.integers(0, 256, (72, 96, 3), dtype=np.uint8), (5, 5), 0)
    return np.ascontiguousarray(smooth)


def _float_bilinear(image: np.ndarray, box: tuple[float, float, float, float], size: int) -> np.ndarray:
    """Straight per-pixel bilinear sampling at pixel centres of the box."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    out = np.zeros((size, size, image.shape[2]))
    for j in range(size):
        sy = min(max(y0 + (j + 0.5) * (y1 - y0) / size - 0.5, 0), h - 1)
        for i in range(size):
            sx = min(max(x0 + (i + 0.5) * (x1 - x0) / size - 0.5, 0), w - 1)
            ya, xa = int(np.floor(sy)), int(np.floor(sx))
            yb, xb = min(ya + 1, h - 1), min(xa + 1, w - 1)
            fy, fx = sy - ya, sx - xa
            out[j, i] = ((1 - fy) * ((1 - fx) * image[ya, xa] + fx * image[ya, xb])
                         + fy * ((1 - fx) * image[yb, xa] + fx * image[yb, xb]))
    return out


@pytest.mark.parametrize(("height", "width"), [(40, 50), (150, 130), (36, 48), (24, 32)])
def test_twin_matches_opencv(image: np.ndarray, height: int, width: int) -> None:
    got = resize.resize_plane_cpu(image, height, width)
    mode = cv2.INTER_AREA if (72 % height == 0 and 96 % width == 0) else cv2.INTER_LINEAR
    expected = cv2.resize(image, (width, height), interpolation=mode)
    assert got.shape == expected.shape
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_torch_resize_equals_twin(image: np.ndarray, device: str) -> None:
    import torch

    tensor = torch.as_tensor(image).to(device)
    for height, width in [(40, 50), (150, 130), (24, 32)]:
        assert np.array_equal(resize.resize_plane_gpu(tensor, height, width).cpu().numpy(),
                              resize.resize_plane_cpu(image, height, width))
        grey = resize.resize_plane_gpu(tensor[..., 0].contiguous(), height, width).cpu().numpy()
        assert np.array_equal(grey, resize.resize_plane_cpu(image[..., 0], height, width))


@pytest.mark.parametrize("fmt", ["yuv420p", "nv12"])
def test_resize_frame_both_paths(device: str, fmt: str) -> None:
    frame = VideoFrame.blank(96, 72, fmt, pts=3)
    rng = np.random.default_rng(2)
    for plane in frame.planes:
        plane[...] = rng.integers(0, 256, plane.shape)
    small = resize.resize_frame(frame, 48, 36)
    small.check()
    assert small.pts == 3 and small.width == 48
    moved = download(resize.resize_frame(upload(frame, device=device), 48, 36))
    for a, b in zip(small.planes, moved.planes, strict=True):
        assert np.array_equal(a, b)
    with pytest.raises(ConfigError, match="positive"):
        resize.resize_frame(frame, 0, 10)


def test_crop_frame(device: str) -> None:
    frame = VideoFrame.blank(64, 48, "yuv420p")
    frame.planes[0][...] = np.arange(64)[None, :]
    crop = resize.crop_frame(frame, 10, 4, 20, 8)
    crop.check()
    assert crop.planes[0][0, 0] == 10 and crop.planes[1].shape == (4, 10)
    moved = download(resize.crop_frame(upload(frame, device=device), 10, 4, 20, 8))
    assert all(np.array_equal(a, b) for a, b in zip(crop.planes, moved.planes, strict=True))
    with pytest.raises(ConfigError, match="even"):
        resize.crop_frame(frame, 1, 0, 10, 10)
    with pytest.raises(ConfigError, match="outside"):
        resize.crop_frame(frame, 60, 0, 10, 10)


def test_detector_crops(image: np.ndarray, device: str) -> None:
    import torch

    boxes = [(0, 0, 96, 72), (10.5, 5, 40, 30), (50, 20, 60, 70), (90, 60, 96, 72)]
    crops = resize.crop_resize_cpu(image, boxes, 16)
    assert crops.shape == (4, 16, 16, 3)
    for crop, box in zip(crops, boxes, strict=True):
        assert np.abs(crop - _float_bilinear(image, box, 16)).max() <= 1.0
    on_device = resize.crop_resize_gpu(torch.as_tensor(image).to(device), boxes, 16)
    assert np.array_equal(on_device.cpu().numpy(), crops)
    wide = resize.crop_resize_gpu(torch.as_tensor(image).to(device), boxes, (12, 20))
    assert np.array_equal(wide.cpu().numpy(), resize.crop_resize_cpu(image, boxes, (12, 20)))
    assert wide.shape == (4, 12, 20, 3)
    luma = np.ascontiguousarray(image[..., 0])
    patches = resize.crop_resize_cpu(luma, boxes, (48, 32))
    assert patches.shape == (4, 48, 32)
    assert np.array_equal(patches, resize.crop_resize_cpu(image, boxes, (48, 32))[..., 0])
    assert np.array_equal(resize.crop_resize_gpu(torch.as_tensor(luma).to(device), boxes, (48, 32)).cpu().numpy(),
                          patches)
    with pytest.raises(ConfigError, match="x1 > x0"):
        resize.crop_resize_cpu(image, [(5, 5, 5, 9)], 8)

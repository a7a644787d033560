"""yuv420p / NV12 <-> RGB: the numpy twin against the BT.709 formulas, the torch kernels against the twin."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.operators_gpu import colour
from ggpgfx.operators_gpu.device import download, upload

from ggpgfx.media.frames import VideoFrame

KR, KB = 0.2126, 0.0722
KG = 1 - KR - KB


def _reference_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.709 limited range in float64, chroma from the 2x2 mean of RGB (edge rows repeated)."""
    c = rgb.astype(np.float64)
    luma = KR * c[..., 0] + KG * c[..., 1] + KB * c[..., 2]
    y = 16 + 219 / 255 * luma
    h, w = rgb.shape[:2]
    e = np.pad(c, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    m = (e[0::2, 0::2] + e[1::2, 0::2] + e[0::2, 1::2] + e[1::2, 1::2]) / 4
    ml = KR * m[..., 0] + KG * m[..., 1] + KB * m[..., 2]
    u = 128 + 224 / 255 * (m[..., 2] - ml) / (2 * (1 - KB))
    v = 128 + 224 / 255 * (m[..., 0] - ml) / (2 * (1 - KR))
    return y, u, v


def _reference_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    h, w = y.shape
    uu = np.repeat(np.repeat(u.astype(np.float64) - 128, 2, 0), 2, 1)[:h, :w] * 255 / 224
    vv = np.repeat(np.repeat(v.astype(np.float64) - 128, 2, 0), 2, 1)[:h, :w] * 255 / 224
    yy = (y.astype(np.float64) - 16) * 255 / 219
    r = yy + 2 * (1 - KR) * vv
    b = yy + 2 * (1 - KB) * uu
    g = (yy - KR * r - KB * b) / KG
    return np.clip(np.stack([r, g, b], -1), 0, 255)


@pytest.fixture(params=[(64, 48), (37, 23)], ids=["even", "odd"])
def rgb(request: pytest.FixtureRequest) -> np.ndarray:
    w, h = request.param
    image = np.random.default_rng(3).integers(0, 256, (h, w, 3), dtype=np.uint8)
    image[0, :4] = [[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0]]
    return image


def test_rgb_to_yuv_twin_matches_formula(rgb: np.ndarray) -> None:
    planes = colour.rgb_to_yuv420p_cpu(rgb)
    for got, want in zip(planes, _reference_yuv(rgb), strict=True):
        assert np.abs(got.astype(np.float64) - np.clip(want, 0, 255)).max() <= 1.0
    y, u, v = planes
    assert y[0, 0] == 16 and y[0, 1] == 235  # black and white land on the limited-range ends


def test_grey_has_neutral_chroma() -> None:
    grey = np.full((4, 4, 3), 77, dtype=np.uint8)
    _, u, v = colour.rgb_to_yuv420p_cpu(grey)
    assert (u == 128).all() and (v == 128).all()


def test_yuv_to_rgb_twin_matches_formula(rgb: np.ndarray) -> None:
    y, u, v = colour.rgb_to_yuv420p_cpu(rgb)
    got = colour.yuv420p_to_rgb_cpu(y, u, v)
    assert np.abs(got.astype(np.float64) - _reference_rgb(y, u, v)).max() <= 1.0


def test_torch_kernels_equal_twin_bit_for_bit(rgb: np.ndarray, device: str) -> None:
    import torch

    tensor = torch.as_tensor(rgb).to(device)
    gpu = [p.cpu().numpy() for p in colour.rgb_to_yuv420p_gpu(tensor)]
    cpu = colour.rgb_to_yuv420p_cpu(rgb)
    for a, b in zip(gpu, cpu, strict=True):
        assert np.array_equal(a, b)
    back_gpu = colour.yuv420p_to_rgb_gpu(*(torch.as_tensor(p).to(device) for p in cpu)).cpu().numpy()
    assert np.array_equal(back_gpu, colour.yuv420p_to_rgb_cpu(*cpu))


@pytest.mark.parametrize("target", ["nv12", "rgb24", "yuv420p"])
def test_convert_frame_round_trips_on_both_paths(rgb: np.ndarray, device: str, target: str) -> None:
    h, w = rgb.shape[:2]
    source = VideoFrame([rgb], "rgb24", w, h, pts=5)
    host = colour.convert_frame(colour.convert_frame(source, "yuv420p"), target)
    host.check()
    moved = colour.convert_frame(colour.convert_frame(upload(source, device=device), "yuv420p"), target)
    assert moved.device == host.device or moved.device.startswith("cuda")
    for a, b in zip(host.planes, download(moved).planes, strict=True):
        assert np.array_equal(a, b)
    if target == "nv12":
        assert host.planes[1].shape == ((h + 1) // 2, (w + 1) // 2, 2)
        back = colour.convert_frame(host, "yuv420p")
        assert np.array_equal(back.planes[1], colour.rgb_to_yuv420p_cpu(rgb)[1])

"""Overlay compositing: numpy twin vs a float reference and the render compositor; torch vs the twin."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.operators_gpu.colour import convert_frame
from ggpgfx.operators_gpu.composite import composite_cpu, premultiplied_layer, prepare_overlay
from ggpgfx.operators_gpu.composite_gpu import composite_gpu, composite_layers_gpu
from ggpgfx.operators_gpu.device import download, upload

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.layers import Layer, layer_from_rgba

W, H = 160, 90


def _rgba(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    alpha = rng.integers(0, 256, (h, w, 1))
    alpha[: h // 3] = 0  # a transparent band: not dirty
    alpha[h // 2:, : w // 4] = 255
    return np.concatenate([rng.integers(0, 256, (h, w, 3)), alpha], -1).astype(np.uint8)


def _frame(rng: np.random.Generator, w: int = W, h: int = H) -> VideoFrame:
    frame = VideoFrame.blank(w, h, "yuv420p", pts=9)
    for plane in frame.planes:
        plane[...] = rng.integers(0, 256, plane.shape)
    return frame


def _layers(rng: np.random.Generator, w: int = W, h: int = H) -> list[Layer]:
    """Overlapping layers, one faded, one hanging off the top-left and one off the bottom-right edge."""
    return [layer_from_rgba(_rgba(rng, 40, 60), 10, 6),
            layer_from_rgba(_rgba(rng, 30, 81), 30, 20).placed(30, 20, 170),
            layer_from_rgba(_rgba(rng, 20, 20), -8, -4),
            layer_from_rgba(_rgba(rng, 25, 40), w - 30, h - 15)]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


@pytest.mark.parametrize("size", [(W, H), (W - 1, H - 1)], ids=["even", "odd"])
def test_twin_equals_render_compositor(rng: np.random.Generator, size: tuple[int, int]) -> None:
    w, h = size
    frame, layers = _frame(rng, w, h), _layers(rng, w, h)
    expected = frame.copy()
    composite_layers(expected, layers)
    overlay = prepare_overlay(layers, w, h)
    assert overlay.depth == 2 and 0 < overlay.dirty_pixels < w * h
    got = composite_cpu(frame.copy(), overlay)
    for a, b in zip(expected.planes, got.planes, strict=True):
        assert np.array_equal(a, b)


def test_twin_matches_float_reference(rng: np.random.Generator) -> None:
    """One opaque-to-transparent premultiplied RGBA layer against BT.709 alpha blending in float."""
    straight = _rgba(rng, 40, 64)
    alpha = straight[..., 3:].astype(np.float64)
    premultiplied = np.round(straight[..., :3] * alpha / 255)
    layer = premultiplied_layer(np.concatenate([premultiplied, alpha], -1).astype(np.uint8), 20, 10)
    frame = _frame(rng)
    got = composite_cpu(frame.copy(), prepare_overlay([layer], W, H))
    region = (slice(10, 50), slice(20, 84))
    a = alpha[..., 0] / 255
    # premultiplied Y: 16*alpha + (219/255) K.RGB_premultiplied, then the frame under (1 - alpha)
    layer_luma = 16 * a + 219 / 255 * (premultiplied @ np.array([0.2126, 0.7152, 0.0722]))
    expected = np.where(a > 0, layer_luma + frame.planes[0][region] * (1 - a), frame.planes[0][region])
    assert np.abs(got.planes[0][region].astype(np.float64) - expected).max() <= 1.0
    untouched = np.ones((H, W), bool)
    untouched[region] = False
    assert np.array_equal(got.planes[0][untouched], frame.planes[0][untouched])


def test_torch_path_equals_twin(rng: np.random.Generator, device: str) -> None:
    frame, layers = _frame(rng), _layers(rng)
    overlay = prepare_overlay(layers, W, H)
    expected = composite_cpu(frame.copy(), overlay)
    moved = upload(frame, device=device)
    composite_gpu(moved, overlay)
    for a, b in zip(expected.planes, download(moved).planes, strict=True):
        assert np.array_equal(a, b)
    again, reused = composite_layers_gpu(upload(frame, device=device), layers, overlay)
    assert reused is overlay and np.array_equal(download(again).planes[0], expected.planes[0])


def test_nv12_equals_yuv420p_result(rng: np.random.Generator, device: str) -> None:
    frame, layers = _frame(rng), _layers(rng)
    overlay = prepare_overlay(layers, W, H)
    expected = composite_cpu(frame.copy(), overlay)
    nv12 = convert_frame(frame.copy(), "nv12")
    host = convert_frame(composite_cpu(nv12.copy(), overlay), "yuv420p")
    moved = download(composite_gpu(upload(nv12, device=device), overlay))
    for a, b, c in zip(expected.planes, host.planes, convert_frame(moved, "yuv420p").planes, strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)


def test_empty_overlay_and_bad_frames(rng: np.random.Generator) -> None:
    frame = _frame(rng)
    offscreen = prepare_overlay([layer_from_rgba(_rgba(rng, 10, 10), W + 10, 0)], W, H)
    assert offscreen.dirty_pixels == 0
    assert np.array_equal(composite_cpu(frame.copy(), offscreen).planes[0], frame.planes[0])
    with pytest.raises(ConfigError, match="prepared for"):
        composite_cpu(_frame(rng, 64, 48), offscreen)
    with pytest.raises(ConfigError, match="yuv420p or nv12"):
        composite_cpu(VideoFrame.blank(W, H, "rgb24"), offscreen)
    with pytest.raises(ConfigError, match="render.layers.Layer"):
        prepare_overlay([np.zeros((4, 4, 4), np.uint8)], W, H)  # type: ignore[list-item]

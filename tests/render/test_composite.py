"""The YUV compositor: exact integer blend, numpy and Numba agree, clipping, opacity, colour accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.errors import MediaError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render import kernels
from ggpgfx.render.composite import blend_plane_numpy, composite_layers, numba_blend
from ggpgfx.render.layers import convert_numpy, layer_from_rgba, rgb_to_yuv, yuv_to_rgb


def _random_frame(width: int, height: int, seed: int = 1) -> VideoFrame:
    rng = np.random.default_rng(seed)
    frame = VideoFrame.blank(width, height)
    frame.planes = [rng.integers(16, 236, p.shape, dtype=np.uint8) for p in frame.planes]
    return frame


def _random_rgba(h: int, w: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    image[: h // 4, :, 3] = 0
    image[h // 4: h // 2, :, 3] = 255
    return image


def test_numba_and_numpy_give_identical_bytes() -> None:
    layer = layer_from_rgba(_random_rgba(90, 131), 37, 21)
    a, b = _random_frame(320, 240), _random_frame(320, 240)
    layers = [layer, layer.placed(250, 200, 100), layer.placed(-40, -30, 256)]
    composite_layers(a, layers, blend=blend_plane_numpy)
    composite_layers(b, layers, blend=numba_blend())
    for pa, pb in zip(a.planes, b.planes, strict=True):
        assert np.array_equal(pa, pb)


def test_the_default_blend_skipping_transparent_row_ends_gives_the_numpy_bytes() -> None:
    kernels.load()  # the default once Numba's kernels are in
    image = _random_rgba(60, 97, seed=5)
    image[:, :9, 3] = 0  # transparent left and right ends and a fully transparent row
    image[:, 80:, 3] = 0
    image[40, :, 3] = 0
    layer = layer_from_rgba(image)
    luma, _ = layer.spans()
    assert tuple(luma[40]) == (0, 0) and tuple(luma[30]) == (9, 80)
    layers = [layer.placed(11, 7), layer.placed(-30, 200, 90), layer.placed(290, 10),
              layer.window(6, 64, 120, 100), layer.window(20, 40, 0, 150).placed(0, 150, 180)]
    a, b = _random_frame(320, 240), _random_frame(320, 240)
    composite_layers(a, layers, blend=blend_plane_numpy)
    composite_layers(b, layers)
    for pa, pb in zip(a.planes, b.planes, strict=True):
        assert np.array_equal(pa, pb)


def test_blend_matches_float_reference() -> None:
    rng = np.random.default_rng(3)
    dst = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    value = rng.integers(16, 236, (64, 64)).astype(np.float64)
    alpha = rng.integers(0, 256, (64, 64)).astype(np.float64)
    pm = np.round(value * alpha).astype(np.uint16)
    inv = (255 - alpha).astype(np.uint8)
    expected = (dst * (255 - alpha) + value * alpha) / 255
    got = dst.copy()
    blend_plane_numpy(got, pm, inv)
    assert np.abs(got - expected).max() <= 0.51


def test_opaque_colour_lands_exactly_and_transparent_leaves_frame() -> None:
    frame = _random_frame(64, 48)
    before = [p.copy() for p in frame.planes]
    image = np.zeros((16, 20, 4), np.uint8)
    image[:8] = (200, 40, 90, 255)  # top half opaque, bottom half transparent
    composite_layers(frame, [layer_from_rgba(image, 10, 8)])
    y, u, v = rgb_to_yuv(np.array([200.0, 40.0, 90.0]))
    assert np.all(frame.planes[0][8:16, 10:30] == round(float(y)))
    assert np.all(frame.planes[1][4:8, 5:15] == round(float(u)))
    assert np.all(frame.planes[2][4:8, 5:15] == round(float(v)))
    assert np.array_equal(frame.planes[0][16:24, 10:30], before[0][16:24, 10:30])
    assert np.array_equal(frame.planes[0][:, 31:], before[0][:, 31:])


def test_layers_off_frame_are_clipped_not_errors() -> None:
    frame = _random_frame(64, 48)
    before = frame.planes[0].copy()
    layer = layer_from_rgba(np.full((20, 20, 4), 255, np.uint8))
    composite_layers(frame, [layer.placed(-10, -10), layer.placed(60, 44), layer.placed(500, 500)])
    luma = frame.planes[0]
    assert np.all(luma[:10, :10] == 235) and np.all(luma[44:, 60:] == 235)
    untouched = np.ones_like(luma, dtype=bool)
    untouched[:10, :10] = untouched[44:, 60:] = False
    assert np.array_equal(luma[untouched], before[untouched])
    assert np.all(frame.planes[1][:5, :5] == 128) and np.all(frame.planes[1][22:, 30:] == 128)


def test_opacity_halves_the_mix() -> None:
    frame = VideoFrame.blank(32, 32)  # Y = 16
    white = layer_from_rgba(np.full((32, 32, 4), 255, np.uint8))
    composite_layers(frame, [white.placed(0, 0, 128)])
    assert abs(int(frame.planes[0][5, 5]) - (16 + 235) / 2) <= 1


def test_layer_round_trips_to_rgba() -> None:
    image = np.zeros((8, 8, 4), np.uint8)
    image[...] = (30, 160, 220, 255)
    back = layer_from_rgba(image).rgba()
    assert np.abs(back.astype(int) - image.astype(int)).max() <= 2
    rgb = yuv_to_rgb(*rgb_to_yuv(np.array([[10.0, 128.0, 250.0]])))
    assert np.allclose(rgb, [[10, 128, 250]], atol=1e-6)


def test_only_yuv420p() -> None:
    frame = VideoFrame.blank(32, 32, "rgb24")
    with pytest.raises(MediaError, match="yuv420p"):
        composite_layers(frame, [])


def test_numba_and_numpy_conversion_give_identical_bytes() -> None:
    """Frames may switch from the numpy twins to Numba's kernels mid-run: no pixel may change when they do."""
    module = kernels.load()
    assert module is not None
    sweep = np.zeros((256, 256, 4), np.uint8)  # every red and green value, at every alpha along the rows
    sweep[..., 0] = np.arange(256)[:, None]
    sweep[..., 1] = np.arange(256)[None, :]
    sweep[..., 2] = (np.arange(256)[:, None] * 7 + np.arange(256)[None, :] * 3) % 256
    sweep[..., 3] = (np.arange(256)[None, :] * 5) % 256
    for image in (_random_rgba(37, 51, seed=9), _random_rgba(130, 380, seed=4), sweep):
        fast, slow = layer_from_rgba(image, use_numba=True), layer_from_rgba(image, use_numba=False)
        for name in ("y_pm", "y_inv", "u_pm", "v_pm", "c_inv"):
            assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    pixels = np.ascontiguousarray(_random_rgba(64, 96, seed=11))
    planes = [np.empty((64, 96), np.uint16), np.empty((64, 96), np.uint8)] + \
        [np.empty((32, 48), dtype) for dtype in (np.uint16, np.uint16, np.uint8)]
    module.rgba_to_yuva(pixels, *planes)
    for numba_plane, numpy_plane in zip(planes, convert_numpy(pixels), strict=True):
        assert np.array_equal(numba_plane, numpy_plane)


def test_a_layer_placed_anew_each_frame_finds_its_row_spans_once() -> None:
    """An element sliding in is placed at a new position every frame: its placings share the spans the layer
    found the first time (#21: they were found again on each placing, ~0.1 ms a frame for a 1080p player box)."""
    layer = layer_from_rgba(_random_rgba(40, 64), 0, 0)
    first, second = layer.placed(10, 12), layer.placed(30, 12, opacity=128)
    assert first.spans() is second.spans() is layer.spans()
    frame, expected = _random_frame(128, 64), _random_frame(128, 64)
    composite_layers(frame, [second])
    plain = layer_from_rgba(_random_rgba(40, 64), 30, 12)  # never placed: spans of its own
    plain.opacity = 128
    composite_layers(expected, [plain])
    assert all(np.array_equal(a, b) for a, b in zip(frame.planes, expected.planes, strict=True))

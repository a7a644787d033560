"""Layer-by-layer device compositing (the render.overlay node's device path) equals the render compositor."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.operators_gpu.composite_gpu import LayerUploads, composite_layers_torch
from ggpgfx.operators_gpu.device import download, upload

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.layers import Layer, layer_from_rgba


def _rgba(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    alpha = rng.integers(0, 256, (h, w, 1))
    alpha[: h // 3] = 0
    alpha[h // 2:, : w // 4] = 255
    return np.concatenate([rng.integers(0, 256, (h, w, 3)), alpha], -1).astype(np.uint8)


def _frame(rng: np.random.Generator, w: int, h: int) -> VideoFrame:
    frame = VideoFrame.blank(w, h)
    for plane in frame.planes:
        plane[...] = rng.integers(0, 256, plane.shape)
    return frame


def _layers(rng: np.random.Generator, w: int, h: int) -> list[Layer]:
    """Overlapping, faded, invisible, off the top-left and off the bottom-right, and a ticker window."""
    wide = layer_from_rgba(_rgba(rng, 16, 120), 0, h - 16)
    return [layer_from_rgba(_rgba(rng, 40, 60), 10, 6),
            layer_from_rgba(_rgba(rng, 30, 81), 30, 20).placed(30, 20, 170),
            layer_from_rgba(_rgba(rng, 10, 10), 50, 50).placed(50, 50, 0),
            layer_from_rgba(_rgba(rng, 20, 20), -8, -4),
            layer_from_rgba(_rgba(rng, 25, 40), w - 30, h - 15),
            wide.window(14, 64, 4, h - 16)]


@pytest.mark.parametrize(("width", "height"), [(160, 90), (161, 91)])
def test_device_composite_equals_the_render_compositor(device: str, width: int, height: int) -> None:
    rng = np.random.default_rng(11)
    frame, layers = _frame(rng, width, height), _layers(rng, width, height)
    expected = frame.copy()
    composite_layers(expected, layers)
    uploads = LayerUploads(device)
    got = download(composite_layers_torch(upload(frame, device=device), layers, uploads))
    assert all(np.array_equal(a, b) for a, b in zip(expected.planes, got.planes, strict=True))


def test_unchanged_layers_are_uploaded_once(device: str) -> None:
    rng = np.random.default_rng(2)
    layers = _layers(rng, 160, 90)[:2]
    uploads = LayerUploads(device)
    for _ in range(3):
        composite_layers_torch(upload(_frame(rng, 160, 90), device=device), layers, uploads)
    assert uploads.uploads == 2 * 5  # five planes per layer, the first time only
    moved = [layer.placed(layer.x + 2, layer.y, 128) for layer in layers]  # moved and faded: same planes
    composite_layers_torch(upload(_frame(rng, 160, 90), device=device), moved, uploads)
    assert uploads.uploads == 10


def test_host_frames_are_refused() -> None:
    with pytest.raises(ConfigError, match="upload"):
        composite_layers_torch(VideoFrame.blank(16, 16), [], LayerUploads("cpu"))

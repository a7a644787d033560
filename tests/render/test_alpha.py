"""The graphics layer alone (ggpgfx.render.alpha): fill + key keyed over the camera gives the program back."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import bars_planes
from ggpgfx.render.alpha import KEY_LUMA, key_over, render_graphics
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.layers import Layer, layer_from_rgba
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene

W, H = 640, 360


def _layers() -> list[Layer]:
    options = OverlayOptions(animate=False, ticker="Key and fill test", leaderboard="on")  # type: ignore[arg-type]
    return Scene(options, W, H).layers(sample_state("allin"), 0)


def _camera() -> VideoFrame:
    return VideoFrame([p.copy() for p in bars_planes(W, H, "yuv420p")], "yuv420p", W, H, 0)


@pytest.mark.parametrize("mode", ["premultiplied", "straight"])
def test_fill_keyed_over_the_camera_is_the_program(mode: str) -> None:
    layers = _layers()
    program = _camera()
    composite_layers(program, layers)
    alone = render_graphics(layers, W, H)
    keyed = key_over(_camera(), alone.fill_frame(mode), alone.key_frame(), mode)  # type: ignore[arg-type]
    for index, (got, want) in enumerate(zip(keyed.planes, program.planes, strict=True)):
        diff = np.abs(got.astype(np.int16) - want.astype(np.int16))
        # the program rounds after each layer, the keyer once: overlapping translucent layers differ by <= 2
        assert diff.max() <= 2, (mode, index, int(diff.max()))
        assert diff.mean() < 0.15, (mode, index, float(diff.mean()))
    # the graphics are really there: the key is not empty and the program differs from the camera
    assert (alone.alpha > 0).mean() > 0.05
    assert not np.array_equal(program.planes[0], _camera().planes[0])


def test_alpha_is_the_union_of_layer_shapes() -> None:
    opaque = np.zeros((20, 40, 4), np.uint8)
    opaque[..., :3], opaque[..., 3] = (200, 30, 30), 255
    half = np.zeros((20, 40, 4), np.uint8)
    half[..., :3], half[..., 3] = (30, 30, 200), 128
    layers = [layer_from_rgba(opaque, 10, 10), layer_from_rgba(half, 30, 20), layer_from_rgba(opaque, 600, 340)]
    alone = render_graphics(layers, W, H)
    assert alone.alpha[12, 12] == 255  # opaque layer alone
    assert alone.alpha[35, 55] == 128  # translucent layer alone
    assert alone.alpha[25, 35] == 255  # translucent over opaque stays opaque
    assert alone.alpha[100, 100] == 0
    assert alone.alpha[359, 639] == 255  # a layer hanging off the frame is clipped, not dropped
    assert alone.box == (10, 10, 640, 360)
    key = alone.key_frame()
    assert key.planes[0][12, 12] == 235 and key.planes[0][100, 100] == 16
    assert key.planes[0][35, 55] == KEY_LUMA[128]
    assert set(np.unique(key.planes[1])) == {128}


def test_straight_colour_matches_the_fill_where_opaque_and_is_black_where_transparent() -> None:
    layers = _layers()
    alone = render_graphics(layers, W, H)
    yuva = alone.yuva_frame("straight")
    assert yuva.format == "yuva420p" and len(yuva.planes) == 4
    yuva.check()
    opaque = alone.alpha == 255
    assert opaque.any()
    assert np.array_equal(yuva.planes[0][opaque], alone.fill[0][opaque])
    clear = alone.alpha == 0
    assert (yuva.planes[0][clear] == 16).all() and np.array_equal(yuva.planes[3], alone.alpha)
    # translucent pixels: straight colour is brighter than the colour darkened over black
    part = (alone.alpha > 20) & (alone.alpha < 200) & (alone.fill[0] > 40)
    assert part.any()
    assert (yuva.planes[0][part].astype(int) >= alone.fill[0][part]).all()


def test_rgba_straight_and_premultiplied() -> None:
    alone = render_graphics(_layers(), W, H)
    straight = alone.rgba_frame("straight").planes[0]
    multiplied = alone.rgba_frame("premultiplied").planes[0]
    assert straight.shape == (H, W, 4) and np.array_equal(straight[..., 3], alone.alpha)
    assert np.array_equal(multiplied[..., 3], alone.alpha)
    assert (straight[..., :3][alone.alpha == 0] == 0).all()
    half = alone.alpha == alone.alpha[(alone.alpha > 60) & (alone.alpha < 200)].max(initial=0)
    expected = (straight[..., :3][half].astype(np.float32) * alone.alpha[half][:, None] / 255)
    assert np.abs(multiplied[..., :3][half] - expected).max() <= 1


def test_no_layers_gives_black_fill_and_empty_key() -> None:
    alone = render_graphics([], W, H, pts=1234)
    assert alone.box == (0, 0, 0, 0)
    fill, key = alone.fill_frame(), alone.key_frame()
    assert fill.pts == key.pts == 1234
    assert (fill.planes[0] == 16).all() and (key.planes[0] == 16).all()
    assert (alone.rgba_frame().planes[0] == 0).all()

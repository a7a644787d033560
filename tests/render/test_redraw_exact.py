"""The re-render shortcuts (issue #21) give the bytes of the long way: `draw.over` is Pillow's
`alpha_composite`, a layer converted against the element's last drawing equals a full conversion."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ggpgfx.poker.messages import TableState
from ggpgfx.render import draw
from ggpgfx.render.layers import Layer, layer_from_rgba
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene

PLANES = ("y_pm", "y_inv", "u_pm", "v_pm", "c_inv")


def same_planes(a: Layer, b: Layer) -> bool:
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in PLANES)


def test_over_is_pillows_alpha_composite_on_any_background_and_edge() -> None:
    rng = np.random.default_rng(3)
    for trial in range(400):
        w, h = (int(v) for v in rng.integers(1, 40, 2))
        if trial % 3 == 0:
            base = Image.new("RGBA", (w, h), (0, 0, 0, 0))  # a fresh canvas: the copy shortcut
        else:
            pixels = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
            if trial % 3 == 2:
                pixels[..., 3] = 0  # transparent but not zero: must still blend
            base = Image.fromarray(pixels, "RGBA")
        ow, oh = (int(v) for v in rng.integers(1, 30, 2))
        top_pixels = rng.integers(0, 256, (oh, ow, 4), dtype=np.uint8)
        top_pixels[..., 3][rng.random((oh, ow)) < 0.3] = 0
        top = Image.fromarray(top_pixels, "RGBA")
        x, y = (int(v) for v in rng.integers(-10, 45, 2))  # off the canvas on every side
        expected, got = base.copy(), base.copy()
        expected.alpha_composite(top, dest=(x, y))
        draw.over(got, top, (x, y))
        draw.over(got.copy(), top, (x, y))  # the cached blank composite is reused safely
        assert got.tobytes() == expected.tobytes(), (trial, w, h, ow, oh, x, y)


@pytest.mark.parametrize("use_numba", [True, False])
def test_conversion_against_the_last_drawing_equals_a_full_conversion(use_numba: bool) -> None:
    rng = np.random.default_rng(5)
    for trial in range(40):
        h, w = (int(v) for v in rng.integers(3, 60, 2))  # odd sizes too: padded to even
        before = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
        before[..., 3][rng.random((h, w)) < 0.4] = 0
        previous = layer_from_rgba(before, use_numba=use_numba, keep_source=True)
        after = before.copy()
        if trial % 4:  # a changed rectangle at any (odd) offset; trial 0, 4, ...: nothing changed
            r0, c0 = int(rng.integers(0, h)), int(rng.integers(0, w))
            r1, c1 = int(rng.integers(r0, h)) + 1, int(rng.integers(c0, w)) + 1
            after[r0:r1, c0:c1] = rng.integers(0, 256, (r1 - r0, c1 - c0, 4), dtype=np.uint8)
        incremental = layer_from_rgba(after, 4, 6, use_numba=use_numba, previous=previous, keep_source=True)
        full = layer_from_rgba(after, 4, 6, use_numba=use_numba)
        assert same_planes(incremental, full), trial
        assert (incremental.x, incremental.y) == (4, 6)
        assert not np.shares_memory(incremental.y_pm, previous.y_pm)  # the last layer is left as it was
    resized = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)  # another size: converted in full
    assert same_planes(layer_from_rgba(resized, use_numba=use_numba, previous=previous),
                       layer_from_rgba(resized, use_numba=use_numba))


def _changes(sample: str) -> list[TableState]:
    """Stack, pot and action changes, a fold, a leaderboard reorder, a name change: one at a time."""
    state = sample_state(sample)
    out = []
    for index in range(1, 9):
        changed = state.model_copy(deep=True)
        seat = changed.seats[index % len(changed.seats)]
        seat.stack = 465_500 + index * 1_123_000  # moves the seat up the leaderboard and chip strip
        seat.last_action = f"Bet {index * 1000:,}" if index % 3 else None
        if index == 5:
            seat.status = "folded"  # the folded box is drawn, then its alpha scaled (draw.flush)
        if index == 7:
            seat.name = "A Much Longer Player Name Than Before"
        changed.total_pot = 3_720_000 + index * 1000
        changed.version = state.version + index
        out.append(changed)
        state = changed
    return out


@pytest.mark.parametrize("sample", ["allin", "showdown", "omaha"])
def test_scene_redraws_equal_fresh_drawings(sample: str) -> None:
    """Only the changed boxes are composited and converted again; every element's picture and YUVA layer
    still equal those of a scene that draws the same state from nothing."""
    options = OverlayOptions(animate=False, ticker="Final table", chip_strip="on", leaderboard="on")
    scene = Scene(options, 1280, 720)
    scene.layers(sample_state(sample), 0)
    replayed = 0
    for index, changed in enumerate(_changes(sample), start=1):
        scene.layers(changed, index * 33_333)
        fresh = Scene(options, 1280, 720)
        fresh.layers(changed, index * 33_333)
        assert set(scene.elements) == set(fresh.elements)
        for name, element in scene.elements.items():
            if name == "ticker":
                continue
            replayed += element.ops is not None
            assert element.image.tobytes() == fresh.elements[name].image.tobytes(), (index, name)
            assert same_planes(element.layer(), fresh.elements[name].layer()), (index, name)
    assert replayed  # the held-back drawing was used, not only direct drawing


def test_code_that_reads_the_canvas_flushes_it_first() -> None:
    """A drawing that uses its canvas as a picture, or reads it after `draw.flush`, sees every composite."""
    mask = draw.rounded_mask(20, 10, 3)
    with draw.deferred() as held:
        image = draw.canvas(30, 20)
        draw.fill_mask(image, mask, (200, 10, 10, 255), (2, 2))
        assert held.ops and image.getbbox() is None  # held back
        draw.flush(image)
        assert image.getbbox() is not None and not held.live
        draw.fill_mask(image, mask, (10, 200, 10, 128), (6, 6))  # at once from here on
    assert draw.finish(image, held) is None
    expected = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
    expected.alpha_composite(draw.tinted(mask, (200, 10, 10, 255)), (2, 2))
    expected.alpha_composite(draw.tinted(mask, (10, 200, 10, 128)), (6, 6))
    assert image.tobytes() == expected.tobytes()
    with draw.deferred() as held:
        inner = draw.canvas(30, 20)
        draw.fill_mask(inner, mask, (200, 10, 10, 255), (2, 2))
        outer = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
        draw.over(outer, inner, (0, 0))  # the canvas as a picture: flushed before it is read
    assert draw.finish(outer, held) is None
    red_only = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
    red_only.alpha_composite(draw.tinted(mask, (200, 10, 10, 255)), (2, 2))
    assert inner.tobytes() == red_only.tobytes() and outer.tobytes() == red_only.tobytes()


def test_background_drawings_redo_only_what_changed_and_equal_fresh_drawings() -> None:
    """The real-time path (render.overlay's background renderer) uses the same shortcuts: its prepared
    drawings carry their composites, and what frames show equals a scene drawn from nothing."""
    from ggpgfx.render.offpath import BackgroundRenderer

    options = OverlayOptions(animate=False, chip_strip="on", leaderboard="on")
    first = sample_state("allin")
    scene = Scene(options, 1280, 720)
    scene.layers(first, 0)
    renderer = BackgroundRenderer(scene, first)
    replayed = 0
    try:
        for index, changed in enumerate(_changes("allin"), start=1):
            renderer.submit(changed, index * 33_333)
            assert renderer.idle(60)
            renderer.raise_error()
            assert renderer.shown() is changed
            with scene.lock:
                replayed += sum(item.ops is not None for item in scene.prepared.values())
                scene.layers(changed, index * 33_333)
            fresh = Scene(options, 1280, 720)
            fresh.layers(changed, index * 33_333)
            for name, element in scene.elements.items():
                assert element.image.tobytes() == fresh.elements[name].image.tobytes(), (index, name)
                assert same_planes(element.layer(), fresh.elements[name].layer()), (index, name)
    finally:
        renderer.close()
    assert replayed

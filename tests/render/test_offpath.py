"""Drawing off the frame path: frames keep the last completed drawing while a new state is drawn, and the
first frame after the drawing completes shows it (no frame of added latency)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import TableState
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.elements import ElementFrame, Wanted, register_element, unregister_element
from ggpgfx.render.offpath import BackgroundRenderer
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene

RELEASE = threading.Event()
DRAWING = threading.Event()


def _slow_pot(pot: int) -> Image.Image:
    DRAWING.set()
    assert RELEASE.wait(10), "the test never released the drawing"
    return Image.new("RGBA", (40, 20), (pot % 256, 200, 0, 255))


@pytest.fixture
def slow_skin(tmp_path: Path) -> Iterator[str]:
    """An element whose drawing blocks until the test releases it, and a skin placing it."""

    @register_element("probe_pot", order=98)
    def probe(frame: ElementFrame) -> dict[str, Wanted]:
        """The pot, drawn slowly."""
        pot = frame.state.total_pot if frame.state else 0
        return {"probe_pot": Wanted(("pot", pot), lambda: _slow_pot(pot), (100, 100))}

    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "skin.yaml").write_text(
        "name: slow\nextends: broadcast\nlayouts:\n  landscape:\n    reference: [1920, 1080]\n"
        "    elements:\n      probe_pot: {x: 100, y: 100, w: 40, h: 20}\n")
    yield str(folder)
    unregister_element("probe_pot")
    RELEASE.set()


def _frame(scene: Scene, state: TableState | None, pts: int) -> VideoFrame:
    frame = VideoFrame([np.full((360, 640), 16, np.uint8), np.full((180, 320), 128, np.uint8),
                        np.full((180, 320), 128, np.uint8)], "yuv420p", 640, 360, pts)
    composite_layers(frame, scene.layers(state, pts))
    return frame


def test_frames_keep_the_last_drawing_until_the_new_one_is_complete(slow_skin: str) -> None:
    options = OverlayOptions(animate=False, skin=slow_skin)
    first = sample_state("preflop")
    second = first.model_copy(update={"total_pot": first.total_pot + 5000, "version": first.version + 1})
    RELEASE.set()
    scene = Scene(options, 640, 360)
    scene.layers(first, 0)  # the first frame draws its state itself
    renderer = BackgroundRenderer(scene, first)
    try:
        RELEASE.clear()
        DRAWING.clear()
        renderer.submit(second, 0)
        assert DRAWING.wait(10)
        # the drawing of the new pot is blocked: frames go on, with the old state, and draw nothing new
        with scene.lock:
            held = _frame(scene, renderer.shown(), 33_333)
        assert renderer.shown() is first and scene.elements["probe_pot"].key == ("pot", first.total_pot)
        RELEASE.set()
        assert renderer.idle(10)
        assert renderer.shown() is second
        redraws = scene.redraws
        with scene.lock:
            shown = _frame(scene, renderer.shown(), 66_666)
        assert scene.elements["probe_pot"].key == ("pot", second.total_pot)
        assert not scene.prepared  # every background drawing was taken, none drawn again on the frame path
        assert scene.redraws > redraws
    finally:
        RELEASE.set()
        renderer.close()
    # byte for byte what a scene drawing inline shows for each state
    inline = Scene(options, 640, 360)
    assert all(np.array_equal(a, b) for a, b in zip(held.planes, _frame(inline, first, 33_333).planes, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(shown.planes, _frame(inline, second, 66_666).planes, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(held.planes, shown.planes, strict=True))


def test_a_failed_background_drawing_is_raised_on_the_frame_path(monkeypatch: pytest.MonkeyPatch,
                                                                 slow_skin: str) -> None:
    scene = Scene(OverlayOptions(animate=False, skin=slow_skin), 640, 360)
    first = sample_state("preflop")
    RELEASE.set()
    scene.layers(first, 0)
    renderer = BackgroundRenderer(scene, first)
    try:
        monkeypatch.setattr(sys.modules[__name__], "_slow_pot", _broken_pot)
        renderer.submit(first.model_copy(update={"total_pot": 1, "version": first.version + 1}), 0)
        assert renderer.idle(10)
        with pytest.raises(RuntimeError, match="drawing failed"):
            renderer.raise_error()
        assert renderer.shown() is first  # frames kept the last good drawing
    finally:
        renderer.close()


def _broken_pot(pot: int) -> Image.Image:
    raise RuntimeError("drawing failed")


def test_only_the_newest_pending_state_is_drawn() -> None:
    scene = Scene(OverlayOptions(animate=False), 640, 360)
    states = [sample_state("preflop")]
    scene.layers(states[0], 0)
    renderer = BackgroundRenderer(scene, states[0])
    try:
        for index in range(1, 6):
            states.append(states[0].model_copy(update={"total_pot": 1000 * index, "version": index}))
            renderer.submit(states[-1], 0)
        assert renderer.idle(10)
        assert renderer.shown() is states[-1]
        assert 1 <= renderer.renders <= 5
    finally:
        renderer.close()

"""The scene asks an element again only when its answer can change: a new state or countdown, or time it read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from ggpgfx.render.elements import ElementFrame, Wanted, register_element, unregister_element
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene

ASKED: dict[str, int] = {"static": 0, "timed": 0}


def _image() -> Image.Image:
    return Image.new("RGBA", (10, 10), (255, 0, 0, 255))


@pytest.fixture
def probes(tmp_path: Path) -> Iterator[str]:
    """Two new elements counting how often they are asked, and a skin placing them (its folder)."""
    ASKED.update(static=0, timed=0)

    @register_element("probe_static", order=96)
    def static(frame: ElementFrame) -> dict[str, Wanted]:
        """Depends on the state only."""
        ASKED["static"] += 1
        return {"probe_static": Wanted(("pot", frame.state.total_pot if frame.state else 0), _image, (0, 0))}

    @register_element("probe_timed", order=97)
    def timed(frame: ElementFrame) -> dict[str, Wanted]:
        """Reads the time: asked every frame."""
        ASKED["timed"] += 1
        return {"probe_timed": Wanted(("clock", frame.pts // 1_000_000), _image, (20, 0))}

    folder = tmp_path / "probed"
    folder.mkdir()
    (folder / "skin.yaml").write_text(
        "name: probed\nextends: broadcast\nlayouts:\n  landscape:\n    reference: [1920, 1080]\n"
        "    elements:\n      probe_static: {x: 0, y: 0, w: 10, h: 10}\n      probe_timed: {x: 20, y: 0, w: 10, h: 10}\n")
    yield str(folder)
    unregister_element("probe_static")
    unregister_element("probe_timed")


def test_an_element_that_reads_no_time_is_asked_once_per_state(probes: str) -> None:
    scene = Scene(OverlayOptions(animate=False, skin=probes), 1920, 1080)
    state = sample_state("preflop")
    for frame in range(5):
        scene.layers(state, frame * 33_333)
    assert ASKED == {"static": 1, "timed": 5}
    layers = scene.layers(state, 6 * 33_333)
    assert scene.layers(state, 7 * 33_333)[0] is layers[0]  # the same placed layer, nothing rebuilt
    changed = state.model_copy(update={"total_pot": state.total_pot + 1000, "version": state.version + 1})
    scene.layers(changed, 8 * 33_333)
    assert ASKED["static"] == 2 and scene.elements["probe_static"].key == ("pot", changed.total_pot)
    scene.countdown = (10.0, 30.0)  # a new countdown asks again too
    scene.layers(changed, 9 * 33_333)
    assert ASKED["static"] == 3


def test_a_counting_stack_is_asked_every_frame_until_it_settles() -> None:
    scene = Scene(OverlayOptions(animate=True), 1920, 1080)
    state = sample_state("preflop")
    scene.layers(state, 0)
    seat = state.seats[0]
    bigger = state.model_copy(deep=True, update={"version": state.version + 1})
    bigger.seats[0].stack = seat.stack + 500_000
    shown = []
    for frame in range(1, 60):
        scene.layers(bigger, frame * 33_333)
        shown.append(scene.elements[f"seat:{seat.seat}"].key)
    assert len(set(shown)) > 3  # the stack counted up through several drawn values
    assert shown[-1] == shown[-2]  # and settled on the final one

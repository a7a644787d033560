"""render.text: a templated burn-in that changes every frame, only inside its box."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import ConfigError
from ggpgfx.render.text import GlyphAtlas, check_template, fill_template


def test_text_burns_in_a_changing_counter_in_its_corner() -> None:
    g = Graph("text", realtime=False)
    g.add("ingest.test_pattern", id="cam", width=640, height=360, frames=3, moving=False)
    g.add("render.text", id="burn", template="{time} #{frame}", position="bottom-right", margin=10, size=24)
    g.add("sink.collect", id="out")
    g.connect("cam.video", "burn.video")
    g.connect("burn.video", "out.inp")
    frames = g.run().collected("out")
    from ggpgfx.media.pattern import bars_planes as _bars_planes

    bars = _bars_planes(640, 360, "yuv420p")[0]
    atlas = GlyphAtlas(24)
    width = atlas.width(fill_template("{time} #{frame}", 0, 0))
    changed = np.argwhere(frames[0].planes[0] != bars)
    top, left = changed.min(axis=0)
    bottom, right = changed.max(axis=0)
    assert bottom <= 360 - 10 and right <= 640 - 10 and left >= 640 - 10 - width and top >= 360 - 10 - atlas.cell_h
    # a new frame number and time each frame, so the boxes differ
    assert not np.array_equal(frames[0].planes[0], frames[1].planes[0])


def test_template_fields() -> None:
    assert fill_template("{time} {frame} {pts}", 3_723_456_000, 7) == "01:02:03.456 7 3723456000"
    with pytest.raises(ConfigError, match=r"unknown field \{table\}"):
        check_template("{table}")

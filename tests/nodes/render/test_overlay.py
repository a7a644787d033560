"""render.overlay in a graph: the overlay lands in the video, live and delayed outputs differ in hole cards."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ggpgfx.api import Graph
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene

sys.path.insert(0, str(Path(__file__).parent))
from states import ensure_registered  # noqa: E402

ensure_registered()
W, H = 640, 360


def _run(**overlay: object) -> tuple[list[VideoFrame], list[VideoFrame]]:
    g = Graph("overlay", fps=50)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=12, moving=False)
    g.add("test.table_states", id="table", samples=["allin"])
    # render_thread off: the last frame is compared pixel for pixel, and a loaded machine may not have
    # finished a background drawing within 12 frames (the background renderer has its own tests)
    g.add("render.overlay", id="live", reveal="live", animate=False, in_place=False, render_thread="off", **overlay)
    # both copy: the camera feeds two overlays, and an in-place blend would leak into the other branch
    g.add("render.overlay", id="delayed", reveal="delayed", animate=False, in_place=False, render_thread="off",
          **overlay)
    g.add("sink.collect", id="live_out")
    g.add("sink.collect", id="delayed_out")
    for gfx in ("live", "delayed"):
        g.connect("cam.video", f"{gfx}.video")
        g.connect("table.state", f"{gfx}.state")
        g.connect(f"{gfx}.video", f"{gfx}_out.inp")
    result = g.run(realtime=True)
    assert result.error is None
    return result.collected("live_out"), result.collected("delayed_out")


def _expected(reveal: str, pts: int) -> VideoFrame:
    from ggpgfx.media.pattern import bars_planes as _bars_planes

    frame = VideoFrame(_bars_planes(W, H, "yuv420p"), "yuv420p", W, H, pts)
    scene = Scene(OverlayOptions(reveal=reveal, animate=False), W, H)  # type: ignore[arg-type]
    composite_layers(frame, scene.layers(sample_state("allin"), pts))
    return frame


def test_overlay_composites_the_state_into_both_outputs() -> None:
    live, delayed = _run()
    assert len(live) == len(delayed) == 12
    # the state is paced at pts 0, the video at 50 fps: from the fourth frame on the overlay is certain
    for reveal, frames in (("live", live), ("delayed", delayed)):
        last = frames[-1]
        want = _expected(reveal, last.pts)
        for got_plane, want_plane in zip(last.planes, want.planes, strict=True):
            assert np.array_equal(got_plane, want_plane), reveal
    assert not np.array_equal(live[-1].planes[0], delayed[-1].planes[0])


def test_in_place_false_keeps_the_shared_input_clean() -> None:
    g = Graph("overlay", fps=50)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=6, moving=False)
    g.add("test.table_states", id="table", samples=["showdown"])
    g.add("render.overlay", id="gfx", animate=False, in_place=False)
    g.add("sink.collect", id="raw")
    g.add("sink.collect", id="out")
    g.connect("cam.video", "gfx.video")
    g.connect("cam.video", "raw.inp")
    g.connect("table.state", "gfx.state")
    g.connect("gfx.video", "out.inp")
    result = g.run(realtime=True)
    from ggpgfx.media.pattern import bars_planes as _bars_planes

    bars = _bars_planes(W, H, "yuv420p")[0]
    assert all(np.array_equal(f.planes[0], bars) for f in result.collected("raw"))
    assert not np.array_equal(result.collected("out")[-1].planes[0], bars)
    stats = result.instances["gfx"].stats()  # type: ignore[attr-defined]
    assert stats["frames"] == 6 and stats["redraws"] >= 3


def _table_frames(hole_cards: str, **overlay: object) -> list[VideoFrame]:
    g = Graph("venue", fps=30)
    g.add("ingest.table_sim", id="table", width=W, height=H, max_hands=1, action_interval_s=0.2,
          hole_cards=hole_cards, name_plates=False)
    g.add("render.overlay", id="gfx", reveal="live", animate=False, **overlay)
    g.add("sink.collect", id="out")
    g.connect("table.video", "gfx.video")
    g.connect("gfx.video", "out.inp")
    result = g.run(realtime=False, max_frames=40)
    assert result.error is None
    return result.collected("out")


def test_venue_safe_covers_hole_cards_whatever_the_camera_draws() -> None:
    from ggpgfx.render.venue import seat_zone_boxes

    # issue #22: the venue feed showed the hole cards the overhead camera saw face up
    plain_up, plain_hidden = _table_frames("up"), _table_frames("hidden")
    safe_up, safe_hidden = _table_frames("up", venue_safe=True), _table_frames("hidden", venue_safe=True)
    last = len(plain_up) - 1
    boxes = seat_zone_boxes(plain_up[last].meta, W, H)
    assert boxes and any(zone == "seat" for zone, _, _ in plain_up[last].meta["visible_cards"])

    def seats_differ(a: VideoFrame, b: VideoFrame) -> bool:
        return any(not np.array_equal(a.planes[0][y0:y1, x0:x1], b.planes[0][y0:y1, x0:x1])
                   for x0, y0, x1, y1 in boxes)

    assert seats_differ(plain_up[last], plain_hidden[last])  # the camera shows the cards...
    for up, hidden in zip(safe_up, safe_hidden, strict=True):
        assert not seats_differ(up, hidden), f"hole cards visible at pts {up.pts}"  # ...the venue output never
        assert all(zone != "seat" for zone, _, _ in up.meta.get("visible_cards", []))


def test_venue_safe_needs_reveal_live() -> None:
    from ggpgfx.nodes.render.overlay import Overlay

    with pytest.raises(ValueError, match="venue_safe: true needs reveal: live"):
        Overlay.Params(venue_safe=True, reveal="delayed")

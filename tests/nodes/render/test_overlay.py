"""render.overlay in a graph: the overlay lands in the video, live and delayed outputs differ in hole cards."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ggpgfx.graph.api import Graph
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
    g.add("render.overlay", id="live", reveal="live", animate=False, in_place=False, **overlay)
    # both copy: the camera feeds two overlays, and an in-place blend would leak into the other branch
    g.add("render.overlay", id="delayed", reveal="delayed", animate=False, in_place=False, **overlay)
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
    from ggpgfx.nodes.ingest.test_pattern import _bars_planes

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
    from ggpgfx.nodes.ingest.test_pattern import _bars_planes

    bars = _bars_planes(W, H, "yuv420p")[0]
    assert all(np.array_equal(f.planes[0], bars) for f in result.collected("raw"))
    assert not np.array_equal(result.collected("out")[-1].planes[0], bars)
    stats = result.instances["gfx"].stats()  # type: ignore[attr-defined]
    assert stats["frames"] == 6 and stats["redraws"] >= 3

"""ingest.test_pattern: sizes, formats, pts and the readable frame counter."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.api import Graph
from ggpgfx.media.frames import plane_shapes
from ggpgfx.media.pattern import read_counter


@pytest.mark.parametrize("fmt", ["yuv420p", "nv12", "gray", "rgb24", "bgr24", "rgba"])
def test_formats_and_shapes(fmt: str) -> None:
    g = Graph("tp", realtime=False, fps=50)
    g.add("ingest.test_pattern", id="bars", width=320, height=240, pixel_format=fmt, frames=3)
    g.add("sink.collect", id="sink")
    g.connect("bars.video", "sink.inp")
    frames = g.run().collected("sink")
    assert [f.pts for f in frames] == [0, 20000, 40000]
    for f in frames:
        assert [p.shape for p in f.planes] == plane_shapes(fmt, 320, 240)
        f.check()


def test_counter_is_readable_and_frames_are_distinct_buffers() -> None:
    g = Graph("tp", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=640, height=360, frames=40)
    g.add("sink.collect", id="sink")
    g.connect("bars.video", "sink.inp")
    frames = g.run().collected("sink")
    assert [read_counter(f.planes[0]) for f in frames] == list(range(40))
    assert frames[0].planes[0] is not frames[1].planes[0]


def test_odd_size_yuv_is_refused() -> None:
    g = Graph("tp", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=321, height=240, frames=1)
    g.add("sink.null", id="sink")
    g.connect("bars.video", "sink.inp")
    with pytest.raises(Exception, match="even width and height"):
        g.run()


def _own_buffer(plane: np.ndarray) -> bool:
    root = plane
    while isinstance(root.base, np.ndarray):
        root = root.base
    return bool(root.flags.owndata)


def test_on_a_local_edge_new_frames_are_plain_numpy_planes() -> None:
    from ggpgfx.graph.node import Node

    g = Graph("tp", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=64, height=48, frames=2)
    g.add("sink.collect", id="sink")
    g.connect("bars.video", "sink.inp")
    frames = g.run().collected("sink")
    # no shared-memory ring here: new_frame fell back to memory of the frame's own (one numpy buffer holding
    # the planes back to back, not a view of a mapped ring slot)
    assert all(_own_buffer(p) and p.flags.writeable for f in frames for p in f.planes)
    from ggpgfx.graph.ports import Port
    from ggpgfx.media.frames import VideoFrame

    class Drawer(Node):
        outputs = {"video": Port(VideoFrame), "note": Port(str)}

    loose = Drawer("loose").new_frame("video", 64, 48)  # outside any runtime too: the port's class makes it
    assert [p.shape for p in loose.planes] == plane_shapes("yuv420p", 64, 48) and _own_buffer(loose.planes[0])
    for port in ("note", "missing"):  # no frame type there: a clear error, not a frame of a class nobody declared
        with pytest.raises(TypeError, match="new_frame"):
            Drawer("loose").new_frame(port, 64, 48)

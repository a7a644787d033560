"""render.overlay's graphics-alone outputs: fill, key and graphics carry the program's layers at the same pts."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from ggpgfx.nodes.render.overlay import Overlay

from ggpgfx.api import Graph
from ggpgfx.graph.validate import resolve_text
from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import bars_planes
from ggpgfx.render.alpha import key_over
from ggpgfx.render.samples import sample_state
from ggpgfx.testing import NodeHarness

sys.path.insert(0, str(Path(__file__).parent))
from states import ensure_registered  # noqa: E402

ensure_registered()
W, H = 640, 360


def _run(program: bool, frames: int = 8, samples: tuple[str, ...] = ("preflop", "allin", "showdown"),
         **overlay: object) -> dict[str, list[VideoFrame]]:
    g = Graph("keyfill", fps=50)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=frames, moving=True)
    g.add("test.table_states", id="table", samples=list(samples), interval_us=40_000)
    g.add("render.overlay", id="gfx", in_place=False, **overlay)
    g.connect("cam.video", "gfx.video")
    g.connect("table.state", "gfx.state")
    ports = ["fill", "key", "graphics"] + (["video"] if program else [])
    for port in ports:
        g.add("sink.collect", id=f"out_{port}")
        g.connect(f"gfx.{port}", f"out_{port}.inp")
    g.add("sink.collect", id="camera")
    g.connect("cam.video", "camera.inp")
    result = g.run(realtime=False)
    assert result.error is None
    out = {port: result.collected(f"out_{port}") for port in ports}
    out["camera"] = result.collected("camera")
    return out


def test_fill_key_and_graphics_share_the_program_pts_and_key_back_to_it() -> None:
    out = _run(program=True, frames=10)
    pts = [f.pts for f in out["video"]]
    assert len(pts) == 10
    for port in ("fill", "key", "graphics"):
        assert [f.pts for f in out[port]] == pts, port
    assert {f.format for f in out["graphics"]} == {"yuva420p"}
    for camera, program, fill, key in zip(out["camera"], out["video"], out["fill"], out["key"], strict=True):
        keyed = key_over(camera, fill, key)
        for got, want in zip(keyed.planes, program.planes, strict=True):
            assert np.abs(got.astype(np.int16) - want.astype(np.int16)).max() <= 2, program.pts


def _by_hand(program: bool) -> dict[str, list[VideoFrame]]:
    """The overlay driven frame by frame (deterministic: states and frames in a fixed order)."""
    harness = NodeHarness(Overlay, {"in_place": False, "render_thread": "off"}, setup=False)
    if not program:
        harness.node.context.connected_outputs = frozenset({"fill", "key", "graphics"})
    harness.setup()
    for index in range(9):
        if index % 3 == 0:
            harness.send("state", sample_state(("preflop", "allin", "showdown")[index // 3]), index * 20_000)
        harness.send("video", VideoFrame(bars_planes(W, H, "yuv420p"), "yuv420p", W, H, index * 20_000),
                     index * 20_000)
    out = harness.eos()
    return {port: list(out[port]) for port in Overlay.outputs}


def test_graphics_only_when_the_program_is_not_connected() -> None:
    with_program = _by_hand(program=True)
    alone = _by_hand(program=False)
    assert len(with_program["video"]) == 9 and alone["video"] == []
    for port in ("fill", "key", "graphics"):
        assert [f.pts for f in alone[port]] == [f.pts for f in with_program[port]] == [i * 20_000 for i in range(9)]
        for a, b in zip(alone[port], with_program[port], strict=True):
            assert all(np.array_equal(x, y) for x, y in zip(a.planes, b.planes, strict=True)), (port, a.pts)


def test_straight_fill_and_rgba_graphics() -> None:
    out = _run(program=True, frames=4, fill_mode="straight", graphics_format="rgba", graphics_alpha="premultiplied")
    camera, program, fill, key = out["camera"][-1], out["video"][-1], out["fill"][-1], out["key"][-1]
    keyed = key_over(camera, fill, key, "straight")
    assert np.abs(keyed.planes[0].astype(np.int16) - program.planes[0].astype(np.int16)).max() <= 2
    graphics = out["graphics"][-1]
    assert graphics.format == "rgba" and graphics.planes[0].shape == (H, W, 4)
    alpha = graphics.planes[0][..., 3]
    assert np.array_equal(alpha > 0, key.planes[0] > 16)


def test_graphics_output_caps_follow_the_format() -> None:
    resolved, diags = resolve_text("""
name: caps
nodes:
  cam: {type: ingest.test_pattern, params: {width: 320, height: 180, frames: 2}}
  gfx: {type: render.overlay, params: {graphics_format: rgba}}
  enc: {type: encode.h264}
  out: {type: sink.null}
edges:
  - cam.video -> gfx.video
  - gfx.graphics -> enc.video
  - enc.packets -> out.inp
""")
    assert resolved is None
    assert any("pixel format rgba (needs yuv420p)" in d.format() for d in diags), [d.format() for d in diags]

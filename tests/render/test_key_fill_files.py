"""Key & fill end to end: a table graph records program, fill, key, a clean camera and ProRes 4444 graphics;
every file has the same frames at the same pts, and the decoded fill keyed over the decoded camera matches the
decoded program to what H.264 allows."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from ggpgfx.api import Graph
from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.probe import ffprobe_streams
from ggpgfx.render.alpha import key_over

W, H, FRAMES = 480, 270, 30


def _record(folder: Path) -> None:
    g = Graph("keyfill", fps=30)
    g.add("ingest.table_sim", id="table", width=W, height=H, max_hands=1, action_interval_s=0.1,
          name_plates=False, hole_cards="down")
    g.add("rules.poker", id="rules")
    g.add("render.overlay", id="gfx", in_place=False, skin="broadcast")
    g.connect("table.video", "gfx.video")
    g.connect("table.reads", "rules.reads")
    g.connect("table.actions", "rules.actions")
    g.connect("rules.state", "gfx.state")
    for name, port in (("program", "gfx.video"), ("fill", "gfx.fill"), ("key", "gfx.key"), ("clean", "table.video")):
        g.add("encode.h264", id=f"{name}_enc", preset="veryfast", crf=12, keyint=30)
        g.add("publish.file", id=f"{name}_file", path=str(folder / f"{name}.mp4"))
        g.connect(port, f"{name}_enc.video")
        g.connect(f"{name}_enc.packets", f"{name}_file.packets")
    g.add("encode.prores", id="gfx_enc")
    g.add("publish.file", id="gfx_file", path=str(folder / "graphics.mov"))
    g.connect("gfx.graphics", "gfx_enc.video")
    g.connect("gfx_enc.packets", "gfx_file.packets")
    g.run(realtime=False, max_frames=FRAMES)


def _decode(path: Path) -> list[VideoFrame]:
    frames = []
    with av.open(str(path)) as container:
        for f in container.decode(video=0):
            planes = [np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:, :w].copy()  # type: ignore[call-overload]
                      for p, w in zip(f.planes, (f.width, f.width // 2, f.width // 2), strict=True)]
            frames.append(VideoFrame(planes[:3], "yuv420p", f.width, f.height, int(f.time * 1e6)))
    return frames


def test_program_fill_key_and_graphics_files_agree(tmp_path: Path) -> None:
    _record(tmp_path)
    decoded = {name: _decode(tmp_path / f"{name}.mp4") for name in ("program", "fill", "key", "clean")}
    pts = [f.pts for f in decoded["program"]]
    assert len(pts) == FRAMES
    for name, frames in decoded.items():
        assert [f.pts for f in frames] == pts, name  # frame-accurate: the same frames at the same times
    with av.open(str(tmp_path / "graphics.mov")) as container:
        assert [int(f.time * 1e6) for f in container.decode(video=0)] == pts
    assert ffprobe_streams(tmp_path / "graphics.mov")["streams"][0]["pix_fmt"].startswith("yuva444p")
    worst = 0.0
    for camera, program, fill, key in zip(decoded["clean"], decoded["program"], decoded["fill"], decoded["key"],
                                          strict=True):
        keyed = key_over(camera, fill, key)
        diff = np.abs(keyed.planes[0].astype(np.int16) - program.planes[0].astype(np.int16))
        # four independent H.264 encodes (crf 12) each add their error: measured mean ~0.45, p99 3 code values
        # (max ~30 on single pixels at sharp text edges); unencoded, the pair is within 2 (test_alpha.py)
        worst = max(worst, float(diff.mean()))
        assert diff.mean() < 1.0 and np.percentile(diff, 99) <= 5, (program.pts, diff.mean())
    assert decoded["key"][-1].planes[0].max() > 200  # the graphics were on screen
    assert worst > 0  # an encoded comparison, not the same file twice

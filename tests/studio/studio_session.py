"""A short recorded studio session for the tests here, and decoding its video planes."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from ggpgfx.api import Graph


def record_session(folder: Path, hands: int = 2, render_thread: str = "auto") -> Path:
    """A short table_sim session: program and ISO both lossless H.264, so planes compare exactly."""
    g = Graph("studio-test", fps=30, realtime=False)
    g.add("ingest.table_sim", id="table", width=640, height=360, max_hands=hands, action_interval_s=0.15,
          deal_interval_s=0.04, end_pause_s=0.4, name_plates=False, hole_cards="down")
    g.add("rules.poker", id="rules", table="t", trials=500)
    g.add("render.overlay", id="gfx", skin="broadcast", reveal="delayed", in_place=False,
          ticker="studio test ticker", render_thread=render_thread)
    g.add("encode.h264", id="enc", preset="ultrafast", options={"qp": "0"})
    g.add("publish.file", id="program", path=str(folder / "program.mkv"))
    g.add("publish.studio", id="studio", folder=str(folder), program="program.mkv", lossless=True, preset="ultrafast")
    for edge in ("table.video -> gfx.video", "table.video -> studio.video", "table.reads -> rules.reads",
                 "table.actions -> rules.actions", "rules.state -> gfx.state", "rules.events -> studio.events",
                 "gfx.scene -> studio.scene", "gfx.video -> enc.video", "enc.packets -> program.packets"):
        g.connect(*[part.strip() for part in edge.split("->")])
    result = g.run()
    assert result.error is None, result.error
    return folder


def decoded(path: Path | str, start: int = 0, count: int | None = None) -> list[list[np.ndarray]]:
    planes = []
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index < start:
                continue
            if count is not None and index >= start + count:
                break
            yuv = frame.to_ndarray(format="yuv420p")
            h = frame.height
            planes.append([yuv[:h], yuv[h:]])
    return planes

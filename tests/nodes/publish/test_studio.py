"""publish.studio: ISO frames indexed by live pts, scene calls and events in the log, manifest complete at EOS."""

from __future__ import annotations

import json
from pathlib import Path

from ggpgfx.nodes.publish.studio import StudioRecorder

from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import GameEvent, TableState
from ggpgfx.render.record import SceneCall
from ggpgfx.studio.session import Session
from ggpgfx.studio.video import read_frames
from ggpgfx.testing import at, run_node


def _frame(value: int, pts: int) -> VideoFrame:
    frame = VideoFrame.blank(320, 240, pts=pts)
    frame.planes[0][:] = value
    return frame


def test_records_iso_frames_scene_calls_and_events(tmp_path: Path) -> None:
    folder = tmp_path / "session"
    pts = [1_000_000 + i * 33_333 for i in range(12)]
    state = TableState(hand_number=4, street="preflop")
    calls = [at(pts[0], SceneCall(kind="frame", pts=pts[0], index=0, state=None,
                                  options={"skin": "broadcast"}, size=(320, 240))),
             at(pts[5], SceneCall(kind="between", pts=pts[5], index=1, state=state))]
    events = [at(pts[3], GameEvent(key="t/4/0", kind="hand_started", hand_number=4, pts=pts[3]))]
    out = run_node(StudioRecorder, {"folder": str(folder), "lossless": True, "preset": "ultrafast"},
                   inputs={"video": [at(p, _frame(16 + 10 * i, p)) for i, p in enumerate(pts)],
                           "scene": calls, "events": events})
    assert out.ended
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and manifest["frames"] == 12 and manifest["first_pts"] == pts[0]
    assert manifest["skin"] == "broadcast" and manifest["size"] == [320, 240]
    assert (folder / "skins" / "broadcast" / "skin.yaml").is_file()
    session = Session(folder)
    assert session.frame_pts.tolist() == pts
    assert [c.kind for c in session.calls] == ["frame", "between"] and session.calls[1].state == state
    assert [e.key for e in session.events] == ["t/4/0"]
    decoded = list(read_frames(session.iso_path, 5, 4))  # a seek into the middle: exact frames, lossless
    assert [i for i, _ in decoded] == [5, 6, 7, 8]
    assert [int(f.planes[0][0, 0]) for _, f in decoded] == [66, 76, 86, 96]

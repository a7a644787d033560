"""`ggp studio render --aspect 9:16|1:1 --skin NAME`: a clip of the shape asked, every frame of the hand, named
for it, and graphics laid out for it (not the 16:9 program cropped)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from ggpgfx.studio.render import RenderSettings, crop_box, render_hand
from ggpgfx.studio.session import Session


@pytest.mark.parametrize(("aspect", "skin", "suffix"), [("9:16", None, "_9x16"), ("1:1", "minimal", "_1x1_skin-minimal")])
def test_a_reframed_rerender(session_folder: Path, tmp_path: Path, aspect: str, skin: str | None, suffix: str) -> None:
    session = Session(session_folder)
    hand = session.hands()[1]
    clip = render_hand(session_folder, hand.number, tmp_path, RenderSettings(aspect=aspect, skin=skin,  # type: ignore[arg-type]
                                                                             lossless=True, preset="ultrafast"))
    assert clip.ok and Path(clip.path).stem.endswith(suffix)
    x, y, w, h = crop_box(640, 360, aspect)
    with av.open(clip.path) as container:
        frames = [f.to_ndarray(format="yuv420p") for f in container.decode(video=0)]
    assert len(frames) == hand.frames and frames[0].shape == (h * 3 // 2, w)
    # graphics drawn for this shape: the re-rendered picture differs from the program cropped the same way
    with av.open(str(session_folder / "program.mkv")) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == hand.start_frame + hand.frames - 10:
                program = frame.to_ndarray(format="yuv420p")[:360, x:x + w]
                break
    assert not np.array_equal(frames[-10][:h], program)

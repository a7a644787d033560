"""util.reframe: a 9:16 window of a 16:9 picture, scaled; seat zones and text boxes move with the picture."""

from __future__ import annotations

import numpy as np
import pytest
from ggpgfx.nodes.util.reframe import Reframe, window

from ggpgfx.media.frames import VideoFrame
from ggpgfx.testing import run_node


def _frame() -> VideoFrame:
    frame = VideoFrame.blank(1280, 720)
    frame.planes[0][:, :] = np.arange(1280, dtype=np.uint32)[None, :] * 200 // 1280 + 20  # left dark, right bright
    frame.meta["zones"] = [{"zone": "seat", "seat": 1, "polygon": [[600, 300], [680, 300], [680, 360], [600, 360]]}]
    frame.meta["text_boxes"] = [(620, 400, 40, 20)]
    return frame


def test_vertical_window_is_centred_and_scaled() -> None:
    params = Reframe.Params(width=360, height=640)
    assert window(params, 1280, 720) == (438, 0, 404, 720)
    out = run_node(Reframe, params, inputs={"video": [_frame()]})
    frame = out["video"][0]
    assert (frame.width, frame.height, frame.format) == (360, 640, "yuv420p")
    frame.check()
    # the middle of the output is the middle of the source: the luma ramp's value at x = 640
    assert abs(int(frame.planes[0][320, 180]) - (640 * 200 // 1280 + 20)) <= 2
    assert frame.planes[0][320, 0] < frame.planes[0][320, 359]
    zone = frame.meta["zones"][0]["polygon"]
    assert zone[0] == pytest.approx([(600 - 438) * 360 / 404, 300 * 640 / 720])
    assert frame.meta["text_boxes"][0] == (round((620 - 438) * 360 / 404), round(400 * 640 / 720),
                                           round(40 * 360 / 404), round(20 * 640 / 720))


def test_window_stays_inside_and_zooms() -> None:
    left = Reframe.Params(width=360, height=640, center_x=0.0)
    assert window(left, 1280, 720)[0] == 0
    right = Reframe.Params(width=360, height=640, center_x=1.0)
    x, _, w, _ = window(right, 1280, 720)
    assert x + w <= 1280 and x + w > 1270
    tight = Reframe.Params(width=360, height=640, zoom=2.0)
    assert window(tight, 1280, 720)[2:] == (202, 360)


def test_bad_params() -> None:
    with pytest.raises(ValueError, match="even"):
        Reframe.Params(width=361, height=640)
    with pytest.raises(ValueError, match="interpolation"):
        Reframe.Params(interpolation="lanczos9")

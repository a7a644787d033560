"""The numpy YUVA blend: exact colours for opaque pixels, untouched pixels outside the layer, clipping."""

from __future__ import annotations

import numpy as np

from ggpgfx.media.blend import YuvaLayer
from ggpgfx.media.frames import VideoFrame


def test_opaque_red_half_transparent_and_clipped() -> None:
    rgba = np.zeros((100, 200, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :100, 3] = 255  # left half opaque red
    rgba[:, 100:150, 3] = 128  # then half transparent, then transparent
    frame = VideoFrame.blank(320, 240)
    YuvaLayer.from_rgba(rgba, 180, 10).blend_into(frame)  # runs off the right edge: clipped
    y, u, v = frame.planes
    assert (y[10:110, 180:280] == 63).all() and (u[5:55, 90:140] == 102).all() and (v[5:55, 90:140] == 240).all()
    assert 35 <= y[50, 290] <= 45  # 50 % red over black
    assert (y[:10] == 16).all() and (y[110:] == 16).all() and (y[:, :180] == 16).all()

"""yuva420p test frames with a known alpha: a transparent field, a translucent ramp and an opaque box."""

from __future__ import annotations

import av
import numpy as np

from ggpgfx.media.frames import VideoFrame

W, H = 320, 180


def alpha_frame(index: int) -> VideoFrame:
    """Frame `index`: the opaque box moves 4 px a frame, so every frame differs."""
    frame = VideoFrame.blank(W, H, "yuva420p", pts=index * 33_333)
    y, u, v, a = frame.planes
    a[:, :] = 0
    a[20:60, :] = np.linspace(0, 255, W).astype(np.uint8)  # translucent ramp
    x0 = 40 + 4 * index
    a[90:150, x0:x0 + 80] = 255
    y[90:150, x0:x0 + 80] = 180
    u[45:75, x0 // 2:(x0 + 80) // 2] = 90
    v[45:75, x0 // 2:(x0 + 80) // 2] = 200
    y[20:60, :] = 200
    return frame


def decoded_alpha(frame: av.VideoFrame) -> np.ndarray:
    """The alpha plane of a decoded frame with alpha, as (h, w) uint8 (converted to yuva420p first)."""
    converted = frame.reformat(format="yuva420p")
    plane = converted.planes[3]
    rows = np.frombuffer(plane, np.uint8).reshape(converted.height, plane.line_size)  # type: ignore[call-overload]
    return rows[:, :converted.width]

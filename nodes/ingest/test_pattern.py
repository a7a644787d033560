"""ingest.test_pattern: moving colour bars with a frame counter, in yuv420p (or another format)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame

# SMPTE-like bars as limited-range BT.709 Y, U, V (white, yellow, cyan, green, magenta, red, blue, black).
BARS_YUV = [(235, 128, 128), (219, 16, 138), (188, 154, 16), (173, 42, 26),
            (78, 214, 230), (63, 102, 240), (32, 240, 118), (16, 128, 128)]
BARS_RGB = [(235, 235, 235), (235, 235, 16), (16, 235, 235), (16, 235, 16),
            (235, 16, 235), (235, 16, 16), (16, 16, 235), (16, 16, 16)]


def _bars_planes(width: int, height: int, pixel_format: str) -> list[np.ndarray]:
    cols = np.minimum(np.arange(width) * len(BARS_YUV) // width, len(BARS_YUV) - 1)
    if pixel_format in ("yuv420p", "nv12", "gray"):
        yuv = np.array(BARS_YUV, dtype=np.uint8)
        y = np.ascontiguousarray(np.broadcast_to(yuv[cols, 0], (height, width)))
        if pixel_format == "gray":
            return [y]
        ccols = cols[::2]
        u = np.ascontiguousarray(np.broadcast_to(yuv[ccols, 1], ((height + 1) // 2, len(ccols))))
        v = np.ascontiguousarray(np.broadcast_to(yuv[ccols, 2], ((height + 1) // 2, len(ccols))))
        if pixel_format == "nv12":
            return [y, np.ascontiguousarray(np.stack([u, v], axis=-1))]
        return [y, u, v]
    rgb = np.array(BARS_RGB, dtype=np.uint8)[cols]
    image = np.ascontiguousarray(np.broadcast_to(rgb, (height, width, 3)))
    if pixel_format == "bgr24":
        image = np.ascontiguousarray(image[..., ::-1])
    if pixel_format == "rgba":
        image = np.concatenate([image, np.full((height, width, 1), 255, np.uint8)], axis=-1)
    return [image]


@register_node
class TestPattern(Node):
    """Moving colour bars with a frame counter: a video source that needs no hardware."""

    __test__ = False  # not a pytest class
    type_name = "ingest.test_pattern"
    outputs = {"video": Port(VideoFrame, doc="generated frames")}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        width: int = Field(1280, ge=16, le=7680)
        height: int = Field(720, ge=16, le=4320)
        fps: float | None = Field(None, gt=0, le=1000, description="frames per second; default: the graph's fps")
        pixel_format: Literal["yuv420p", "nv12", "gray", "rgb24", "bgr24", "rgba"] = "yuv420p"
        frames: int | None = Field(None, ge=1, description="stop after this many frames; default: endless")
        moving: bool = Field(True, description="draw a moving bar and a counter (a new buffer every frame)")

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """Caps come straight from the params."""
        p = params
        return {"video": VideoCaps(p.pixel_format, p.width, p.height)}  # type: ignore[attr-defined]

    def setup(self) -> None:
        """Precompute the bars once; each frame is a copy plus the moving parts."""
        p = self.params
        if p.pixel_format in ("yuv420p", "nv12") and (p.width % 2 or p.height % 2):
            raise ValueError(f"{p.pixel_format} needs an even width and height, got {p.width}x{p.height}")
        self.fps = p.fps or self.context.fps
        self.base = _bars_planes(p.width, p.height, p.pixel_format)
        self.index = 0

    def tick(self) -> bool:
        """Emit one frame."""
        p = self.params
        if p.frames is not None and self.index >= p.frames:
            return False
        pts = round(self.index * 1_000_000 / self.fps)
        planes = [plane.copy() for plane in self.base]
        if p.moving:
            self._draw_moving(planes[0])
        frame = VideoFrame(planes, p.pixel_format, p.width, p.height, pts)
        frame.meta["frame_index"] = self.index
        self.emit("video", frame, pts=pts)
        self.index += 1
        return True

    def snapshot(self) -> Any | None:
        """The next frame's index: a restarted source continues where it was, not from frame 0."""
        return {"index": self.index}

    def restore(self, state: Any) -> None:
        """Continue from the snapshot's frame."""
        self.index = int(state["index"])

    def _draw_moving(self, luma: np.ndarray) -> None:
        h, w = luma.shape[:2]
        bar = max(2, w // 64)
        x = (self.index * max(1, w // 120)) % max(1, w - bar)
        luma[: h // 8, x: x + bar] = 255 if luma.ndim == 2 else 255
        # a 16-bit binary counter along the bottom: readable back from the frame (tests use it)
        cell = max(2, w // 40)
        for bit in range(16):
            on = (self.index >> bit) & 1
            luma[h - cell: h, bit * cell: (bit + 1) * cell] = 235 if on else 16


def read_counter(luma: np.ndarray) -> int:
    """Decode the frame counter drawn by the test pattern from a luma (or RGB) plane."""
    h, w = luma.shape[:2]
    cell = max(2, w // 40)
    value = 0
    for bit in range(16):
        block = luma[h - cell + cell // 4: h - cell // 4, bit * cell + cell // 4: (bit + 1) * cell - cell // 4]
        if float(np.mean(block)) > 125:
            value |= 1 << bit
    return value

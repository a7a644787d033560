"""ingest.test_pattern: moving colour bars with a frame counter, in yuv420p (or another format)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import bars_planes


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
        """Precompute the bars once; each frame is a copy (into `new_frame`'s planes) plus the moving parts."""
        p = self.params
        if p.pixel_format in ("yuv420p", "nv12") and (p.width % 2 or p.height % 2):
            raise ValueError(f"{p.pixel_format} needs an even width and height, got {p.width}x{p.height}")
        self.fps = p.fps or self.context.fps
        self.base = bars_planes(p.width, p.height, p.pixel_format)
        self.index = 0

    def tick(self) -> bool:
        """Emit one frame."""
        p = self.params
        if p.frames is not None and self.index >= p.frames:
            return False
        pts = round(self.index * 1_000_000 / self.fps)
        # drawn in the outgoing edge's shared-memory slot where the only consumer is another process
        frame: VideoFrame = self.new_frame("video", p.width, p.height, p.pixel_format, pts)
        for plane, base in zip(frame.planes, self.base, strict=True):
            np.copyto(plane, base)
        if p.moving:
            self._draw_moving(frame.planes[0])
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

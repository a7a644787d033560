"""render.text: a text/clock burn-in from a template ({pts}, {frame}, {time}, {clock}), straight into yuv420p."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.render import kernels
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.text import GlyphAtlas, check_template, fill_template


@register_node
class Text(Node):
    """Burn a templated line of text (timecode, frame number, clock) into yuv420p video; cheap per frame."""

    type_name = "render.text"
    inputs = {"video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"), doc="video (yuv420p)")}
    outputs = {"video": Port(VideoFrame, doc="video with the text")}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        template: str = Field("{time}  #{frame}", description="fields: {pts} {frame} {time} {clock} {seconds}")
        position: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-left"
        margin: int = Field(16, ge=0, le=2000, description="pixels from the frame edges")
        size: int = Field(0, ge=0, le=400, description="font size in pixels; 0 = frame height / 30")
        color: str = "#ffffff"
        background: str = "#000000a0"

    def setup(self) -> None:
        """Check the template; the glyph atlas is built on the first frame (its size depends on the video)."""
        check_template(self.params.template)
        kernels.load_if_numba_is_loaded()  # as render.overlay: never mid-run next to other Numba nodes
        self.atlas: GlyphAtlas | None = None
        self.index = 0

    def process(self, port: str, msg: Message) -> None:
        """Blend the filled template into the frame at its corner."""
        frame: VideoFrame = msg.payload.writable()
        p = self.params
        if self.atlas is None:
            self.atlas = GlyphAtlas(p.size or max(10, frame.height // 30), p.color, p.background)
        value = fill_template(p.template, msg.pts, self.index)
        width, height = self.atlas.width(value), self.atlas.cell_h
        x = p.margin if p.position.endswith("left") else frame.width - p.margin - width
        y = p.margin if p.position.startswith("top") else frame.height - p.margin - height
        composite_layers(frame, self.atlas.layers(value, x, y))
        self.index += 1
        self.emit("video", frame)

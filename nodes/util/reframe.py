"""util.reframe: cut a window of another aspect (9:16 vertical from 16:9) out of yuv420p video and scale it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ggpgfx.graph.node import Message, Node, Port, Resources, VideoCaps, register_node
from ggpgfx.media.av_convert import av_to_video, video_to_av
from ggpgfx.media.frames import VideoFrame

INTERPOLATIONS = {"fast": "FAST_BILINEAR", "bilinear": "BILINEAR", "bicubic": "BICUBIC"}


class ReframeParams(BaseModel):
    """Output size (its aspect is the window's), where the window sits, and how tight it is."""

    model_config = ConfigDict(extra="forbid")
    width: int = Field(720, ge=16, le=7680, description="output width (even)")
    height: int = Field(1280, ge=16, le=7680, description="output height (even)")
    center_x: float = Field(0.5, ge=0, le=1, description="window centre across the frame (0 left, 1 right)")
    center_y: float = Field(0.5, ge=0, le=1, description="window centre down the frame (0 top, 1 bottom)")
    zoom: float = Field(1.0, ge=1, le=8, description="1: the largest window of the output's aspect; 2: half as big")
    interpolation: str = Field("bilinear", description="fast, bilinear or bicubic (FFmpeg's scaler)")

    @model_validator(mode="after")
    def _check(self) -> ReframeParams:
        if self.width % 2 or self.height % 2:
            raise ValueError(f"width and height must be even (4:2:0 chroma), got {self.width}x{self.height}")
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"unknown interpolation {self.interpolation!r}; use {', '.join(INTERPOLATIONS)}")
        return self


def window(params: ReframeParams, width: int, height: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the source window: the output's aspect, even edges, inside the frame."""
    aspect = params.width / params.height
    w = min(width, height * aspect) / params.zoom
    h = w / aspect
    w_even, h_even = max(2, int(w) & ~1), max(2, int(h) & ~1)
    x = min(max(0, round(params.center_x * width - w_even / 2)), width - w_even) & ~1
    y = min(max(0, round(params.center_y * height - h_even / 2)), height - h_even) & ~1
    return x, y, w_even, h_even


def _moved_meta(meta: dict[str, Any], box: tuple[int, int, int, int], scale: tuple[float, float]) -> dict[str, Any]:
    """Frame metadata in the new picture's pixels: seat zones (venue covers, card reading) and text boxes."""
    x0, y0, _, _ = box
    sx, sy = scale
    out = {k: v for k, v in meta.items() if k not in ("av_frame", "cow")}
    if meta.get("zones"):
        out["zones"] = [{**zone, "polygon": [[(p[0] - x0) * sx, (p[1] - y0) * sy] for p in zone.get("polygon") or ()]}
                        for zone in meta["zones"]]
    if meta.get("text_boxes"):
        out["text_boxes"] = [(round((bx - x0) * sx), round((by - y0) * sy), round(bw * sx), round(bh * sy))
                             for bx, by, bw, bh in meta["text_boxes"]]
    return out


@register_node
class Reframe(Node):
    """Crop a window with the output's aspect (a 9:16 vertical cut of a 16:9 table) and scale it to the output."""

    type_name = "util.reframe"
    inputs = {"video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"), doc="video to cut from (yuv420p)")}
    outputs = {"video": Port(VideoFrame, doc="the window, scaled to width x height (yuv420p)")}
    resources = Resources(cpu=0.5)
    Params = ReframeParams

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """yuv420p at the params' size."""
        return {"video": VideoCaps("yuv420p", params.width, params.height)}  # type: ignore[attr-defined]

    def setup(self) -> None:
        """Nothing to open: the window follows each frame's size."""
        self.interpolation = INTERPOLATIONS[self.params.interpolation]

    def process(self, port: str, msg: Message) -> None:
        """Cut and scale one frame; seat zones and text boxes move with the picture."""
        frame: VideoFrame = msg.payload
        x, y, w, h = window(self.params, frame.width, frame.height)
        cut = VideoFrame([frame.planes[0][y:y + h, x:x + w], frame.planes[1][y // 2:(y + h) // 2, x // 2:(x + w) // 2],
                          frame.planes[2][y // 2:(y + h) // 2, x // 2:(x + w) // 2]], "yuv420p", w, h, frame.pts)
        scaled = video_to_av(cut).reformat(width=self.params.width, height=self.params.height,
                                           interpolation=self.interpolation)
        out = av_to_video(scaled, msg.pts, writable=True)
        out.meta.update(_moved_meta(frame.meta, (x, y, w, h), (self.params.width / w, self.params.height / h)))
        self.emit("video", out)

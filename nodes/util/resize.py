"""util.resize: scale video to a fixed size (bilinear, or an exact box mean for whole-factor shrinks), on the
CPU or on a CUDA device."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ggpgfx.graph.fields import Device
from ggpgfx.graph.node import Message, Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame

FORMATS = ("yuv420p", "nv12", "gray", "rgb24")


@register_node
class Resize(Node):
    """Scale frames to width x height where they live: numpy on the CPU, torch on CUDA (same bytes)."""

    type_name = "util.resize"
    inputs = {"video": Port(VideoFrame, doc="frames to scale (yuv420p, nv12, gray or rgb24)")}
    outputs = {"video": Port(VideoFrame, doc="scaled frames, same pixel format")}
    device_frames = True

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        width: int = Field(ge=2, le=8192, description="output width in pixels")
        height: int = Field(ge=2, le=8192, description="output height in pixels")
        device: Device = Field("cpu", description="auto, cpu, cuda or cuda:N (CUDA falls back to the CPU, "
                                                  "saying so once)")

        @model_validator(mode="after")
        def _even(self) -> Resize.Params:
            if self.width % 2 or self.height % 2:
                raise ValueError(f"width and height must be even (4:2:0 chroma), got {self.width}x{self.height}")
            return self

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """Same pixel format as the input, the params' size."""
        upstream = input_caps.get("video") or VideoCaps()
        return {"video": VideoCaps(upstream.format, params.width, params.height)}  # type: ignore[attr-defined]

    def setup(self) -> None:
        """Load the kernels (torch only on a device)."""
        from ggpgfx.operators_gpu.resize import resize_frame

        self.resize_frame = resize_frame

    def process(self, port: str, msg: Message) -> None:
        """Scale one frame (the runtime delivers it on this node's device)."""
        frame: VideoFrame = msg.payload
        if frame.format not in FORMATS:
            raise ValueError(f"util.resize scales {', '.join(FORMATS)} frames, got {frame.format}")
        if (frame.width, frame.height) == (self.params.width, self.params.height):
            self.emit("video", frame)
            return
        self.emit("video", self.resize_frame(frame, self.params.width, self.params.height))

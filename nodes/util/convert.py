"""util.convert: change the pixel format (yuv420p, nv12, rgb24; BT.709 limited range) on the CPU or a CUDA
device."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import Device
from ggpgfx.graph.node import Message, Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import VideoFrame


@register_node
class Convert(Node):
    """Convert frames between yuv420p, nv12 and rgb24 where they live: numpy on the CPU, torch on CUDA."""

    type_name = "util.convert"
    inputs = {"video": Port(VideoFrame, doc="frames in yuv420p, nv12 or rgb24")}
    outputs = {"video": Port(VideoFrame, doc="frames in the params' pixel format")}
    device_frames = True

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        format: Literal["yuv420p", "nv12", "rgb24"] = Field(description="output pixel format")
        device: Device = Field("cpu", description="auto, cpu, cuda or cuda:N (CUDA falls back to the CPU, "
                                                  "saying so once)")

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """The params' format, the input's size."""
        upstream = input_caps.get("video") or VideoCaps()
        return {"video": VideoCaps(params.format, upstream.width, upstream.height)}  # type: ignore[attr-defined]

    def setup(self) -> None:
        """Load the kernels."""
        from ggpgfx.operators_gpu.colour import convert_frame

        self.convert_frame = convert_frame

    def process(self, port: str, msg: Message) -> None:
        """Convert one frame (exact fixed-point BT.709; the same bytes on both devices)."""
        self.emit("video", self.convert_frame(msg.payload, self.params.format))

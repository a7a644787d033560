"""encode.vp9: VP9 (libvpx-vp9) packets for .webm files; yuva420p input keeps its alpha (VP9 alpha WebM)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, Resources, register_node
from ggpgfx.media.frames import Packet, VideoFrame
from ggpgfx.media.video_encoder import EncoderSpec, VideoEncoder, bits_per_second, check_encoder


class Vp9Params(BaseModel):
    """libvpx-vp9 quality and speed; alpha follows the input unless told otherwise."""

    model_config = ConfigDict(extra="forbid")
    crf: int = Field(32, ge=0, le=63, description="constant quality (lower is better)")
    bitrate: str | int | None = Field(None, description="target bitrate, e.g. 4M (constrained quality with crf)")
    deadline: Literal["realtime", "good", "best"] = Field("realtime", description="libvpx speed class")
    cpu_used: int = Field(8, ge=-8, le=8, description="libvpx speed within the deadline (8: fastest)")
    keyint: int | None = Field(None, ge=1, le=1000, description="frames between keyframes (default 2 s)")
    alpha: Literal["auto", "on", "off"] = Field("auto", description="auto: keep alpha when frames have it")
    threads: int = Field(0, ge=0, le=64, description="0: as many as useful")
    fps: float | None = Field(None, gt=0, description="nominal frame rate; default: the graph's fps")

    def spec(self, fps: float, alpha: bool) -> EncoderSpec:
        """The libvpx-vp9 settings for these params."""
        options = {"crf": str(self.crf), "deadline": self.deadline, "cpu-used": str(self.cpu_used), "row-mt": "1",
                   "auto-alt-ref": "0" if alpha else "1", "lag-in-frames": "0" if self.deadline == "realtime" else "25"}
        return EncoderSpec("libvpx-vp9", "vp9", "yuva420p" if alpha else "yuv420p", options,
                           bit_rate=bits_per_second(self.bitrate), gop_size=self.keyint or max(1, round(2 * fps)),
                           threads=self.threads, alpha=alpha, side_data=("matroska_block_additional",) if alpha else ())


@register_node
class Vp9Encoder(Node):
    """Encode video to VP9 with libvpx-vp9; with yuva420p or rgba input the alpha goes along (WebM alpha_mode)."""

    type_name = "encode.vp9"
    inputs = {"video": Port(VideoFrame, doc="frames: yuva420p or rgba (alpha kept), yuv420p")}
    outputs = {"packets": Port(Packet, doc="VP9 packets with the alpha as side data, for publish.file .webm")}
    Params = Vp9Params
    resources = Resources(cpu=2)

    def setup(self) -> None:
        """Check the options now, on a tiny frame; the alpha decision waits for the first frame."""
        self.fps = self.params.fps or self.context.fps
        check_encoder(self.params.spec(self.fps, self.params.alpha == "on"))
        self.encoder: VideoEncoder | None = None

    def process(self, port: str, msg: Message) -> None:
        """Encode one frame; emit what the encoder releases."""
        frame: VideoFrame = msg.payload
        if self.encoder is None:
            alpha = self.params.alpha == "on" or (self.params.alpha == "auto" and frame.format in ("yuva420p", "rgba"))
            self.encoder = VideoEncoder(self.params.spec(self.fps, alpha), self.fps, self.id)
        for packet in self.encoder.encode(frame, msg.pts):
            self.emit("packets", packet, pts=packet.pts_us)

    def on_eos(self) -> None:
        """Drain the encoder."""
        if self.encoder is not None:
            for packet in self.encoder.flush():
                self.emit("packets", packet, pts=packet.pts_us)

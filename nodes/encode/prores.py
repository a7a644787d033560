"""encode.prores: ProRes (prores_ks) packets for .mov files; 4444 keeps the alpha of yuva420p/rgba input."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, Resources, register_node
from ggpgfx.media.frames import Packet, VideoFrame
from ggpgfx.media.video_encoder import EncoderSpec, VideoEncoder, check_encoder

Profile = Literal["proxy", "lt", "standard", "hq", "4444", "4444xq"]


class ProResParams(BaseModel):
    """ProRes profile and quality; 4444 and 4444xq carry alpha."""

    model_config = ConfigDict(extra="forbid")
    profile: Profile = Field("4444", description="proxy, lt, standard, hq (4:2:2, no alpha), 4444, 4444xq (alpha)")
    alpha_bits: Literal[0, 8, 16] = Field(16, description="4444: bits of the alpha channel (0: drop it)")
    qscale: int | None = Field(None, ge=1, le=32, description="fixed quantiser (lower is better); default: the "
                               "profile's bitrate")
    vendor: str = Field("apl0", min_length=4, max_length=4, description="four-letter vendor id in the header")
    threads: int = Field(0, ge=0, le=64, description="0: as many as useful")
    fps: float | None = Field(None, gt=0, description="nominal frame rate; default: the graph's fps")

    def spec(self) -> EncoderSpec:
        """The prores_ks settings for these params."""
        alpha = self.profile.startswith("4444") and self.alpha_bits > 0
        pix_fmt = ("yuva444p10le" if alpha else "yuv444p10le") if self.profile.startswith("4444") else "yuv422p10le"
        options = {"profile": self.profile, "vendor": self.vendor}
        if self.profile.startswith("4444"):
            options["alpha_bits"] = str(self.alpha_bits)
        if self.qscale is not None:
            options["qscale"] = str(self.qscale)  # generic option: a fixed quantiser for every frame
        return EncoderSpec("prores_ks", "prores", pix_fmt, options, threads=self.threads, alpha=alpha,
                           mux_template=True)


@register_node
class ProResEncoder(Node):
    """Encode video to ProRes with prores_ks; 4444 with yuva420p or rgba input keeps the alpha (yuva444p10le)."""

    type_name = "encode.prores"
    inputs = {"video": Port(VideoFrame, doc="frames: yuva420p or rgba (alpha kept in 4444), yuv420p")}
    outputs = {"packets": Port(Packet, doc="ProRes packets (every frame a keyframe), for publish.file .mov")}
    Params = ProResParams
    resources = Resources(cpu=2)

    def setup(self) -> None:
        """Check the options now, on a tiny frame."""
        self.spec = self.params.spec()
        check_encoder(self.spec)
        self.encoder = VideoEncoder(self.spec, self.params.fps or self.context.fps, self.id)

    def process(self, port: str, msg: Message) -> None:
        """Encode one frame and emit its packet."""
        for packet in self.encoder.encode(msg.payload, msg.pts):
            self.emit("packets", packet, pts=packet.pts_us)

    def on_eos(self) -> None:
        """Drain the encoder's threads."""
        for packet in self.encoder.flush():
            self.emit("packets", packet, pts=packet.pts_us)

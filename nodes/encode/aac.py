"""encode.aac: audio frames to AAC-LC packets (FFmpeg's native encoder via PyAV), resampled as needed."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.av_convert import audio_to_av, av_to_packet, us_to_ticks
from ggpgfx.media.errors import media_error
from ggpgfx.media.frames import AudioFrame, Packet


class AacParams(BaseModel):
    """Output rate, layout and bitrate."""

    model_config = ConfigDict(extra="forbid")
    sample_rate: int = Field(48_000, ge=8_000, le=96_000)
    layout: str = Field("stereo", description="mono or stereo (or another FFmpeg layout name)")
    bitrate: int = Field(128_000, ge=16_000, le=512_000, description="bits per second")


@register_node
class AacEncoder(Node):
    """Encode audio to AAC-LC (1024-sample frames), pts/dts in 1/sample_rate units."""

    type_name = "encode.aac"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"audio": Port(AudioFrame, doc="audio in any format, rate and layout")}
    outputs = {"packets": Port(Packet, doc="AAC packets (raw, with stream parameters)")}
    Params = AacParams

    def setup(self) -> None:
        """Open the encoder and a resampler that also cuts 1024-sample frames."""
        p = self.params
        self.time_base = Fraction(1, p.sample_rate)
        try:
            ctx: Any = av.CodecContext.create("aac", "w")
            ctx.sample_rate = p.sample_rate
            ctx.layout = p.layout
            ctx.format = "fltp"
            ctx.bit_rate = p.bitrate
            ctx.time_base = self.time_base
            ctx.open()
        except Exception as exc:
            raise media_error("cannot open the AAC encoder with", f"{p.sample_rate} Hz {p.layout}", exc) from None
        self.ctx = ctx
        self.resampler = av.AudioResampler(format="fltp", layout=p.layout, rate=p.sample_rate,
                                           frame_size=ctx.frame_size)
        self.stream_info = {"sample_rate": p.sample_rate, "layout": p.layout, "bit_rate": p.bitrate,
                            "frame_size": ctx.frame_size, "extradata": bytes(ctx.extradata or b"")}
        self.next_pts: int | None = None

    def process(self, port: str, msg: Message) -> None:
        """Resample and encode one block of samples."""
        frame = audio_to_av(msg.payload)
        frame.time_base = Fraction(1, frame.sample_rate)
        frame.pts = us_to_ticks(msg.pts, frame.time_base)
        self._encode(self.resampler.resample(frame))

    def _encode(self, frames: list[Any]) -> None:
        for frame in frames:
            if self.next_pts is None:
                self.next_pts = frame.pts if frame.pts is not None else 0
            # timestamps count samples: gaps or jitter in the input do not make the output jump back
            frame.pts = self.next_pts
            frame.time_base = self.time_base
            self.next_pts += frame.samples
            self._emit(self.ctx.encode(frame))

    def _emit(self, packets: list[Any]) -> None:
        for pkt in packets:
            packet = av_to_packet(pkt, "audio", "aac", self.stream_info)
            packet.time_base = self.time_base
            self.emit("packets", packet, pts=packet.pts_us)

    def on_eos(self) -> None:
        """Flush the resampler and the encoder."""
        self._encode(self.resampler.resample(None))
        self._emit(self.ctx.encode(None))

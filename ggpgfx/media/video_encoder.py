"""A PyAV video encoder for the codecs beside libx264 (ProRes, VP9): opened on the first frame, any input
format converted once to the codec's pixel format, packets carrying what the muxer needs to describe them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av

from ggpgfx.errors import ConfigError
from ggpgfx.media.av_convert import VIDEO_TIME_BASE, av_to_packet, us_to_ticks, video_to_av
from ggpgfx.media.errors import media_error
from ggpgfx.media.frames import Packet, VideoFrame


def bits_per_second(value: str | int | None) -> int | None:
    """'6M', '2500k' or 6000000 as bits per second (ConfigError for anything else)."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(text[-1:], 1)
    try:
        return int(float(text[:-1] if scale != 1 else text) * scale)
    except ValueError:
        raise ConfigError(f"bad bitrate {value!r}; use bits per second or a suffix, e.g. 6M or 2500k") from None


@dataclass
class EncoderSpec:
    """What to open: FFmpeg encoder, pixel format, options, and how the muxer should present the stream."""

    encoder: str
    codec: str
    pix_fmt: str
    options: dict[str, str] = field(default_factory=dict)
    bit_rate: int | None = None
    gop_size: int | None = None
    threads: int = 0
    #: the stream has an alpha channel (WebM's alpha_mode; ffprobe reads ProRes alpha from the bitstream)
    alpha: bool = False
    #: side data types copied from each encoded packet into Packet.side_data
    side_data: tuple[str, ...] = ()
    #: configure the muxer's stream as a copy of this encoder (codec tag, profile) instead of a bare stream
    mux_template: bool = False


def check_encoder(spec: EncoderSpec) -> None:
    """Open the encoder on a tiny frame now, so a bad option fails the graph before the first frame."""
    open_encoder(spec, 64, 64, 30.0)


def open_encoder(spec: EncoderSpec, width: int, height: int, fps: float) -> Any:
    """An opened codec context (MediaError naming the options when FFmpeg refuses them)."""
    if spec.encoder not in av.codecs_available:
        raise ConfigError(f"this FFmpeg build has no {spec.encoder} encoder")
    ctx: Any = av.CodecContext.create(spec.encoder, "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, spec.pix_fmt
    ctx.time_base = VIDEO_TIME_BASE
    ctx.framerate = Fraction(fps).limit_denominator(1001)
    ctx.thread_type = "AUTO"
    ctx.thread_count = spec.threads
    if spec.gop_size:
        ctx.gop_size = spec.gop_size
    if spec.bit_rate:
        ctx.bit_rate = spec.bit_rate
    known = ctx.supported_options
    supported = {opt.name for opt in (*known.generic, *known.private)}
    unknown = sorted(k for k in spec.options if k not in supported)
    if unknown:
        raise ConfigError(f"{spec.encoder} has no option {', '.join(map(repr, unknown))}")
    ctx.options = dict(spec.options)
    try:
        ctx.open()
    except Exception as exc:
        detail = ", ".join(f"{k}={v}" for k, v in spec.options.items())
        raise media_error(f"{spec.encoder} rejected the options", detail or spec.pix_fmt, exc) from None
    return ctx


class VideoEncoder:
    """Encodes VideoFrames of one size to Packets (pts/dts in 1/90000 s); `flush()` at end of stream."""

    def __init__(self, spec: EncoderSpec, fps: float, node: str = "encoder") -> None:
        self.spec = spec
        self.fps = fps
        self.node = node
        self.ctx: Any = None
        self.size: tuple[int, int] | None = None
        self.last_pts: int | None = None
        self.stream_info: dict[str, Any] = {}

    def _open(self, frame: VideoFrame) -> None:
        spec = self.spec
        self.ctx = open_encoder(spec, frame.width, frame.height, self.fps)
        self.size = (frame.width, frame.height)
        self.stream_info = {"width": frame.width, "height": frame.height, "pix_fmt": spec.pix_fmt, "fps": self.fps,
                            "alpha": spec.alpha, "bit_rate": self.ctx.bit_rate or 0}
        if spec.mux_template:
            self.stream_info["encoder"] = {"name": spec.encoder, "pix_fmt": spec.pix_fmt, "options": dict(spec.options)}

    def encode(self, frame: VideoFrame, pts_us: int) -> list[Packet]:
        """Encode one frame (converted to the codec's pixel format if needed)."""
        if self.ctx is None:
            self._open(frame)
        elif (frame.width, frame.height) != self.size:
            width, height = self.size  # type: ignore[misc]
            raise ConfigError(f"{self.node}: frame size changed from {width}x{height} to "
                              f"{frame.width}x{frame.height}; put a scaler before the encoder")
        avf = video_to_av(frame)
        if avf.format.name != self.spec.pix_fmt:
            avf = avf.reformat(format=self.spec.pix_fmt, src_colorspace="ITU709", dst_colorspace="ITU709")
        pts = us_to_ticks(pts_us, VIDEO_TIME_BASE)
        if self.last_pts is not None and pts <= self.last_pts:
            pts = self.last_pts + 1  # encoders need strictly increasing pts
        self.last_pts = pts
        avf.pts = pts
        avf.time_base = VIDEO_TIME_BASE
        return self._packets(self.ctx.encode(avf))

    def flush(self) -> list[Packet]:
        """The packets the encoder still holds."""
        return self._packets(self.ctx.encode(None)) if self.ctx is not None else []

    def _packets(self, encoded: list[Any]) -> list[Packet]:
        out = []
        for pkt in encoded:
            packet = av_to_packet(pkt, "video", self.spec.codec, self.stream_info, self.spec.side_data)
            packet.time_base = VIDEO_TIME_BASE
            out.append(packet)
        return out

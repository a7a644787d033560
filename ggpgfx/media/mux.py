"""Muxing encoded Packets into a container (file, HLS folder, RTMP URL), opened lazily on first packets.

Streams are created from each packet's `stream_info`: video as a mux-only stream (its SPS/PPS travel
in-band on keyframes and PyAV extracts the global header when the format needs one), AAC audio as a
stream whose codec context produces the same AudioSpecificConfig as the upstream encoder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av

from ggpgfx.media.av_convert import packet_to_av
from ggpgfx.media.errors import describe_target, media_error, seconds
from ggpgfx.media.frames import Packet

log = logging.getLogger(__name__)

#: Formats by file suffix (when `format` is not given).
FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".ts": "mpegts", ".flv": "flv", ".webm": "webm",
           ".m3u8": "hls"}


def guess_format(target: str) -> str | None:
    """The container format for a path or URL, or None to let FFmpeg guess."""
    lower = target.lower().split("?")[0]
    if lower.startswith(("rtmp://", "rtmps://")):
        return "flv"
    for suffix, name in FORMATS.items():
        if lower.endswith(suffix):
            return name
    return None


class StreamMuxer:
    """Writes packets of up to one video and one audio stream to one target; the header is written once
    every expected stream has shown a packet (or after `stream_wait_s` of media)."""

    def __init__(self, target: str, format: str | None = None, options: dict[str, str] | None = None, *,
                 stream_wait_s: float = 1.0, secrets: tuple[str, ...] = (),
                 opener: Callable[..., Any] | None = None) -> None:
        self.target = target
        self.format = format or guess_format(target)
        self.options = dict(options or {})
        self.stream_wait_s = stream_wait_s
        self.secrets = secrets
        self.container: Any = None
        self.streams: dict[str, Any] = {}
        self.pending: list[Packet] = []
        self.kinds_seen: set[str] = set()
        self.expected_kinds: set[str] | None = None
        self.late_drops = 0
        self.packets_written = 0
        self.bytes_written = 0
        self.last_pts_us: int | None = None
        self.first_pts_us: int | None = None
        self.last_dts: dict[str, int] = {}
        self._open = opener or av.open

    @property
    def is_open(self) -> bool:
        """True once the container header is written (or about to be)."""
        return self.container is not None

    def write(self, packet: Packet) -> None:
        """Mux one packet (buffering the first ones until every stream is known)."""
        if self.container is None:
            self.pending.append(packet)
            self.kinds_seen.add(packet.kind)
            if not self._ready():
                return
            self._start()
            pending, self.pending = self.pending, []
            for item in sorted(pending, key=_dts_seconds):
                self._mux(item)
            return
        self._mux(packet)

    def _ready(self) -> bool:
        if self.expected_kinds is not None and self.expected_kinds <= self.kinds_seen:
            return True
        if {"video", "audio"} <= self.kinds_seen:
            return True
        span = _dts_seconds(self.pending[-1]) - _dts_seconds(self.pending[0])
        return span >= self.stream_wait_s or len(self.pending) > 2000

    def _start(self) -> None:
        try:
            self.container = self._open(self.target, "w", format=self.format, options=self.options)
        except Exception as exc:
            raise media_error("cannot open output", self.target, exc, secrets=self.secrets) from None
        for kind in ("video", "audio"):
            first = next((p for p in self.pending if p.kind == kind), None)
            if first is not None:
                self.streams[kind] = self._add_stream(first)

    def _add_stream(self, packet: Packet) -> Any:
        info = packet.stream_info
        try:
            if packet.kind == "audio" and packet.codec == "aac":
                stream = self.container.add_stream("aac", rate=int(info.get("sample_rate", 48000)),
                                                   layout=info.get("layout", "stereo"))
                stream.codec_context.bit_rate = int(info.get("bit_rate", 128000))
            elif packet.kind == "audio":
                stream = self.container.add_mux_stream(packet.codec, rate=int(info.get("sample_rate", 48000)))
            else:
                stream = self._add_video_stream(packet)
            stream.time_base = packet.time_base
        except Exception as exc:
            raise media_error(f"cannot add a {packet.codec} {packet.kind} stream to", self.target, exc,
                              secrets=self.secrets) from None
        return stream

    def _add_video_stream(self, packet: Packet) -> Any:
        info = packet.stream_info
        fps = info.get("fps")
        rate = Fraction(fps).limit_denominator(1001) if fps else None
        template = info.get("encoder")
        if template:
            # a stream whose codec context is configured like the upstream encoder, so the container header says
            # what the bitstream is (ProRes 4444's 'ap4h' tag and depth); packets are muxed, never re-encoded
            stream = self.container.add_stream(template["name"], rate=rate)
            ctx = stream.codec_context
            ctx.width, ctx.height = int(info.get("width", 0)), int(info.get("height", 0))
            ctx.pix_fmt = template.get("pix_fmt") or ctx.pix_fmt
            ctx.options = {str(k): str(v) for k, v in template.get("options", {}).items()}
        else:
            stream = self.container.add_mux_stream(packet.codec, rate=rate, width=int(info.get("width", 0)),
                                                   height=int(info.get("height", 0)))
        if info.get("alpha"):
            stream.metadata["alpha_mode"] = "1"  # Matroska/WebM: the alpha travels in BlockAdditional side data
        return stream

    def _mux(self, packet: Packet) -> None:
        stream = self.streams.get(packet.kind)
        if stream is None:
            self.late_drops += 1
            if self.late_drops == 1:
                log.warning("%s: dropping %s packets that arrived after the header was written",
                            describe_target(self.target), packet.kind)
            return
        dts = packet.dts if packet.dts is not None else packet.pts
        last = self.last_dts.get(packet.kind)
        if dts is not None and last is not None and dts <= last:
            return  # a duplicate after a replay or restart: muxers reject non-increasing dts
        pkt = packet_to_av(packet)
        pkt.stream = stream
        try:
            self.container.mux(pkt)
        except Exception as exc:
            raise media_error("cannot write to", self.target, exc, position=seconds(packet.pts_us),
                              secrets=self.secrets) from exc
        if dts is not None:
            self.last_dts[packet.kind] = dts
        self.packets_written += 1
        self.bytes_written += len(packet.data)
        if packet.kind == "video" or "video" not in self.streams:
            self.last_pts_us = packet.pts_us
            if self.first_pts_us is None:
                self.first_pts_us = packet.pts_us

    def close(self) -> None:
        """Flush buffered packets, write the trailer and close (safe to call twice)."""
        if self.container is None and self.pending:  # a short stream: open with the streams seen so far
            self._start()
            pending, self.pending = self.pending, []
            for item in sorted(pending, key=_dts_seconds):
                self._mux(item)
        container, self.container = self.container, None
        if container is not None:
            try:
                container.close()
            except Exception as exc:
                raise media_error("cannot finish", self.target, exc, secrets=self.secrets) from None

    def abort(self) -> None:
        """Close without raising (after a connection loss)."""
        container, self.container = self.container, None
        self.streams = {}
        self.last_dts = {}
        if container is not None:
            try:
                container.close()
            except Exception:
                log.debug("closing %s after an error", describe_target(self.target), exc_info=True)


def _dts_seconds(packet: Packet) -> float:
    value = packet.dts if packet.dts is not None else packet.pts
    return float((value or 0) * packet.time_base)

"""ingest.video: decode a file or network stream (PyAV) to yuv420p video and audio frames."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import Device, FfmpegOptions, MediaSource
from ggpgfx.graph.node import Node, Port, VideoCaps, register_node
from ggpgfx.media.av_convert import CopyCounter, av_to_audio, av_to_video
from ggpgfx.media.errors import describe_target, is_url, media_error, seconds
from ggpgfx.media.frames import AudioFrame, VideoFrame
from ggpgfx.policy import FILE_DEMUXERS, NETWORK_PROTOCOLS, PolicyError, check_connect

log = logging.getLogger(__name__)

#: Options that make live RTMP/RTSP opens return quickly (NOTES.md: otherwise ~11 s of probing).
LIVE_OPTIONS = {"rtmp": {"rtmp_live": "live", "analyzeduration": "500000", "probesize": "200000",
                         "fflags": "nobuffer"},
                "rtsp": {"rtsp_transport": "tcp", "analyzeduration": "500000", "fflags": "nobuffer"}}

LIVE_SCHEMES = ("rtmp", "rtmps", "rtsp", "srt", "udp", "tcp")
#: decode_ahead (files, automatic): where it starts (enough for streams with one reference frame and no
#: B-frames), and how far it grows while consumers still have to copy frames (x264's B-frame streams need 5)
DECODE_AHEAD_START, DECODE_AHEAD_MAX = 2, 8


class VideoParams(BaseModel):
    """Where to read from and how."""

    model_config = ConfigDict(extra="forbid")
    source: MediaSource = Field(description="file path or URL (rtmp://, rtsp://, http(s)://...m3u8, srt://)")
    loop: bool = Field(False, description="files: start again at the end")
    start_s: float = Field(0.0, ge=0, description="seek to this position first")
    audio: bool = Field(True, description="decode the first audio stream to the `audio` port")
    hwaccel: str | None = Field(None, description="hardware decoder hint, e.g. cuda or vaapi (falls back to CPU)")
    options: FfmpegOptions = Field(default_factory=dict, description="FFmpeg demuxer/protocol options")
    live: bool | None = Field(None, description="reconnect at end of stream (default: rtmp/rtsp/srt/udp URLs)")
    timeout_s: float = Field(10.0, gt=0, description="network: open and read timeout")
    reconnect_attempts: int = Field(10, ge=0, description="network: reopen this many times before failing")
    reconnect_backoff_s: float = Field(0.5, gt=0, description="network: first wait, doubled up to 10 s")
    writable: bool = Field(False, description="false: zero-copy read-only views, made writable on demand by "
                           "frame.writable() (usually without a copy); true: writable now (a copy per frame)")
    threads: int = Field(0, ge=0, le=64, description="decoder threads (0: auto)")
    decode_ahead: int | None = Field(
        None, ge=0, le=32, description="decoded video frames held before the oldest is sent, so that the decoder "
        "has let go of it (no later frame predicts from it) when an overlay makes it writable, and no 3 MB copy "
        "of a 1080p frame is needed. None: files start at 2 and go up (to 8) while frames still have to be "
        "copied; network streams 0 (each held frame is a frame of latency)")
    device: Device = Field("cpu", description="cuda or cuda:N: NVIDIA's CUVID decoder (h264_cuvid, hevc_cuvid...) "
                                              "when PyAV's FFmpeg has it and it opens, else the CPU decoder "
                                              "with the reason logged once; frames still arrive in host memory")


@register_node
class VideoSource(Node):
    """Decode a file or URL to yuv420p frames (decoder buffers, copy-on-write) and audio; loops, seeks, reconnects."""

    type_name = "ingest.video"
    outputs = {"video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"), doc="decoded frames, yuv420p"),
               "audio": Port(AudioFrame, doc="decoded audio (when the source has it)"),
               "status": Port(dict, doc="connection state changes: {state, reconnects, source}")}
    Params = VideoParams

    def setup(self) -> None:
        """Open the source (a missing or broken file fails here with a clear message)."""
        p = self.params
        self.network = is_url(p.source)
        # FFmpeg's HLS demuxer follows live playlists by itself and ends at #EXT-X-ENDLIST: not "live" here
        self.live = p.live if p.live is not None else (
            self.network and p.source.split(":", 1)[0].lower() in LIVE_SCHEMES)
        if not self.network and not Path(p.source).exists():
            raise media_error("cannot open", p.source, FileNotFoundError(2, "no such file"))
        self.reconnects = 0
        self.state = "opening"
        self.offset_us = 0  # added to every pts: loops and reconnects continue the timeline
        self.last_pts_us: int | None = None
        self.last_audio_pts_us: int | None = None
        self.resume_after: dict[str, int] = {}  # after a restore: frames up to these pts were already sent
        self.frames_out = 0
        self.copies = CopyCounter()  # frames a consumer had to copy because the decoder still held them
        self.copies_seen = 0
        self.adaptive = p.decode_ahead is None and not self.network
        self.ahead = p.decode_ahead if p.decode_ahead is not None else 0 if self.network else DECODE_AHEAD_START
        self.container: Any = None
        self._open()
        self._it: Iterator[tuple[str, Any]] = self._decode()

    # -- opening ----------------------------------------------------------------------------------
    def _open(self) -> None:
        p = self.params
        if self.network:
            check_connect(p.source, self.context.policy)  # every open and reopen: DNS may have changed
        options = dict(LIVE_OPTIONS.get(p.source.split(":", 1)[0].lower(), {})) if self.network else {}
        options.update(p.options)
        if self.context.policy is not None:  # no playlist or script may lead FFmpeg to other files or protocols
            options["protocol_whitelist"] = NETWORK_PROTOCOLS if self.network else "file"
            if not self.network:
                options["format_whitelist"] = FILE_DEMUXERS
        kwargs: dict[str, Any] = {"options": options, "timeout": (p.timeout_s, p.timeout_s)}
        if p.hwaccel:
            try:
                from av.codec.hwaccel import HWAccel

                kwargs["hwaccel"] = HWAccel(device_type=p.hwaccel, allow_software_fallback=True)
            except Exception as exc:  # no such device type here: decode on the CPU
                log.info("hardware decoding %s unavailable (%s); decoding on the CPU", p.hwaccel, exc)
        try:
            try:
                self.container = av.open(p.source, "r", **kwargs)
            except Exception as exc:
                if "hwaccel" not in kwargs:
                    raise
                # no such device here (no GPU, no driver): the hint falls back to CPU decoding
                log.info("hardware decoding %s unavailable (%s); decoding on the CPU", p.hwaccel, exc)
                kwargs.pop("hwaccel")
                self.container = av.open(p.source, "r", **kwargs)
        except Exception as exc:
            hint = "not a media file, or truncated" if isinstance(exc, av.error.InvalidDataError) else None
            raise media_error("cannot open", p.source, exc, hint=hint) from None
        c = self.container
        self.vstream = c.streams.video[0] if c.streams.video else None
        self.astream = c.streams.audio[0] if (p.audio and c.streams.audio) else None
        if self.vstream is None and self.astream is None:
            raise media_error("no video or audio stream in", p.source)
        for stream in (self.vstream, self.astream):
            if stream is not None:
                stream.thread_type = "AUTO"
                stream.thread_count = p.threads
        self.vdecoder = self._cuvid() if self.vstream is not None and self.context.device.startswith("cuda") else None
        self.duration_us = int(c.duration) if c.duration and not self.network else None
        self.start_us = int(c.start_time) if c.start_time is not None and not self.network else 0
        self._rebase_first = self.network  # live streams: the first frame's pts becomes the timeline origin
        if p.start_s and not self.network:
            c.seek(int(p.start_s * 1e6), any_frame=False, backward=True)
        self._set_state("playing")

    def _cuvid(self) -> Any:
        """An opened CUVID decoder for the video stream, or None (the reason logged once per node)."""
        name = f"{self.vstream.codec_context.name}_cuvid"
        try:
            if name not in av.codecs_available:
                raise ValueError(f"PyAV's FFmpeg has no {name}")
            decoder = av.CodecContext.create(name, "r")
            decoder.extradata = self.vstream.codec_context.extradata
            decoder.options = {"gpu": self.context.device.split(":")[1]}
            decoder.open()
            return decoder
        except Exception as exc:  # no driver, no NVDEC, an unsupported profile
            if not getattr(self, "_told_cuvid", False):
                self._told_cuvid = True
                log.warning("%s (ingest.video): %s unavailable (%s): decoding on the CPU", self.id, name, exc)
            return None

    def _set_state(self, state: str) -> None:
        self.state = state
        info = {"state": state, "reconnects": self.reconnects, "source": describe_target(self.params.source)}
        try:
            self.emit("status", info, pts=self.last_pts_us or 0)
        except RuntimeError:
            pass  # not running yet (setup): the first tick reports it anyway
        log.info("%s: %s", describe_target(self.params.source), state)

    # -- decoding ---------------------------------------------------------------------------------
    def _decode(self) -> Iterator[tuple[str, Any]]:
        """Decoded frames in order, the newest `self.ahead` video frames held back (and sent before an error
        or the end of the stream is)."""
        held: deque[tuple[str, Any]] = deque()
        videos = 0
        failure: BaseException | None = None
        try:
            for item in self._decode_stream():
                held.append(item)
                videos += item[0] == "video"
                while videos > self.ahead:
                    kind, frame = held.popleft()
                    videos -= kind == "video"
                    yield kind, frame
        except (av.error.FFmpegError, OSError) as exc:
            failure = exc
        while held:
            yield held.popleft()
        if failure is not None:
            raise failure

    def _decode_stream(self) -> Iterator[tuple[str, Any]]:
        streams = [s for s in (self.vstream, self.astream) if s is not None]
        if self.vdecoder is not None:
            self.vdecoder.flush_buffers()  # after a seek or a loop: no frame from before it
        for packet in self.container.demux(streams):
            if packet.stream is self.vstream:
                if self.vdecoder is not None:
                    for frame in self.vdecoder.decode(packet):
                        frame.time_base = self.vstream.time_base
                        yield "video", frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
                    continue
                for frame in packet.decode():
                    yield "video", frame
            else:
                for aframe in packet.decode():
                    yield "audio", aframe

    def _pts_us(self, frame: Any) -> int | None:
        if frame.pts is None or frame.time_base is None:
            return None
        raw = int(frame.pts * frame.time_base * 1_000_000)
        if self._rebase_first:
            self.start_us, self._rebase_first = raw, False
        return raw - self.start_us + self.offset_us

    def tick(self) -> bool:
        """Decode until a video frame is emitted (audio on the way); False at the end of the source."""
        for _ in range(10_000):  # bounded: audio-only sources emit one block per tick
            try:
                kind, frame = next(self._it)
            except StopIteration:
                if not self._at_end():
                    return False
                continue
            except (av.error.FFmpegError, OSError) as exc:
                self._on_error(exc)
                continue
            if self._emit_frame(kind, frame) and (kind == "video" or self.vstream is None):
                return True
        return True

    def _emit_frame(self, kind: str, frame: Any) -> bool:
        pts = self._pts_us(frame)
        if pts is None:
            pts = (self.last_pts_us or 0) + (round(1e6 / self.context.fps) if kind == "video" else 0)
        if self.params.start_s and pts - self.offset_us < self.params.start_s * 1e6 - 1:
            return False  # decoded from the keyframe before the seek point: not shown
        done = self.resume_after.get(kind)
        if done is not None:
            if pts <= done:
                return False  # decoded from the keyframe before the restored position: already sent
            del self.resume_after[kind]
        if kind == "video":
            if self.copies.copies != self.copies_seen:  # a consumer had to copy a frame the decoder held
                self.copies_seen = self.copies.copies
                self.set_metric("frames_copied", self.copies_seen)
                if self.adaptive and self.ahead < DECODE_AHEAD_MAX:
                    self.ahead += 1
                    self.set_metric("decode_ahead", self.ahead)
            out = av_to_video(frame, pts, writable=self.params.writable, counter=self.copies)
            out = self._into_slot(out)
            out.meta["frame_index"] = self.frames_out
            self.frames_out += 1
            self.last_pts_us = max(pts, self.last_pts_us or pts)
            self.emit("video", out, pts=pts)
        else:
            self.last_audio_pts_us = pts
            self.emit("audio", av_to_audio(frame, pts), pts=pts)
        return True

    def _into_slot(self, decoded: VideoFrame) -> VideoFrame:
        """The decoded frame copied into the video edge's shared-memory slot where its only consumer is another
        process (that edge would copy it into the slot anyway; this copy makes the hop a header only), else
        the decoder's own buffers as they are (zero-copy, copy-on-write)."""
        frame = self.slot_frame("video", decoded.width, decoded.height, "yuv420p", decoded.pts)
        if frame is None:
            return decoded
        for plane, source in zip(frame.planes, decoded.planes, strict=True):
            np.copyto(plane, source)
        return frame

    # -- restarts (Ray executor) ---------------------------------------------------------------------
    def snapshot(self) -> Any | None:
        """Where the source is: a restarted file source seeks back here instead of starting over."""
        return {"offset_us": self.offset_us, "last_pts_us": self.last_pts_us,
                "last_audio_pts_us": self.last_audio_pts_us, "frames_out": self.frames_out}

    def restore(self, state: Any) -> None:
        """Continue after the last frame sent: files seek to it; live streams keep the timeline going."""
        self.frames_out = int(state["frames_out"])
        last, last_audio = state["last_pts_us"], state["last_audio_pts_us"]
        self.last_pts_us, self.last_audio_pts_us = last, last_audio
        if last is None and last_audio is None:
            return  # nothing was sent yet: start from the beginning
        if self.network:
            frame_us = round(1e6 / self.context.fps)
            self.offset_us = max(v for v in (last, last_audio) if v is not None) + frame_us
            return
        self.offset_us = int(state["offset_us"])
        self.resume_after = {kind: value for kind, value in (("video", last), ("audio", last_audio))
                             if value is not None}
        position = min(self.resume_after.values()) - self.offset_us
        self.container.seek(self.start_us + max(0, position), any_frame=False, backward=True)
        self._it = self._decode()
        log.info("%s: resuming after %.3f s", describe_target(self.params.source), position / 1e6)

    def _at_end(self) -> bool:
        p = self.params
        if self.live:
            return self._on_error(EOFError("the stream ended"))
        if self.duration_us and self.last_pts_us is not None and self.vstream is not None:
            frame_us = 1e6 / float(self.vstream.average_rate or self.context.fps)
            reached = self.last_pts_us - self.offset_us + frame_us
            if reached < self.duration_us - max(3 * frame_us, 0.5e6):
                raise media_error("cannot read", p.source, position=seconds(int(reached)),
                                  hint=f"the file ends before its stated duration of {self.duration_us / 1e6:.3f} s:"
                                       " truncated or corrupt")
        if p.loop and self.frames_out:
            frame_us = round(1e6 / float(self.vstream.average_rate or self.context.fps)) if self.vstream else 0
            self.offset_us = (self.last_pts_us or 0) + frame_us
            self.container.seek(0)
            self.start_us = 0 if self.container.start_time is None else int(self.container.start_time)
            self._it = self._decode()
            return True
        return False

    def _on_error(self, exc: BaseException) -> bool:
        p = self.params
        position = seconds(None if self.last_pts_us is None else self.last_pts_us - self.offset_us)
        if not self.network:
            raise media_error("cannot read", p.source, exc, position=position,
                              hint="corrupt or truncated file") from None
        if self.reconnects >= p.reconnect_attempts:
            raise media_error(f"gave up after {self.reconnects} reconnects to", p.source, exc,
                              position=position) from None
        self._set_state("reconnecting")
        wait = min(10.0, p.reconnect_backoff_s * 2 ** self.reconnects)
        self.reconnects += 1
        log.warning("%s: %s; reconnect %d in %.1f s", describe_target(p.source),
                    media_error("lost", p.source, exc).args[0], self.reconnects, wait)
        self._close()
        time.sleep(wait)
        frame_us = round(1e6 / self.context.fps)
        try:
            self._open()
        except PolicyError:
            raise
        except Exception as reopen_error:
            log.warning("reconnect failed: %s", reopen_error)
            self._it = iter(())
            return True  # the next tick ends the (empty) iterator and tries again
        self.offset_us = (self.last_pts_us or 0) + frame_us
        self._it = self._decode()
        return True

    def _close(self) -> None:
        if getattr(self, "container", None) is not None:
            try:
                self.container.close()
            except Exception:
                log.debug("closing %s", describe_target(self.params.source), exc_info=True)
            self.container = None

    def teardown(self) -> None:
        """Close the container."""
        self._close()

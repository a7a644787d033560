"""encode.h264: yuv420p video to H.264 packets with libx264 (PyAV), threaded, opened on the first frame."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Literal

import av
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggpgfx.errors import ConfigError
from ggpgfx.graph.fields import Device, FfmpegOptions
from ggpgfx.graph.node import Message, Node, Port, Resources, VideoCaps, register_node
from ggpgfx.media.av_convert import av_to_packet, us_to_ticks, video_to_av
from ggpgfx.media.frames import Packet, VideoFrame
from ggpgfx.media.video_encoder import bits_per_second
from ggpgfx.telemetry.rates import MediaRate

TIME_BASE = Fraction(1, 90_000)
PICTURE_NONE, PICTURE_I = 0, 1  # AVPictureType values
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
           "placebo")
TUNES = ("film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode", "zerolatency")


class H264Params(BaseModel):
    """libx264 settings; CRF or a bitrate (with maxrate/bufsize for CBR-like streaming)."""

    model_config = ConfigDict(extra="forbid")
    preset: str = Field("veryfast", description="x264 preset: ultrafast .. placebo")
    tune: str | None = Field(None, description="x264 tune, e.g. zerolatency for live previews")
    crf: float | None = Field(None, ge=0, le=51, description="constant quality (used when no bitrate)")
    bitrate: str | int | None = Field(None, description="target bitrate, e.g. 6M")
    maxrate: str | int | None = Field(None, description="VBV max rate, e.g. 6M")
    bufsize: str | int | None = Field(None, description="VBV buffer, e.g. 12M")
    keyint: int | None = Field(None, ge=1, le=1000, description="frames between keyframes (default 2 s)")
    bframes: int | None = Field(None, ge=0, le=16, description="B-frames (default: as the preset and tune say)")
    profile: Literal["baseline", "main", "high"] | None = None
    threads: int = Field(0, ge=0, le=64, description="0: as many as useful")
    fps: float | None = Field(None, gt=0, description="nominal frame rate; default: the graph's fps")
    options: FfmpegOptions = Field(default_factory=dict, description="extra libx264 / AVCodecContext options")
    device: Device = Field("cpu", description="cuda or cuda:N: NVIDIA's h264_nvenc when PyAV's FFmpeg has it and "
                                              "the GPU has NVENC, else libx264 with the reason logged once")

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r}; choose one of {', '.join(PRESETS)}")
        return value

    @field_validator("tune")
    @classmethod
    def _tune(cls, value: str | None) -> str | None:
        if value is not None and any(t not in TUNES for t in value.split(",")):
            raise ValueError(f"unknown tune {value!r}; choose from {', '.join(TUNES)}")
        return value


def open_h264(params: H264Params, width: int, height: int, fps: float) -> Any:
    """An opened libx264 codec context for these params (MediaError naming the option when it fails)."""
    from ggpgfx.media.errors import media_error

    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = TIME_BASE
    ctx.framerate = Fraction(fps).limit_denominator(1001)
    # zerolatency asks x264 for sliced threads (no frame delay); FFmpeg's wrapper turns them into frame
    # threads (1 frame of delay per extra thread: 2 frames on 2 cores) unless the thread type is SLICE only
    ctx.thread_type = "SLICE" if params.tune and "zerolatency" in params.tune else "AUTO"
    ctx.thread_count = params.threads
    if params.bframes is not None:
        ctx.max_b_frames = params.bframes
    ctx.gop_size = params.keyint or max(1, round(2 * fps))
    options = {"preset": params.preset}
    if params.tune:
        options["tune"] = params.tune
    bitrate = bits_per_second(params.bitrate)
    if bitrate:
        ctx.bit_rate = bitrate
    elif params.crf is not None:
        options["crf"] = f"{params.crf:g}"
    maxrate, bufsize = bits_per_second(params.maxrate), bits_per_second(params.bufsize)
    if maxrate:
        options["maxrate"] = str(maxrate)
        options["bufsize"] = str(bufsize or 2 * maxrate)
    if params.profile:
        options["profile"] = params.profile
    options.update({k: str(v) for k, v in params.options.items()})
    known = ctx.supported_options
    supported = {opt.name for opt in (*known.generic, *known.private)}
    unknown = sorted(k for k in params.options if k not in supported)
    if unknown:
        raise ConfigError(f"libx264 has no option {', '.join(map(repr, unknown))}")
    ctx.options = options
    try:
        ctx.open()
    except Exception as exc:
        detail = ", ".join(f"{k}={v}" for k, v in options.items())
        raise media_error("libx264 rejected the options", detail, exc) from None
    return ctx


#: x264 presets onto NVENC's p1 (fastest) .. p7 (best).
NVENC_PRESETS = {"ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p3", "fast": "p4",
                 "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7", "placebo": "p7"}


def open_nvenc(params: H264Params, width: int, height: int, fps: float, gpu: int = 0) -> Any:
    """An opened h264_nvenc codec context for these params (x264-only `options` are not passed on)."""
    if "h264_nvenc" not in av.codecs_available:
        raise ConfigError("PyAV's FFmpeg has no h264_nvenc encoder")
    ctx = av.CodecContext.create("h264_nvenc", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = TIME_BASE
    ctx.framerate = Fraction(fps).limit_denominator(1001)
    ctx.gop_size = params.keyint or max(1, round(2 * fps))
    if params.bframes is not None:
        ctx.max_b_frames = params.bframes
    options = {"preset": NVENC_PRESETS[params.preset], "gpu": str(gpu)}
    if params.tune and "zerolatency" in params.tune:
        options.update(tune="ll", zerolatency="1")
    bitrate = bits_per_second(params.bitrate)
    if bitrate:
        ctx.bit_rate = bitrate
    elif params.crf is not None:
        options.update(rc="vbr", cq=f"{params.crf:g}")
    maxrate, bufsize = bits_per_second(params.maxrate), bits_per_second(params.bufsize)
    if maxrate:
        options["maxrate"] = str(maxrate)
        options["bufsize"] = str(bufsize or 2 * maxrate)
    if params.profile:
        options["profile"] = params.profile
    ctx.options = options
    ctx.open()
    return ctx


@register_node
class H264Encoder(Node):
    """Encode yuv420p frames to H.264 with libx264 (threaded); SPS/PPS repeat on every keyframe."""

    type_name = "encode.h264"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"), doc="frames to encode")}
    outputs = {"packets": Port(Packet, doc="H.264 packets (Annex B), pts/dts in 1/90000 s")}
    Params = H264Params
    resources = Resources(cpu=2)

    def setup(self) -> None:
        """Check the options now (a bad option fails the graph before any frame)."""
        self.fps = self.params.fps or self.context.fps
        open_h264(self.params, 64, 64, self.fps)  # validates preset/tune/options on a tiny frame
        self.codec = "libx264"
        if self.context.device.startswith("cuda"):
            try:  # NVENC has a minimum size: probe with a small but valid frame
                open_nvenc(self.params, 256, 256, self.fps, int(self.context.device.split(":")[1]))
                self.codec = "h264_nvenc"
            except Exception as exc:  # no NVENC (H100/H200 have none), no driver, no such encoder in FFmpeg
                self.log.warning("%s (encode.h264): h264_nvenc unavailable (%s): encoding with libx264",
                                 self.id, exc)
        self.ctx: Any = None
        self.size: tuple[int, int] | None = None
        self.last_pts: int | None = None
        self.stream_info: dict[str, Any] = {}
        self.frames_in = 0
        self.frame_rate = MediaRate()  # frames in: media time against wall time
        self.packet_rate = MediaRate()  # packets out: bits per media second
        self.next_report = 0.0
        self.first_packet = True

    def _open(self, frame: VideoFrame) -> None:
        if self.codec == "h264_nvenc":
            self.ctx = open_nvenc(self.params, frame.width, frame.height, self.fps,
                                  int(self.context.device.split(":")[1]))
        else:
            self.ctx = open_h264(self.params, frame.width, frame.height, self.fps)
        self.size = (frame.width, frame.height)
        self.stream_info = {"width": frame.width, "height": frame.height, "pix_fmt": "yuv420p", "fps": self.fps,
                            "profile": self.params.profile or "high", "bit_rate": self.ctx.bit_rate or 0}

    def process(self, port: str, msg: Message) -> None:
        """Encode one frame; emit every packet the encoder releases."""
        frame: VideoFrame = msg.payload
        if self.ctx is None:
            self._open(frame)
        elif (frame.width, frame.height) != self.size:
            raise ConfigError(f"frame size changed from {self.size[0]}x{self.size[1]} to "  # type: ignore[index]
                              f"{frame.width}x{frame.height}; put a scaler before encode.h264")
        avf = video_to_av(frame)
        if avf.format.name != "yuv420p":
            avf = avf.reformat(format="yuv420p")
        pts = us_to_ticks(msg.pts, TIME_BASE)
        if self.last_pts is not None and pts <= self.last_pts:
            pts = self.last_pts + 1  # the encoder needs strictly increasing pts
        self.last_pts = pts
        avf.pts = pts
        avf.time_base = TIME_BASE
        # a decoded frame still carries its source picture type: libx264 would obey an I there and
        # copy the source's GOP; only an explicit request forces a keyframe
        avf.pict_type = PICTURE_I if frame.meta.get("force_keyframe") else PICTURE_NONE
        self.frames_in += 1
        self.frame_rate.add(msg.pts, 0)
        self._emit(self.ctx.encode(avf))
        self._report()

    def _report(self, force: bool = False) -> None:
        """Bitrate and speed against real time as node metrics (twice a second at most)."""
        now = time.monotonic()
        if force or now >= self.next_report:
            self.next_report = now + 0.5
            self.set_metric("encoder_bitrate_bps", self.packet_rate.bitrate_bps())
            self.set_metric("encoder_speed_ratio", self.frame_rate.speed_ratio())

    def _emit(self, packets: list[Any]) -> None:
        if packets and self.first_packet:
            # start-up to the first encoded packet (bench_media.py subtracts the time it launched the process)
            self.first_packet = False
            self.set_metric("first_packet_unix_s", time.time())
            self.set_metric("first_packet_process_cpu_s", time.process_time())
        for pkt in packets:
            packet = av_to_packet(pkt, "video", "h264", self.stream_info)
            packet.time_base = TIME_BASE
            self.packet_rate.add(packet.pts_us, len(packet.data))
            self.emit("packets", packet, pts=packet.pts_us)

    def on_eos(self) -> None:
        """Drain the encoder's delayed frames."""
        if self.ctx is not None:
            self._emit(self.ctx.encode(None))
            self._report(force=True)

    def teardown(self) -> None:
        """Drop the codec context."""
        self.ctx = None

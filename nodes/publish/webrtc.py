"""publish.webrtc: a low-latency browser preview (video, and audio when connected) over WebRTC (aiortc),
signalled WHEP-style over HTTP."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import av
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.av_convert import AV_FRAME_KEY, VIDEO_TIME_BASE, audio_to_av, us_to_ticks, video_to_av
from ggpgfx.media.frames import AudioFrame, VideoFrame

#: Opus runs at 48 kHz; aiortc's encoder takes s16 mono or stereo.
OPUS_RATE = 48_000


class WebRtcParams(BaseModel):
    """Where the signalling endpoint listens and what the preview looks like."""

    model_config = ConfigDict(extra="forbid")
    host: str = Field("127.0.0.1", description="HTTP bind address of the page and the WHEP endpoint")
    port: int = Field(0, ge=0, le=65535, description="0: any free port (logged)")
    width: int = Field(640, ge=16, le=3840, description="preview width (height keeps the aspect ratio)")
    max_fps: float = Field(30.0, gt=0, le=120, description="frames pushed to viewers per second at most")
    codec: Literal["vp8", "h264"] | None = Field(None, description="preferred codec (default: as negotiated)")
    loopback_only: bool = Field(False, description="offer only 127.0.0.1 ICE candidates (tests, same machine)")


@register_node
class WebRtcPreview(Node):
    """Serve the video to browsers over WebRTC: GET / is a player page, POST /whep takes an SDP offer."""

    type_name = "publish.webrtc"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"video": Port(VideoFrame, policy="latest", doc="video to preview (the newest frame wins)"),
              "audio": Port(AudioFrame, required=False,
                            doc="optional sound (Opus to the viewers; a viewer more than 1 s behind skips ahead)")}
    Params = WebRtcParams

    def setup(self) -> None:
        """Start the HTTP + WebRTC server on its own thread."""
        from ggpgfx.media.webrtc import PreviewServer, loopback_ice_only

        p = self.params
        if p.loopback_only:
            loopback_ice_only()
        self.server = PreviewServer(p.host, p.port, p.codec, audio="audio" in self.context.connected_inputs)
        self.server.start()
        self.log.info("WebRTC preview at %s (WHEP: %swhep)", self.server.url, self.server.url)
        self.last_push_us: int | None = None
        self.frames_pushed = 0
        self.audio_pushed = 0
        self.resampler: av.AudioResampler | None = None
        self.audio_next = 0

    def process(self, port: str, msg: Message) -> None:
        """Hand a block of audio to the viewers as 48 kHz s16 stereo (what aiortc's Opus encoder takes)."""
        frame: AudioFrame = msg.payload
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="s16", layout="stereo", rate=OPUS_RATE)
            self.audio_next = msg.pts * OPUS_RATE // 1_000_000
        for block in self.resampler.resample(audio_to_av(frame)):
            block.time_base = Fraction(1, OPUS_RATE)
            block.pts = self.audio_next
            self.audio_next += block.samples
            self.server.push_audio(block)
            self.audio_pushed += 1

    def on_latest(self, port: str, msg: Message) -> None:
        """Scale the newest frame to the preview size and hand it to the viewers."""
        p = self.params
        if self.last_push_us is not None and msg.pts - self.last_push_us < 1e6 / p.max_fps - 500:
            return
        frame: VideoFrame = msg.payload
        height = max(2, round(frame.height * p.width / frame.width) // 2 * 2)
        source = video_to_av(frame)  # the decoder's own frame when the planes still view it, else a fresh copy
        avf: Any = source if (frame.width, frame.height) == (p.width, height) else \
            source.reformat(width=p.width, height=height, format="yuv420p")
        handle = frame.meta.get(AV_FRAME_KEY)
        if avf is source and handle is not None and handle.frame is source:
            # the decoder's buffer, which overlays may still draw into: viewers keep their own copy
            avf = av.VideoFrame.from_ndarray(source.to_ndarray(), format="yuv420p")
        avf.pts = us_to_ticks(msg.pts, VIDEO_TIME_BASE)
        avf.time_base = VIDEO_TIME_BASE
        self.server.push(avf)
        self.last_push_us = msg.pts
        self.frames_pushed += 1

    @property
    def url(self) -> str:
        """The preview page URL."""
        return self.server.url

    def teardown(self) -> None:
        """Hang up viewers and stop the server."""
        server = getattr(self, "server", None)
        if server is not None:
            server.close()

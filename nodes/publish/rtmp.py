"""publish.rtmp: FLV over RTMP/RTMPS to a server (Twitch, YouTube, nginx-rtmp), reconnecting with backoff."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggpgfx.graph.fields import FfmpegOptions, OutputUrl, StreamKey
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import Packet
from ggpgfx.media.live_output import LiveOutput
from ggpgfx.media.redact import redact_url
from ggpgfx.policy import check_connect


class RtmpParams(BaseModel):
    """Server URL and stream key (the key is never logged)."""

    model_config = ConfigDict(extra="forbid")
    url: OutputUrl = Field(description="rtmp://host[:port]/app[/key] or rtmps://...")
    stream_key: StreamKey | None = Field(None, description="appended to the URL; masked in every log and error")
    buffer_s: float = Field(5.0, gt=0, le=600, description="media kept while disconnected (oldest GOPs dropped)")
    backoff_s: float = Field(0.5, gt=0, description="first reconnect wait, doubled up to max_backoff_s")
    max_backoff_s: float = Field(10.0, gt=0)
    max_reconnects: int | None = Field(None, ge=0, description="fail the graph after this many failed retries in a row; default: never")
    drain_timeout_s: float = Field(15.0, gt=0, description="at end of stream, time allowed to send the rest")
    options: FfmpegOptions = Field(default_factory=dict, description="FFmpeg flv muxer options")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.lower().startswith(("rtmp://", "rtmps://")):
            raise ValueError(f"an RTMP URL starts with rtmp:// or rtmps://, got {redact_url(value)!r}")
        return value


@register_node
class RtmpPublisher(Node):
    """Publish packets as FLV over RTMP; a dropped server is reconnected (counted, logged), never fatal."""

    type_name = "publish.rtmp"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"packets": Port(Packet, doc="H.264 video and AAC audio packets")}
    outputs = {"status": Port(dict, doc="connection state changes: {state, connects, reconnects, ...}")}
    Params = RtmpParams

    def setup(self) -> None:
        """Start the sender thread; it connects on the first keyframe."""
        p = self.params
        key = p.stream_key.get_secret_value() if p.stream_key else ""
        self.target = p.url.rstrip("/") + "/" + key if key else p.url
        self.output = LiveOutput(self.target, "flv", p.options, buffer_s=p.buffer_s, backoff_s=p.backoff_s,
                                 max_backoff_s=p.max_backoff_s, max_reconnects=p.max_reconnects,
                                 secrets=(key,) if key else (), name=f"{self.id} {redact_url(self.target)}",
                                 check=lambda: check_connect(self.target, self.context.policy))
        self.reported = ""

    def process(self, port: str, msg: Message) -> None:
        """Hand the packet to the sender (never blocks the graph)."""
        if self.output.error is not None:
            raise self.output.error
        self.output.put(msg.payload)
        self._report()

    def _report(self) -> None:
        """Emit the sender's state when it changed (checked on the graph thread, once per packet)."""
        state = self.output.stats.state
        self.set_metric("output_connected", 1.0 if state == "connected" else 0.0)
        self.set_metric("output_reconnects", self.output.stats.reconnects)
        if state != self.reported:
            self.reported = state
            self.emit("status", {"target": redact_url(self.target), **self.stats()})

    @property
    def reconnects(self) -> int:
        """How many times the connection was re-established."""
        return self.output.stats.reconnects

    def stats(self) -> dict[str, Any]:
        """Sender counters: connects, reconnects, failures, packets sent and dropped, state."""
        s = self.output.stats
        return {"state": s.state, "connects": s.connects, "reconnects": s.reconnects, "failures": s.failures,
                "packets_sent": s.packets_sent, "packets_dropped": s.packets_dropped, "bytes_sent": s.bytes_sent}

    def on_eos(self) -> None:
        """Send what is buffered (bounded), then close the connection."""
        self.output.close(self.params.drain_timeout_s)
        self._report()
        self.log.info("%s: %s", redact_url(self.target), self.stats())
        if self.output.error is not None:
            raise self.output.error

    def teardown(self) -> None:
        """Stop the sender if the graph stopped early."""
        self.output.abort()

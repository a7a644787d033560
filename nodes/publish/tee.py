"""publish.tee: one encode to several destinations (Twitch + YouTube + a recording), each on its own thread.

A slow or dropped destination never holds up the others or the graph: network destinations buffer a
bounded window and reconnect with backoff; file destinations are lossless and fail the graph on error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import Container, FfmpegOptions, OutputTarget
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.errors import describe_target, is_url
from ggpgfx.media.frames import Packet
from ggpgfx.media.live_output import LiveOutput
from ggpgfx.media.mux import guess_format
from ggpgfx.policy import check_connect


class Destination(BaseModel):
    """One output: a URL (rtmp://, rtmps://, srt://, udp://) or a file path."""

    model_config = ConfigDict(extra="forbid")
    target: OutputTarget = Field(description="URL or file path")
    stream_key: str | None = Field(None, description="appended to an RTMP URL; masked in logs")
    format: Container | None = Field(None, description="container; default from the URL scheme or file suffix")
    options: FfmpegOptions = Field(default_factory=dict, description="FFmpeg muxer options")
    required: bool = Field(False, description="fail the graph when this destination gives up")


class TeeParams(BaseModel):
    """Destinations and the network buffering/reconnect policy."""

    model_config = ConfigDict(extra="forbid")
    destinations: list[Destination] = Field(min_length=1)
    buffer_s: float = Field(5.0, gt=0, le=600, description="network: media kept while disconnected")
    backoff_s: float = Field(0.5, gt=0)
    max_backoff_s: float = Field(10.0, gt=0)
    max_reconnects: int | None = Field(None, ge=0, description="network: give up after this many failures in a row")
    drain_timeout_s: float = Field(15.0, gt=0)


@register_node
class Tee(Node):
    """Send the same packets to several destinations at once, each isolated on its own sender thread."""

    type_name = "publish.tee"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"packets": Port(Packet, doc="video and audio packets")}
    Params = TeeParams

    def setup(self) -> None:
        """Start one sender per destination."""
        p = self.params
        self.outputs_: list[tuple[Destination, LiveOutput]] = []
        for dest in p.destinations:
            target = dest.target
            secrets: tuple[str, ...] = ()
            if dest.stream_key:
                target = dest.target.rstrip("/") + "/" + dest.stream_key
                secrets = (dest.stream_key,)
            network = is_url(target)
            if not network:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            options = dict(dest.options)
            fmt = dest.format or guess_format(target)
            if fmt in ("mp4", "mov") and "movflags" not in options:
                options["movflags"] = "+faststart"
            output = LiveOutput(target, fmt, options,
                                buffer_s=p.buffer_s if network else 1e9,  # files: lossless
                                backoff_s=p.backoff_s, max_backoff_s=p.max_backoff_s,
                                max_reconnects=p.max_reconnects if network else 0, secrets=secrets,
                                name=f"{self.id} {describe_target(target)}",
                                check=(lambda t=target: check_connect(t, self.context.policy)) if network else None)
            self.outputs_.append((dest, output))

    def process(self, port: str, msg: Message) -> None:
        """Hand the packet to every live destination."""
        for dest, output in self.outputs_:
            if output.error is not None:
                if dest.required or not is_url(dest.target):
                    raise output.error
                continue
            output.put(msg.payload)
        states = [o.stats.state for _, o in self.outputs_]
        self.set_metric("output_connected", 1.0 if all(s == "connected" for s in states) else 0.0)
        self.set_metric("output_reconnects", sum(o.stats.reconnects for _, o in self.outputs_))

    def on_eos(self) -> None:
        """Drain every destination (in parallel, bounded), then report."""
        import threading

        closers = [threading.Thread(target=o.close, args=(self.params.drain_timeout_s,)) for _, o in self.outputs_]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(self.params.drain_timeout_s + 10)
        for dest, output in self.outputs_:
            if output.error is not None and (dest.required or not is_url(dest.target)):
                raise output.error

    def stats(self) -> list[dict[str, Any]]:
        """Per destination: target (masked), state, connects, reconnects, packets sent and dropped."""
        return [{"target": o.label, "state": o.stats.state, "connects": o.stats.connects,
                 "reconnects": o.stats.reconnects, "failures": o.stats.failures,
                 "packets_sent": o.stats.packets_sent, "packets_dropped": o.stats.packets_dropped}
                for _, o in self.outputs_]

    def teardown(self) -> None:
        """Stop senders left running after an error."""
        for _, output in getattr(self, "outputs_", []):
            output.abort()

"""Node types used only by the runtime tests (registered under the `test.` stage)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, VideoCaps, register_node
from ggpgfx.media.frames import Packet, VideoFrame


@register_node
class Counter(Node):
    """Emit the integers 0..count-1 with pts = i * step_us."""

    type_name = "test.counter"
    outputs = {"out": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int = 10
        step_us: int = 1000
        offset_us: int = 0

    def setup(self) -> None:
        self.i = 0

    def tick(self) -> bool:
        if self.i >= self.params.count:
            return False
        self.emit("out", self.i, pts=self.params.offset_us + self.i * self.params.step_us)
        self.i += 1
        return True


@register_node
class VideoSink(Node):
    """Accept yuv420p video only."""

    type_name = "test.video_sink"
    inputs = {"video": Port(VideoFrame, caps=VideoCaps(format="yuv420p"))}

    def process(self, port: str, msg: Message) -> None:
        pass


@register_node
class PacketSink(Node):
    """Accept encoded packets only."""

    type_name = "test.packet_sink"
    inputs = {"packets": Port(Packet)}

    def process(self, port: str, msg: Message) -> None:
        pass


@register_node
class NeedsParams(Node):
    """A node with required params."""

    type_name = "test.needs_params"
    inputs = {"inp": Port(Any, required=False)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        path: str
        count: int = 1

    def process(self, port: str, msg: Message) -> None:
        pass


@register_node
class Loop(Node):
    """Forward ints; used to build cycles."""

    type_name = "test.loop"
    inputs = {"inp": Port(int), "back": Port(int, required=False)}
    outputs = {"out": Port(int)}

    def process(self, port: str, msg: Message) -> None:
        if port == "inp":
            self.emit("out", msg.payload)


@register_node
class Pair(Node):
    """Pair messages of two sync inputs by pts."""

    type_name = "test.pair"
    inputs = {"a": Port(int, policy="sync"), "b": Port(int, policy="sync")}
    outputs = {"out": Port(tuple)}

    def process_sync(self, messages: dict[str, Message]) -> None:
        self.emit("out", (messages["a"].payload, messages["b"].payload, messages["a"].pts))


@register_node
class Latest(Node):
    """Tag each queued value with the latest value of another input."""

    type_name = "test.latest"
    inputs = {"inp": Port(int), "state": Port(int, policy="latest", required=False)}
    outputs = {"out": Port(tuple)}

    def process(self, port: str, msg: Message) -> None:
        self.emit("out", (msg.payload, self.latest("state")))


@register_node
class Fail(Node):
    """Raise when the value `at` arrives."""

    type_name = "test.fail"
    inputs = {"inp": Port(int)}
    outputs = {"out": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        at: int = 3

    def process(self, port: str, msg: Message) -> None:
        if msg.payload == self.params.at:
            raise ValueError(f"value {msg.payload} is not allowed")
        self.emit("out", msg.payload)


@register_node
class Slow(Node):
    """Sleep per message, then forward it (for backpressure tests)."""

    type_name = "test.slow"
    inputs = {"inp": Port(int)}
    outputs = {"out": Port(int)}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        seconds: float = Field(0.01, ge=0)

    def process(self, port: str, msg: Message) -> None:
        time.sleep(self.params.seconds)
        self.emit("out", msg.payload)


@register_node
class Flusher(Node):
    """Buffer everything and emit it all at end of stream (EOS handling)."""

    type_name = "test.flusher"
    inputs = {"inp": Port(int)}
    outputs = {"out": Port(int)}

    def setup(self) -> None:
        self.buffer: list[int] = []

    def process(self, port: str, msg: Message) -> None:
        self.buffer.append(msg.payload)

    def on_eos(self) -> None:
        for value in self.buffer:
            self.emit("out", value, pts=value)


@register_node
class Endless(Node):
    """A source that never ends on its own (Ctrl-C tests)."""

    type_name = "test.endless"
    outputs = {"out": Port(int)}

    def setup(self) -> None:
        self.i = 0

    def tick(self) -> bool:
        self.emit("out", self.i, pts=self.i * 1000)
        self.i += 1
        return True


@register_node
class Paint(Node):
    """Draw into the frame (a writer that must respect copy-on-write)."""

    type_name = "test.paint"
    inputs = {"video": Port(VideoFrame)}
    outputs = {"video": Port(VideoFrame)}

    def process(self, port: str, msg: Message) -> None:
        frame = msg.payload.writable()
        frame.planes[0][:4, :4] = 0
        self.emit("video", frame)

"""sink.collect: keeps the payloads it receives in memory (tests and the Python API)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, register_node


@register_node
class CollectSink(Node):
    """Keep received payloads (up to `limit`) so a test or script can read them after the run."""

    type_name = "sink.collect"
    inputs = {"inp": Port(Any, doc="anything")}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        limit: int = Field(10_000, ge=1, description="keep at most this many payloads (the newest)")
        keep_messages: bool = Field(False, description="keep whole Messages (pts, seq, origin) instead of payloads")

    def setup(self) -> None:
        """Start with an empty list."""
        self.items: list[Any] = []

    def process(self, port: str, msg: Message) -> None:
        """Append the payload, dropping the oldest beyond the limit."""
        self.items.append(msg if self.params.keep_messages else msg.payload)
        if len(self.items) > self.params.limit:
            del self.items[0]

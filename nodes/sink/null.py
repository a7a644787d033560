"""sink.null: accepts anything and discards it."""

from __future__ import annotations

from typing import Any

from ggpgfx.graph.node import Message, Node, Port, register_node


@register_node
class NullSink(Node):
    """Discard every message (for benchmarks and to terminate unused outputs)."""

    type_name = "sink.null"
    inputs = {"inp": Port(Any, doc="anything")}

    def process(self, port: str, msg: Message) -> None:
        """Drop the message."""

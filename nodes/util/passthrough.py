"""util.passthrough: forwards every message unchanged (benchmarks, graph plumbing)."""

from __future__ import annotations

from typing import Any

from ggpgfx.graph.node import Message, Node, Port, register_node


@register_node
class Passthrough(Node):
    """Forward each message unchanged, keeping its pts."""

    type_name = "util.passthrough"
    inputs = {"inp": Port(Any)}
    outputs = {"out": Port(Any)}

    def process(self, port: str, msg: Message) -> None:
        """Emit the same payload."""
        self.emit("out", msg.payload)

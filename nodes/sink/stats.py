"""sink.stats: counts messages, measures their rate and pts span, logs a summary at the end."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, register_node


@register_node
class StatsSink(Node):
    """Count messages and log rate, pts span and sequence gaps; `summary` holds the numbers."""

    type_name = "sink.stats"
    inputs = {"inp": Port(Any, doc="anything")}

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        log_every: int = Field(0, ge=0, description="log a line every N messages (0: only at the end)")

    def setup(self) -> None:
        """Reset counters."""
        self.count = 0
        self.gaps = 0
        self.first_pts: int | None = None
        self.last_pts: int | None = None
        self.last_seq: int | None = None
        self.began = time.monotonic()
        self.summary: dict[str, Any] = {}

    def process(self, port: str, msg: Message) -> None:
        """Count one message."""
        self.count += 1
        if self.first_pts is None:
            self.first_pts = msg.pts
        self.last_pts = msg.pts
        if self.last_seq is not None and msg.seq != self.last_seq + 1:
            self.gaps += 1
        self.last_seq = msg.seq
        if self.params.log_every and self.count % self.params.log_every == 0:
            self.log.info("%s: %d messages, pts %s", self.id, self.count, msg.pts)

    def on_eos(self) -> None:
        """Compute and log the summary."""
        elapsed = time.monotonic() - self.began
        span = (self.last_pts - self.first_pts) / 1e6 if self.first_pts is not None and self.last_pts is not None else 0.0
        self.summary = {"messages": self.count, "seconds": elapsed, "rate": self.count / max(elapsed, 1e-9),
                        "pts_span_s": span, "sequence_gaps": self.gaps}
        self.log.info("%s: %s", self.id, self.summary)

"""publish.events: game events and stats to an append-only Parquet log (GGP_HOME) and, optionally, Kafka."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import NetAddress, OutputPath
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.event_log import EventLog, event_record


class EventsParams(BaseModel):
    """Where the log lives, how often it compacts, and the optional Kafka topic."""

    model_config = ConfigDict(extra="forbid")
    folder: OutputPath | None = Field(None, description="log folder (default: GGP_HOME/events/<graph>/<node>)")
    compact_every: int = Field(1000, ge=1, description="write a Parquet part after this many events")
    compact_s: float = Field(10.0, gt=0, description="... or after this many seconds")
    fsync: bool = Field(False, description="fsync every event (survives power loss, not only a killed process)")
    kafka_bootstrap: NetAddress | None = Field(None, description="host:port[,host:port]; unset: no Kafka")
    kafka_topic: str = Field("ggp.events")
    drain_timeout_s: float = Field(15.0, gt=0, description="at end of stream, time allowed to empty the backlog")


@register_node
class EventsPublisher(Node):
    """Log every event exactly once by key (WAL + Parquet parts) and ship it to Kafka at least once."""

    type_name = "publish.events"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"events": Port(BaseModel, doc="GameEvents, stats or any pydantic model (keyed by `key`)")}
    Params = EventsParams

    def setup(self) -> None:
        """Open the log (recovering after a crash) and start the Kafka sender when configured."""
        p = self.params
        folder = Path(p.folder) if p.folder else self.context.home / "events" / self.context.graph_name / self.id
        self.log_ = EventLog(folder, fsync=p.fsync)
        self.sender: Any = None
        if p.kafka_bootstrap:
            from ggpgfx.media.kafka_sender import KafkaSender

            self.sender = KafkaSender(self.log_.wal_path, p.kafka_bootstrap, p.kafka_topic)
        self.since_compact = 0
        self.last_compact = time.monotonic()

    def process(self, port: str, msg: Message) -> None:
        """Append the event (durable when this returns); compact and wake the sender as due."""
        if not self.log_.append(event_record(msg.payload, msg.pts)):
            return
        self.since_compact += 1
        if self.sender is not None:
            self.sender.notify()
        if self.since_compact >= self.params.compact_every or \
                time.monotonic() - self.last_compact >= self.params.compact_s:
            self.log_.compact()
            self.since_compact = 0
            self.last_compact = time.monotonic()

    def stats(self) -> dict[str, Any]:
        """Events appended and skipped as duplicates; Kafka state, sent count and backlog."""
        result: dict[str, Any] = {"appended": self.log_.appended, "duplicates": self.log_.duplicates,
                                  "parts": len(self.log_.parts())}
        if self.sender is not None:
            result |= {"kafka_state": self.sender.state, "kafka_sent": self.sender.sent,
                       "kafka_failures": self.sender.failures, "kafka_backlog_bytes": self.sender.backlog_bytes()}
        return result

    def on_eos(self) -> None:
        """Compact the rest; give Kafka a bounded time to catch up (the WAL keeps any backlog)."""
        self.log_.compact()
        if self.sender is not None:
            self.sender.close(self.params.drain_timeout_s)
            self.log.info("events: %s", self.stats())

    def teardown(self) -> None:
        """Close the log and stop the sender."""
        if self.sender is not None and self.sender.thread.is_alive():
            self.sender.close(1.0)
        log_ = getattr(self, "log_", None)
        if log_ is not None and not log_.wal.closed:
            log_.close()

"""ingest.rfid: card reads from an RFID table reader over TCP, serial or HTTP push, with health reports."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import FilePath, MediaUrl
from ggpgfx.graph.node import Node, Port, Resources, register_node
from ggpgfx.poker.messages import card_reads_table, load_card_reads
from ggpgfx.rfid.reader import ReaderHealth
from ggpgfx.types import CardReads


@register_node
class RfidIngest(Node):
    """Reads tag frames from a reader, maps antennas to zones and tags to cards, emits each card once."""

    type_name = "ingest.rfid"
    outputs = {
        "reads": Port(CardReads, doc="one row per card placed in a zone (source 'rfid')"),
        "health": Port(ReaderHealth, doc="connection, last read, read rate and rejection counters"),
    }
    resources = Resources(cpu=0.1)

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        source: MediaUrl = Field(..., description="tcp://HOST:PORT, serial:/dev/ttyUSB0 (or serial:socket://...), "
                                             "http://HOST:PORT (listen for pushes)")
        deck: FilePath | None = Field(None, description="deck JSON from `ggp rfid register-deck`; default: simulator deck")
        deck_seed: int = Field(0, description="seed of the simulator deck when `deck` is not given")
        antennas: dict[str, str] | FilePath | None = Field(None, description="{antenna: seat:N|board|muck|burn} or a file")
        baudrate: int = Field(115200, description="serial sources only")
        absence_s: float = Field(3.0, gt=0, description="a tag not reported for this long has left the field")
        move_after_s: float = Field(0.5, ge=0, description="a card may show up on another antenna after this")
        emit_unregistered: bool = Field(False, description="emit unknown tags with a null card")
        health_interval_s: float = Field(1.0, gt=0)
        duration_s: float | None = Field(None, gt=0, description="stop after this long; default: run until stopped")
        idle_timeout_s: float | None = Field(None, gt=0, description="stop after this long without a tag frame "
                                                                     "(counted from the first connection)")

    def setup(self) -> None:
        """Load the deck and calibration, then start the transport thread."""
        from ggpgfx.rfid.deck import AntennaMap, DeckRegistry, simulated_deck
        from ggpgfx.rfid.reader import ReadProcessor
        from ggpgfx.rfid.transports import open_transport

        p = self.params
        if self.output_used("reads"):
            load_card_reads()
        deck = DeckRegistry.load(p.deck) if p.deck else simulated_deck(p.deck_seed)
        self.processor = ReadProcessor(deck, AntennaMap.parse(p.antennas), p.absence_s, p.move_after_s,
                                       p.emit_unregistered, source=p.source)
        self.transport = open_transport(p.source, self.processor, p.baudrate)
        self.transport.start()
        self.started = time.monotonic()
        self.next_health = self.started
        self.last_tags = 0
        self.last_activity = self.started

    def _pts(self, now: float) -> int:
        return int((now - self.started) * 1_000_000)

    def tick(self) -> bool:
        """Wait briefly, then emit new reads and, on schedule, a health report."""
        p = self.params
        time.sleep(0.02)  # a reader reports every few ms at most; polling keeps the node simple
        now = time.monotonic()
        self.processor.expire(now)
        rows = self.processor.drain()
        if rows:
            pts = self._pts(now)
            self.emit("reads", card_reads_table([{**row, "pts": pts} for row in rows]), pts=pts)
        tags = self.processor.counters["tags"]
        if tags != self.last_tags or not self.processor.counters["connects"]:
            self.last_tags, self.last_activity = tags, now  # idle time counts once a reader has connected
        if now >= self.next_health:
            self.next_health = now + p.health_interval_s
            health = self.processor.health(now)
            self.set_metric("rfid_reader_connected", 1.0 if health.connected else 0.0)
            # never read yet: silent since the node started
            self.set_metric("rfid_reader_last_read_age_seconds",
                            health.last_read_age_s if health.last_read_age_s is not None else now - self.started)
            self.set_metric("rfid_reader_read_rate", health.read_rate)
            self.emit("health", health, pts=self._pts(now))
        if p.duration_s is not None and now - self.started >= p.duration_s:
            return False
        return not (p.idle_timeout_s is not None and now - self.last_activity >= p.idle_timeout_s)

    def teardown(self) -> None:
        """Stop the transport and log the final counters."""
        transport: Any = getattr(self, "transport", None)
        if transport is not None:
            transport.stop()
            self.log.info("rfid reader %s: %s", self.params.source, self.processor.counters)

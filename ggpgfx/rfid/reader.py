"""Turn protocol lines into card reads: calibration, deck lookup, repeat/duplicate rejection, health counters."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from ggpgfx.rfid.deck import AntennaMap, DeckRegistry
from ggpgfx.rfid.protocol import FrameError, parse_frame

COUNTERS = ("lines", "tags", "emitted", "repeats", "moves", "gone", "expired", "garbage", "bad_checksum",
            "unregistered", "unknown_antenna", "duplicate_cards", "reader_errors", "connects", "disconnects")


class ReaderHealth(BaseModel):
    """Reader health as the `health` port reports it."""

    reader_id: str = ""
    source: str = ""
    connected: bool = False
    last_read_age_s: float | None = None
    read_rate: float = 0.0  # tag frames per second over the last 10 s
    present: int = 0  # tags currently in a field
    counters: dict[str, int] = Field(default_factory=dict)


@dataclass
class _Presence:
    uid: str
    card: str | None
    antenna: int
    zone: str
    seat: int
    last_seen: float


@dataclass
class ReadProcessor:
    """Thread-safe state machine fed with raw lines; `drain()` returns new CardReads rows."""

    deck: DeckRegistry
    antennas: AntennaMap = field(default_factory=AntennaMap)
    absence_s: float = 3.0  # a tag not reported for this long has left the field
    move_after_s: float = 0.5  # a card may appear on another antenna once this long has passed
    emit_unregistered: bool = False
    source: str = ""
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    reader_id: str = ""
    connected: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._present: dict[str, _Presence] = {}  # by uid
        self._by_card: dict[str, str] = {}  # card -> uid
        self._rows: list[dict[str, Any]] = []
        self._recent: deque[float] = deque()
        self._last_read: float | None = None
        self.last_error = ""

    def feed(self, raw: bytes | str, now: float | None = None) -> None:
        """Handle one line from any transport. Never raises for bad input: it is counted instead."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self.counters["lines"] += 1
            try:
                frame = parse_frame(raw)
            except FrameError as exc:
                self.counters[exc.kind] += 1
                self.last_error = str(exc)
                return
            if frame.type == "HELLO":
                self.reader_id = frame.text
            elif frame.type == "ERR":
                self.counters["reader_errors"] += 1
                self.last_error = frame.text
            elif frame.type == "GONE":
                presence = self._present.get(frame.uid)
                if presence is not None and presence.antenna == frame.antenna:
                    self._forget(presence)
                    self.counters["gone"] += 1
            elif frame.type == "TAG":
                self._tag(frame.antenna, frame.uid, now)

    def _forget(self, presence: _Presence) -> None:
        self._present.pop(presence.uid, None)
        if presence.card is not None and self._by_card.get(presence.card) == presence.uid:
            del self._by_card[presence.card]

    def _tag(self, antenna: int, uid: str, now: float) -> None:
        self.counters["tags"] += 1
        self._last_read = now
        self._recent.append(now)
        zone = self.antennas.zone(antenna)
        if zone is None:
            self.counters["unknown_antenna"] += 1
            return
        card = self.deck.card(uid)
        if card is None:
            self.counters["unregistered"] += 1
            if not self.emit_unregistered:
                return
        current = self._present.get(uid)
        if current is not None and current.antenna == antenna:
            current.last_seen = now
            self.counters["repeats"] += 1
            return
        if card is not None:
            holder = self._by_card.get(card)
            other = self._present.get(holder) if holder else None
            if other is not None and other.uid != uid:
                # two tags claim the same card at once: a cloned tag or a second deck on the table
                self.counters["duplicate_cards"] += 1
                self.last_error = f"card {card}: tag {uid} while tag {other.uid} is on antenna {other.antenna}"
                return
            if current is not None:  # the same tag on another antenna: a move, or antenna crosstalk
                settled = now - current.last_seen >= self.move_after_s or zone[0] in ("muck", "burn")
                if not settled:
                    self.counters["duplicate_cards"] += 1
                    return
                self.counters["moves"] += 1
                self._forget(current)
        presence = _Presence(uid, card, antenna, zone[0], zone[1], now)
        self._present[uid] = presence
        if card is not None:
            self._by_card[card] = uid
        self._rows.append({"zone": zone[0], "seat": zone[1], "card": card, "tag_uid": uid, "source": "rfid",
                           "confidence": 1.0 if card is not None else 0.0})
        self.counters["emitted"] += 1

    def expire(self, now: float | None = None) -> None:
        """Forget tags not reported for `absence_s` (readers repeat present tags every inventory round)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for presence in list(self._present.values()):
                if now - presence.last_seen > self.absence_s:
                    self._forget(presence)
                    self.counters["expired"] += 1

    def drain(self) -> list[dict[str, Any]]:
        """New read rows since the last call (without pts)."""
        with self._lock:
            rows, self._rows = self._rows, []
            return rows

    def set_connected(self, connected: bool) -> None:
        """Transports report connection changes here."""
        with self._lock:
            if connected and not self.connected:
                self.counters["connects"] += 1
            if not connected and self.connected:
                self.counters["disconnects"] += 1
            self.connected = connected

    def health(self, now: float | None = None) -> ReaderHealth:
        """A snapshot of connection state, read rate and counters."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._recent and now - self._recent[0] > 10.0:
                self._recent.popleft()
            return ReaderHealth(reader_id=self.reader_id, source=self.source, connected=self.connected,
                                last_read_age_s=None if self._last_read is None else round(now - self._last_read, 3),
                                read_rate=round(len(self._recent) / 10.0, 2), present=len(self._present),
                                counters=dict(self.counters))

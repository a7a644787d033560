"""detect.fuse: merge RFID reads and vision announcements per zone by confidence; disagreements become events.

A card can lie in one place only: a card read in two places in one hand is a `read_conflict` and is held
back ("disputed") from then on, neither place kept, until the operator's read (the `operator` port)
settles it or the hand ends. Vision's "unknown" cards ("??": found, not read surely) are never emitted.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.poker.messages import GameEvent, OperatorAction, card_reads_table
from ggpgfx.types import CardReads

UNKNOWN = "??"  # detect.cards' unknown card (ggpgfx.cards.infer.UNKNOWN)

Key = tuple[str, int]  # (zone, seat)


@register_node
class FuseReads(Node):
    """One trusted card stream from RFID and vision: the more confident source wins, conflicts are reported."""

    type_name = "detect.fuse"
    inputs = {
        "rfid": Port(CardReads, required=False, doc="reads from ingest.rfid"),
        "vision": Port(CardReads, required=False, doc="announcements from detect.cards"),
        "actions": Port(OperatorAction, required=False, doc="operator actions: start_hand/end_hand reset the table"),
        "operator": Port(CardReads, required=False,
                         doc="cards the operator enters: always emitted, and they settle a disputed card"),
    }
    outputs = {
        "reads": Port(CardReads, doc="fused reads (source 'fused'), each card once per zone per hand"),
        "events": Port(GameEvent, doc="read_conflict events when the sources disagree"),
    }

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        grace_s: float = Field(1.0, ge=0, description="how long a vision-only read waits for RFID to confirm it")
        min_vision_confidence: float = Field(0.8, ge=0, le=1, description="vision reads below this are ignored")
        seat_cards: int = Field(2, ge=1, le=7, description="hole cards per seat (4 for Omaha)")
        board_cards: int = Field(5, ge=1, le=5)
        table: str = "table-1"

    def setup(self) -> None:
        """Start with an empty table."""
        self.hand_number = 0
        self.events_sent = 0
        self.stats = {"rfid": 0, "vision": 0, "agreements": 0, "recovered": 0, "conflicts": 0, "unknown": 0,
                      "duplicates": 0, "operator": 0}
        self._reset()

    def _reset(self) -> None:
        self.where: dict[str, Key] = {}  # card -> zone it was emitted in this hand
        self.held: dict[Key, list[str]] = {}  # zone -> cards emitted there
        self.confidence: dict[str, float] = {}
        self.pending: list[tuple[int, dict[str, Any]]] = []  # (due pts, vision row)
        self.disputed: dict[str, list[Key]] = {}  # card -> the places it was seen in this hand (held back)

    def process(self, port: str, msg: Message) -> None:
        """Route by port; flush vision reads whose grace has passed."""
        self._flush(msg.pts)
        if port == "actions":
            action: OperatorAction = msg.payload
            if action.kind in ("start_hand", "end_hand", "misdeal"):
                self._flush(None)
                self._reset()
                if action.kind == "start_hand" and action.hand is not None:
                    self.hand_number = action.hand.hand_number
            return
        table: pa.Table = msg.payload
        rows = [r for r in table.to_pylist() if r.get("card")]
        if port == "operator":
            out = [row for row in rows if self._operator(row)]
        elif port == "rfid":
            out = [row for row in rows if self._rfid(row, msg.pts)]
        else:
            out = []
            for row in rows:
                self.stats["vision"] += 1
                if row["card"] == UNKNOWN:  # found but not read surely: RFID or the operator fills it
                    self.stats["unknown"] += 1
                    continue
                if float(row.get("confidence") or 0) < self.params.min_vision_confidence:
                    continue
                key = (row["zone"], int(row["seat"]))
                if self._still_disputed(row, key):
                    continue
                if self.where.get(row["card"]) == key:
                    self.stats["agreements"] += 1
                elif row["card"] in self.where and key[0] not in ("muck", "burn"):
                    self._conflict(msg.pts, "vision sees a card where RFID placed it elsewhere", row,
                                   self.where[row["card"]])
                    self._dispute(row["card"], [self.where[row["card"]], key])
                elif (other := self._pending_elsewhere(row, key)) is not None:
                    self._conflict(msg.pts, "vision sees the same card in two places", row, other)
                    self._dispute(row["card"], [other, key])
                else:
                    self.pending.append((msg.pts + int(self.params.grace_s * 1e6), row))
        self._send(out, msg.pts)

    def _pending_elsewhere(self, row: dict[str, Any], key: Key) -> Key | None:
        """Where a waiting vision read put this card, when that is another (non-muck/burn) place."""
        if key[0] in ("muck", "burn"):
            return None
        for _, pending in self.pending:
            other = (pending["zone"], int(pending["seat"]))
            if pending["card"] == row["card"] and other != key and other[0] not in ("muck", "burn"):
                return other
        return None

    def _dispute(self, card: str, places: list[Key]) -> None:
        """Hold a card back: it was seen in two places; neither is kept until the operator settles it."""
        self.stats["duplicates"] += 1
        seen = self.disputed.setdefault(card, [])
        seen.extend(p for p in places if p not in seen)
        self.pending = [(d, r) for d, r in self.pending if r["card"] != card]
        old = self.where.pop(card, None)
        if old is not None and card in self.held.get(old, []):
            self.held[old].remove(card)

    def _still_disputed(self, row: dict[str, Any], key: Key) -> bool:
        """A read of a disputed card: not emitted (the new place is remembered for the operator)."""
        seen = self.disputed.get(row["card"])
        if seen is None:
            return False
        if key not in seen:
            seen.append(key)
        return True

    def _operator(self, row: dict[str, Any]) -> bool:
        """The operator's word: settles a dispute and is emitted (with confidence 1) unless already so placed."""
        self.stats["operator"] += 1
        key = (row["zone"], int(row["seat"]))
        self.disputed.pop(row["card"], None)
        self.pending = [(d, r) for d, r in self.pending if r["card"] != row["card"]]
        if self.where.get(row["card"]) == key:
            return False
        row["confidence"] = 1.0
        self._place(row)
        return True

    def _capacity(self, key: Key) -> int:
        return self.params.seat_cards if key[0] == "seat" else self.params.board_cards if key[0] == "board" else 99

    def _place(self, row: dict[str, Any]) -> None:
        key = (row["zone"], int(row["seat"]))
        old = self.where.get(row["card"])
        if old is not None and row["card"] in self.held.get(old, []):
            self.held[old].remove(row["card"])
        self.where[row["card"]] = key
        self.held.setdefault(key, []).append(row["card"])
        self.confidence[row["card"]] = float(row.get("confidence") or 0)

    def _rfid(self, row: dict[str, Any], pts: int) -> bool:
        self.stats["rfid"] += 1
        key = (row["zone"], int(row["seat"]))
        if self._still_disputed(row, key):
            return False
        old = self.where.get(row["card"])
        if old is not None and old != key and key[0] not in ("muck", "burn") and old[0] not in ("muck", "burn"):
            # the same tag read in two live places in one hand (a second deck's card, a misplaced antenna)
            self._conflict(pts, "RFID reads the same card in two places", row, old)
            self._dispute(row["card"], [old, key])
            return False
        for due, pending in list(self.pending):
            if pending["card"] == row["card"]:
                self.pending.remove((due, pending))
                other = (pending["zone"], int(pending["seat"]))
                if other == key:
                    self.stats["agreements"] += 1
                elif "muck" not in (key[0], other[0]) and "burn" not in (key[0], other[0]):
                    self._conflict(pts, "vision and RFID place a card in different zones", pending, key)
                    self._dispute(row["card"], [other, key])
                    return False
        if self.where.get(row["card"]) == key:
            self.stats["agreements"] += 1  # vision announced it first; RFID confirms
            return False
        self._place(row)
        return True

    def _flush(self, pts: int | None) -> None:
        due_rows = [(d, r) for d, r in self.pending if pts is None or d <= pts]
        if not due_rows:
            return
        out = []
        for entry in due_rows:
            self.pending.remove(entry)
            row = entry[1]
            key = (row["zone"], int(row["seat"]))
            if row["card"] in self.where or row["card"] in self.disputed:
                continue
            if len(self.held.get(key, [])) >= self._capacity(key):
                self._conflict(entry[0], "vision sees a card the RFID reads do not have room for", row, key)
                continue
            self._place(row)
            self.stats["recovered"] += 1
            out.append(row)
        self._send(out, pts if pts is not None else max(d for d, _ in due_rows))

    def _send(self, rows: list[dict[str, Any]], pts: int) -> None:
        if rows:
            self.emit("reads", card_reads_table([{**r, "pts": pts, "source": "fused"} for r in rows]), pts=pts)

    def _conflict(self, pts: int, why: str, row: dict[str, Any], other: Key) -> None:
        self.stats["conflicts"] += 1
        self.events_sent += 1
        seat = int(row["seat"]) if row["zone"] == "seat" else None
        self.emit("events", GameEvent(
            key=f"{self.params.table}/{self.hand_number}/fuse-{self.events_sent}", kind="read_conflict",
            hand_number=self.hand_number, pts=pts, seat=seat, cards=[row["card"]],
            data={"reason": why, "zone": row["zone"], "seat": int(row["seat"]), "source": row.get("source"),
                  "confidence": float(row.get("confidence") or 0), "other_zone": other[0], "other_seat": other[1],
                  "held": list(self.held.get(other, []))}), pts=pts)

    def on_eos(self) -> None:
        """Emit vision reads still waiting for RFID."""
        self._flush(None)

    def snapshot(self) -> Any | None:
        """The hand's fused table: where each card is, what waits for RFID, counters."""
        return {"hand_number": self.hand_number, "events_sent": self.events_sent, "stats": dict(self.stats),
                "where": {card: list(key) for card, key in self.where.items()},
                "confidence": dict(self.confidence), "pending": [[due, dict(row)] for due, row in self.pending],
                "disputed": {card: [list(k) for k in keys] for card, keys in self.disputed.items()}}

    def restore(self, state: Any) -> None:
        """Continue from a snapshot (after a restart) without re-emitting cards already sent."""
        self._reset()
        self.hand_number = int(state["hand_number"])
        self.events_sent = int(state["events_sent"])
        self.stats.update(state["stats"])
        for card, (zone, seat) in state["where"].items():
            self.where[card] = (zone, int(seat))
            self.held.setdefault((zone, int(seat)), []).append(card)
        self.confidence = dict(state["confidence"])
        self.pending = [(int(due), dict(row)) for due, row in state["pending"]]
        self.disputed = {card: [(str(z), int(s)) for z, s in keys] for card, keys in state.get("disputed", {}).items()}

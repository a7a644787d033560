"""Per-player hand summaries from an event log (the Parquet + WAL log of `publish.events`).

The log holds the tracker's GameEvents (operator actions, card reads, undo, misdeal). Replaying them with
`TableTracker` applies the same undo and misdeal rules as the live show, and each finished hand gives one
row per player: VPIP/PFR/postflop aggression by the definitions of `ggpgfx.poker.stats`, whether the hand
went to showdown, what the player won, the pot, and the hand's start and end on the stream clock (pts, µs).
`first` marks one row per hand, so hand-level figures are sums over `first` rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

HAND_SCHEMA = pa.schema([
    ("table", pa.string()), ("hand_number", pa.int64()), ("start_us", pa.int64()), ("end_us", pa.int64()),
    ("player", pa.string()), ("seat", pa.int32()), ("first", pa.bool_()),
    ("vpip", pa.bool_()), ("pfr", pa.bool_()), ("aggressive", pa.int32()), ("calls", pa.int32()),
    ("saw_flop", pa.bool_()), ("showdown", pa.bool_()), ("won", pa.int64()), ("pot", pa.int64()),
])


def _hand_rows(table: str, hand: Any, start_us: int, end_us: int) -> list[dict[str, Any]]:
    from pokerkit import HandHistory

    from ggpgfx.poker.stats import hand_stats
    from ggpgfx.poker.variants import create_game

    game, _, _ = create_game(hand.setup)
    history = HandHistory.from_game_state(game, hand.state)
    names = {s.seat: s.name for s in hand.setup.seats}
    history.players = [names[seat] for seat in hand.order]
    stats = hand_stats(history)
    won = hand.winnings()
    pot = int(sum(won.values()))
    went_to_showdown = any(st.showdowns for st in stats.values())
    rows = []
    for position, seat in enumerate(hand.order):
        st = stats[names[seat]]
        rows.append({"table": table, "hand_number": int(hand.setup.hand_number), "start_us": int(start_us),
                     "end_us": int(end_us), "player": names[seat], "seat": int(seat), "first": position == 0,
                     "vpip": bool(st.vpip), "pfr": bool(st.pfr), "aggressive": int(st.postflop_aggressive),
                     "calls": int(st.postflop_calls), "saw_flop": bool(st.saw_flop), "showdown": went_to_showdown,
                     "won": int(won.get(seat, 0)), "pot": pot})
    return rows


class LogReplay:
    """One table's events replayed through `TableTracker`, fed in log order, possibly in several calls.

    A hand's rows are final once the next hand starts (what the live show did then); `rows()` adds the
    last hand when it is finished now. Feeding a log in pieces gives exactly the rows of feeding it whole,
    so a growing log is replayed only from where the previous feed stopped.
    """

    def __init__(self, table: str) -> None:
        from ggpgfx.poker.tracker import TableTracker

        self.table = table
        self.tracker = TableTracker(table)
        self.closed: list[dict[str, Any]] = []
        self.start_us = 0
        self.end_us = 0

    def _current(self) -> list[dict[str, Any]]:
        hand = self.tracker.hand
        if hand is not None and hand.complete:
            return _hand_rows(self.table, hand, self.start_us, self.end_us)
        return []

    def feed(self, events: Iterable[dict[str, Any]]) -> LogReplay:
        """Apply the next GameEvent dicts of the log."""
        from ggpgfx.poker.messages import GameEvent

        for data in events:
            event = GameEvent(**data)
            if event.kind == "hand_started":
                self.closed.extend(self._current())
                self.start_us = event.pts
            self.tracker.apply_event(event)
            self.end_us = max(self.end_us, event.pts)
        return self

    def rows(self) -> list[dict[str, Any]]:
        """Rows of every finished hand so far (unfinished hands are left out)."""
        return self.closed + self._current()


def hand_rows(events: Iterable[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    """Rows of every finished hand in `events` (GameEvent dicts in log order); unfinished hands are left out."""
    return LogReplay(table).feed(events).rows()


def table_of(event: dict[str, Any]) -> str:
    """The table an event belongs to: its key's prefix (`<table>/<hand>/<index>`)."""
    return str(event.get("key", "")).split("/", 1)[0]


def log_events(folder: str | Path) -> list[dict[str, Any]]:
    """The GameEvents of an event-log folder in log order: its Parquet parts, then the WAL lines after them.

    Read-only (a live writer may be appending): a last WAL line without its newline is not read.
    """
    from ggpgfx.media.event_log import _PART

    root = Path(folder)
    parts = sorted(p for p in root.glob("part-*.parquet") if _PART.match(p.name))
    out: list[dict[str, Any]] = []
    compacted_to = 0
    for part in parts:
        compacted_to = max(compacted_to, int(_PART.match(part.name).group(2)))  # type: ignore[union-attr]
        t = pq.read_table(part, columns=["type", "payload"])
        out += [json.loads(p) for k, p in zip(t.column("type").to_pylist(), t.column("payload").to_pylist(),
                                                 strict=True) if k == "GameEvent"]
    wal = root / "events.wal"
    if wal.exists():
        with open(wal, "rb") as fh:
            fh.seek(compacted_to)
            data = fh.read()
        for line in data[:data.rfind(b"\n") + 1].splitlines():
            record = json.loads(line)
            if record.get("type") == "GameEvent":
                out.append(json.loads(record["payload"]))
    return out


def hands_from_log(folder: str | Path, table: str | None = None) -> pa.Table:
    """The hand summaries of one table's event log (table name: the events' key prefix, else the folder name)."""
    events = log_events(folder)
    name = table or (str(events[0]["key"]).split("/", 1)[0] if events else Path(folder).name)
    return pa.Table.from_pylist(hand_rows(events, name), schema=HAND_SCHEMA)


def hands_by_table(events: Iterable[dict[str, Any]]) -> pa.Table:
    """The hand summaries of a log that may hold several tables: events split by their key's table prefix
    (each table replayed by its own tracker, in log order), tables in order of first appearance."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        tables.setdefault(table_of(event), []).append(event)
    rows: list[dict[str, Any]] = []
    for name, table_events in tables.items():
        rows += hand_rows(table_events, name)
    return pa.Table.from_pylist(rows, schema=HAND_SCHEMA)


def log_size(folder: str | Path) -> int:
    """Bytes of an event-log folder's Parquet parts and WAL (0 when it does not exist yet)."""
    from ggpgfx.media.event_log import _PART

    root = Path(folder)
    if not root.is_dir():
        return 0
    files = [p for p in root.glob("part-*.parquet") if _PART.match(p.name)] + [root / "events.wal"]
    return sum(p.stat().st_size for p in files if p.is_file())


def write_hands(folder: str | Path, out: str | Path, table: str | None = None) -> Path:
    """`hands_from_log` written as Parquet (what `show_analytics` reads)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(hands_from_log(folder, table), path)
    return path

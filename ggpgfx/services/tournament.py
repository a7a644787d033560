"""Tournaments: players, events, tables and seats, entries, chip counts, the blind clock, eliminations,
payouts, stats and the tournament-state message the graph receives.

Every write needs the producer role (viewers read), is organisation-scoped and leaves an audit entry
in the same transaction. The clock is never a counter: the event row stores a `ClockAnchor`
(`ggpgfx.tournament.clock`) and every read computes the level and time left from it and `now`,
so a restarted server (or another replica) reads the same clock. CSV imports parse and check every
row first and change nothing unless all rows are valid (`CsvInvalid` lists each bad line).
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, or_, select

from ggpgfx.errors import ServiceError
from ggpgfx.services import tournament_schemas as ts
from ggpgfx.services.assets import make_asset_store
from ggpgfx.services.base import Service, scoped_get
from ggpgfx.services.models import (
    Asset,
    TournamentChipCount,
    TournamentEntry,
    TournamentEvent,
    TournamentHand,
    TournamentLevel,
    TournamentPayout,
    TournamentPlayer,
    TournamentTable,
    utcnow,
)
from ggpgfx.services.security import Principal
from ggpgfx.tournament import clock as tclock
from ggpgfx.tournament.clock import BlindLevel, ClockAnchor
from ggpgfx.tournament.payouts import PayoutPlace, prize_for_place, standard_payouts, validate_payouts
from ggpgfx.tournament.state import (
    ClockState,
    Elimination,
    EventInfo,
    FieldState,
    GraphicsCues,
    PlayerStats,
    TournamentState,
)
from ggpgfx.tournament.state import TournamentPlayer as StatePlayer

PHOTO_SHAPES = ("square", "circle")
MAX_PHOTO_PIXELS = 40_000_000
MAX_CSV_ERRORS = 50


class CsvInvalid(ServiceError):
    """A CSV import with malformed rows: every problem with its line number; nothing was applied."""

    field = "csv"

    def __init__(self, diagnostics: list[dict[str, Any]]) -> None:
        self.diagnostics = diagnostics
        count = len(diagnostics)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in CSV: "
                         + "; ".join(d["text"] for d in diagnostics[:5]), 422)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the diagnostics (it crosses from a Serve deployment to the gateway as itself)."""
        return (type(self), (self.diagnostics,))


def _csv_rows(text: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of CSV text with a header naming at least `required` (case-insensitive)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record) or record[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in record]
            missing = [name for name in required if name not in header]
            unknown = [name for name in header if name not in required + optional]
            if missing or unknown:
                problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
                    [f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
                expected = ", ".join(required) + (f" (optional: {', '.join(optional)})" if optional else "")
                raise CsvInvalid([_diag(line, f"header: {'; '.join(problems)}; expected columns {expected}")])
            continue
        if len(record) != len(header):
            rows.append((line, {"__error__": f"{len(record)} fields, the header has {len(header)}"}))
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(header, record, strict=True)}))
    if header is None:
        raise CsvInvalid([_diag(1, "the CSV is empty (it needs a header row)")])
    if not rows:
        raise CsvInvalid([_diag(reader.line_num or 1, "the CSV has a header but no rows")])
    return rows


def _diag(line: int, message: str) -> dict[str, Any]:
    return {"line": line, "col": 0, "text": f"line {line}: {message}"}


def _whole(row: dict[str, str], name: str, default: int | None = None, low: int = 0,
           high: int = ts.MAX_CHIPS) -> int:
    """A whole number from a CSV cell (thousands separators allowed); ValueError naming the column."""
    raw = row.get(name, "")
    if raw == "":
        if default is None:
            raise ValueError(f"{name} is empty")
        return default
    cleaned = raw.replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned.lstrip("-").isdigit():
        raise ValueError(f"{name} {raw!r} is not a whole number")
    value = int(cleaned)
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is outside {low}..{high}")
    return value


def _places(raw: str) -> tuple[int, int]:
    """'3' -> (3, 3); '10-12' -> (10, 12)."""
    parts = raw.replace(" ", "").split("-")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        raise ValueError(f"place {raw!r} is not a place or a range such as 10-12")
    low, high = int(parts[0]), int(parts[-1])
    if low < 1 or high < low:
        raise ValueError(f"place {raw!r}: places start at 1 and a range must not end before it starts")
    return low, high


class TournamentService(Service):
    """Players and events; everything a tournament crew enters between hands."""

    def __init__(self, context: Any, clock: Callable[[], float] = time.time) -> None:
        super().__init__(context)
        self.store = make_asset_store(self.settings)
        self.now = clock
        self._hands_parsed: dict[str, tuple[int, dict[str, Any]]] = {}  # hand row id -> (hands, counters by name)
        self._state_cache: dict[str, tuple[Any, TournamentState]] = {}  # event id -> (key, message)

    # ---- helpers ----------------------------------------------------------------------------------
    def _event(self, session: Any, principal: Principal, event_id: str) -> TournamentEvent:
        event: TournamentEvent = scoped_get(session, TournamentEvent, event_id, principal, "event")
        return event

    def _touch(self, session: Any, principal: Principal, event: TournamentEvent, action: str, **detail: Any) -> None:
        """Bump the event's version and write the audit entry (in the caller's transaction)."""
        event.version = TournamentEvent.version + 1  # in SQL: concurrent writers never lose a bump
        event.updated_at = utcnow()
        _announce_after_commit(session, event.id)
        self.audit(session, principal, principal.organization_id, f"tournament.{action}", f"event:{event.id}",
                   **detail)

    def _levels(self, session: Any, event_id: str) -> list[TournamentLevel]:
        return list(session.scalars(select(TournamentLevel).where(TournamentLevel.event_id == event_id)
                                    .order_by(TournamentLevel.position)).all())

    def _entries(self, session: Any, event_id: str) -> list[TournamentEntry]:
        return list(session.scalars(select(TournamentEntry).where(TournamentEntry.event_id == event_id)
                                    .order_by(TournamentEntry.created_at, TournamentEntry.id)).all())

    def _tables(self, session: Any, event_id: str) -> list[TournamentTable]:
        return list(session.scalars(select(TournamentTable).where(TournamentTable.event_id == event_id)
                                    .order_by(TournamentTable.created_at, TournamentTable.name)).all())

    def _players_by_id(self, session: Any, principal: Principal, ids: Iterable[str]) -> dict[str, TournamentPlayer]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = session.scalars(select(TournamentPlayer).where(
            TournamentPlayer.organization_id == principal.organization_id, TournamentPlayer.id.in_(wanted))).all()
        return {p.id: p for p in rows}

    def _entry_out(self, entry: TournamentEntry, players: dict[str, TournamentPlayer],
                   tables: dict[str, TournamentTable]) -> ts.EntryOut:
        table = tables.get(entry.table_id) if entry.table_id else None
        player = players.get(entry.player_id)
        return ts.EntryOut(
            id=entry.id, player_id=entry.player_id, player_name=player.name if player else "",
            entry_number=entry.entry_number, table_id=entry.table_id, table_name=table.name if table else None,
            seat=entry.seat, chips=entry.chips, chips_version=entry.chips_version,
            chips_updated_at=entry.chips_updated_at, chips_updated_by=entry.chips_updated_by, status=entry.status,
            place=entry.place, prize=entry.prize, eliminated_at=entry.eliminated_at)

    def _one_entry_out(self, session: Any, principal: Principal, entry: TournamentEntry) -> ts.EntryOut:
        tables = {t.id: t for t in self._tables(session, entry.event_id)}
        return self._entry_out(entry, self._players_by_id(session, principal, [entry.player_id]), tables)

    @staticmethod
    def _blind_levels(levels: list[TournamentLevel]) -> list[BlindLevel]:
        return [BlindLevel(small_blind=lv.small_blind, big_blind=lv.big_blind, ante=lv.ante,
                           big_blind_ante=lv.big_blind_ante, duration_s=lv.duration_s, is_break=lv.is_break,
                           name=lv.name) for lv in levels]

    @staticmethod
    def _anchor(event: TournamentEvent) -> ClockAnchor:
        return ClockAnchor(level_index=event.clock_level_index, started_at=event.clock_started_at,
                           paused_total_s=event.clock_paused_total_s, paused_at=event.clock_paused_at,
                           added_s=event.clock_added_s)

    @staticmethod
    def _store_anchor(event: TournamentEvent, anchor: ClockAnchor) -> None:
        event.clock_level_index = anchor.level_index
        event.clock_started_at = anchor.started_at
        event.clock_paused_total_s = anchor.paused_total_s
        event.clock_paused_at = anchor.paused_at
        event.clock_added_s = anchor.added_s

    @staticmethod
    def _bump_events_of(session: Any, player_id: str) -> None:
        """A player's details are part of the state of every event they entered: new versions for those."""
        from sqlalchemy import update

        session.execute(update(TournamentEvent).where(TournamentEvent.id.in_(
            select(TournamentEntry.event_id).where(TournamentEntry.player_id == player_id)))
            .values(version=TournamentEvent.version + 1, updated_at=utcnow()))
        _announce_after_commit(session, None)

    def _audit_simple(self, session: Any, principal: Principal, action: str, target: str, **detail: Any) -> None:
        self.audit(session, principal, principal.organization_id, f"tournament.{action}", target, **detail)

    # ---- players ----------------------------------------------------------------------------------
    @staticmethod
    def _player_out(player: TournamentPlayer) -> ts.PlayerOut:
        out = ts.PlayerOut.model_validate(player)
        if player.photo_asset_id:
            out.photo_url = f"/api/v1/players/{player.id}/photo"
        return out

    def list_players(self, principal: Principal, q: str | None = None, limit: int = 100,
                     offset: int = 0) -> list[ts.PlayerOut]:
        """Players of the organisation, by name; `q` matches name, nickname, hometown or country."""
        principal.require("viewer")
        query = select(TournamentPlayer).where(TournamentPlayer.organization_id == principal.organization_id)
        if q:
            pattern = q.strip()
            query = query.where(or_(
                func.lower(TournamentPlayer.name).contains(pattern.lower(), autoescape=True),
                func.lower(TournamentPlayer.nickname).contains(pattern.lower(), autoescape=True),
                func.lower(TournamentPlayer.hometown).contains(pattern.lower(), autoescape=True),
                TournamentPlayer.country == pattern.upper()))
        query = query.order_by(TournamentPlayer.name, TournamentPlayer.id).limit(max(1, min(limit, 1000))).offset(
            max(0, offset))
        with self.context.sessions() as session:
            return [self._player_out(p) for p in session.scalars(query).all()]

    def create_player(self, principal: Principal, body: ts.PlayerIn) -> ts.PlayerOut:
        """Add a player to the organisation."""
        principal.require("producer")
        with self.context.session() as session:
            player = TournamentPlayer(organization_id=principal.organization_id, **body.model_dump())
            session.add(player)
            session.flush()
            self._audit_simple(session, principal, "player.created", f"player:{player.id}", name=player.name)
            return self._player_out(player)

    def get_player(self, principal: Principal, player_id: str) -> ts.PlayerOut:
        """One player."""
        principal.require("viewer")
        with self.context.sessions() as session:
            return self._player_out(scoped_get(session, TournamentPlayer, player_id, principal, "player"))

    def update_player(self, principal: Principal, player_id: str, body: ts.PlayerUpdate) -> ts.PlayerOut:
        """Change a player's details."""
        principal.require("producer")
        with self.context.session() as session:
            player = scoped_get(session, TournamentPlayer, player_id, principal, "player")
            changes = body.model_dump(exclude_unset=True, exclude_none=True)
            for name, value in changes.items():
                setattr(player, name, (value or None) if name == "country" else value)
            player.updated_at = utcnow()
            self._audit_simple(session, principal, "player.updated", f"player:{player.id}", fields=sorted(changes))
            self._bump_events_of(session, player.id)
            session.flush()
            return self._player_out(player)

    def delete_player(self, principal: Principal, player_id: str) -> None:
        """Delete a player who has no entries (their photo too)."""
        principal.require("producer")
        with self.context.session() as session:
            player = scoped_get(session, TournamentPlayer, player_id, principal, "player")
            used = session.scalar(select(func.count()).select_from(TournamentEntry)
                                  .where(TournamentEntry.player_id == player.id))
            if used:
                raise ServiceError(f"player '{player_id}' has {used} event entr{'y' if used == 1 else 'ies'}; "
                                   "remove them from the events first", 409)
            photo = session.get(Asset, player.photo_asset_id) if player.photo_asset_id else None
            session.delete(player)
            if photo is not None:
                session.delete(photo)
            self._audit_simple(session, principal, "player.deleted", f"player:{player_id}")
        if photo is not None:
            self.store.delete(photo.storage_key)

    def set_player_photo(self, principal: Principal, player_id: str, data: bytes, shape: str = "square",
                         size: int = 512) -> ts.PlayerOut:
        """Store an uploaded image as the player's photo: centre-cropped to a square (or a circle with a
        transparent outside) and resized to `size` pixels by Pillow, kept as an organisation asset."""
        principal.require("producer")
        if shape not in PHOTO_SHAPES:
            raise ServiceError(f"shape must be one of {', '.join(PHOTO_SHAPES)}; got '{shape}'", 422)
        if not 32 <= size <= 2048:
            raise ServiceError(f"size must be 32..2048 pixels; got {size}", 422)
        png = crop_photo(data, shape, size)
        import hashlib

        with self.context.session() as session:
            player = scoped_get(session, TournamentPlayer, player_id, principal, "player")
            old = session.get(Asset, player.photo_asset_id) if player.photo_asset_id else None
            asset = Asset(organization_id=principal.organization_id, project_id=None, kind="photo",
                          filename=f"player-{player.id}-{shape}.png", content_type="image/png", size_bytes=len(png),
                          sha256=hashlib.sha256(png).hexdigest(), storage_key="")
            session.add(asset)
            session.flush()
            asset.storage_key = f"{principal.organization_id}/players/{asset.id}"
            self.store.put(asset.storage_key, png, "image/png")
            player.photo_asset_id = asset.id
            player.updated_at = utcnow()
            if old is not None:
                session.delete(old)
            self._audit_simple(session, principal, "player.photo", f"player:{player.id}", shape=shape, size=size)
            self._bump_events_of(session, player.id)
            session.flush()
            out = self._player_out(player)
        if old is not None:
            self.store.delete(old.storage_key)
        return out

    def get_player_photo(self, principal: Principal, player_id: str) -> bytes:
        """The player's cropped photo (PNG)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            player = scoped_get(session, TournamentPlayer, player_id, principal, "player")
            asset = session.get(Asset, player.photo_asset_id) if player.photo_asset_id else None
            if asset is None:
                raise ServiceError(f"player '{player_id}' has no photo", 404)
            key = asset.storage_key
        return self.store.get(key)

    # ---- events -----------------------------------------------------------------------------------
    def list_events(self, principal: Principal) -> list[ts.EventOut]:
        """Events of the organisation, newest first."""
        principal.require("viewer")
        with self.context.sessions() as session:
            rows = session.scalars(select(TournamentEvent).where(
                TournamentEvent.organization_id == principal.organization_id)
                .order_by(TournamentEvent.created_at.desc(), TournamentEvent.id).limit(500)).all()
            return [ts.EventOut.model_validate(e) for e in rows]

    def create_event(self, principal: Principal, body: ts.EventIn) -> ts.EventOut:
        """Create an event."""
        principal.require("producer")
        with self.context.session() as session:
            fields = body.model_dump()
            fields["currency"] = fields["currency"].upper()
            event = TournamentEvent(organization_id=principal.organization_id, graphics={}, **fields)
            session.add(event)
            session.flush()
            self._audit_simple(session, principal, "event.created", f"event:{event.id}", name=event.name)
            return ts.EventOut.model_validate(event)

    def get_event(self, principal: Principal, event_id: str) -> ts.EventOut:
        """One event."""
        principal.require("viewer")
        with self.context.sessions() as session:
            return ts.EventOut.model_validate(self._event(session, principal, event_id))

    def update_event(self, principal: Principal, event_id: str, body: ts.EventUpdate) -> ts.EventOut:
        """Change an event's settings."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            changes = body.model_dump(exclude_unset=True, exclude_none=True)
            for name, value in changes.items():
                setattr(event, name, value.upper() if name == "currency" else value)
            self._touch(session, principal, event, "event.updated", fields=sorted(changes))
            session.flush()
            return ts.EventOut.model_validate(event)

    def delete_event(self, principal: Principal, event_id: str) -> None:
        """Delete an event with its tables, entries, counts and payouts (players stay)."""
        principal.require("admin")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            session.delete(event)
            self._audit_simple(session, principal, "event.deleted", f"event:{event_id}")

    # ---- blind structure ----------------------------------------------------------------------------
    def get_structure(self, principal: Principal, event_id: str) -> list[ts.LevelOut]:
        """The blind structure, in order."""
        principal.require("viewer")
        with self.context.sessions() as session:
            self._event(session, principal, event_id)
            return [ts.LevelOut.model_validate(lv) for lv in self._levels(session, event_id)]

    def set_structure(self, principal: Principal, event_id: str, body: ts.StructureIn) -> list[ts.LevelOut]:
        """Replace the blind structure."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            return self._replace_structure(session, principal, event, body.levels, "structure.set")

    def _replace_structure(self, session: Any, principal: Principal, event: TournamentEvent,
                           levels: list[ts.LevelIn], action: str) -> list[ts.LevelOut]:
        for row in self._levels(session, event.id):
            session.delete(row)
        session.flush()
        rows = [TournamentLevel(organization_id=principal.organization_id, event_id=event.id, position=i,
                                **level.model_dump()) for i, level in enumerate(levels)]
        session.add_all(rows)
        if event.clock_level_index >= len(rows):  # a shorter structure: the clock stays on its last level
            self._store_anchor(event, tclock.jump_to_level(self._blind_levels(rows), self._anchor(event),
                                                           len(rows) - 1, self.now()))
        self._touch(session, principal, event, action, levels=len(rows))
        session.flush()
        return [ts.LevelOut.model_validate(lv) for lv in rows]

    # ---- clock --------------------------------------------------------------------------------------
    def _clock_out(self, event: TournamentEvent, levels: list[TournamentLevel], now: float) -> ts.ClockOut:
        if not levels:
            return ts.ClockOut(started=False, running=False, finished=False, level_index=0, level_number=0,
                               level=None, next_level=None, remaining_s=0.0, level_started_at=None, as_of=now)
        blind = self._blind_levels(levels)
        if not event.clock_started:
            index = min(event.clock_level_index, len(levels) - 1)
            return ts.ClockOut(
                started=False, running=False, finished=False, level_index=index,
                level_number=sum(1 for lv in blind[: index + 1] if not lv.is_break),
                level=ts.LevelOut.model_validate(levels[index]),
                next_level=ts.LevelOut.model_validate(levels[index + 1]) if index + 1 < len(levels) else None,
                remaining_s=float(blind[index].duration_s), level_started_at=None, as_of=now)
        position = tclock.clock_position(blind, self._anchor(event), now)
        index = position.level_index
        return ts.ClockOut(
            started=True, running=position.running, finished=position.finished, level_index=index,
            level_number=sum(1 for lv in blind[: index + 1] if not lv.is_break),
            level=ts.LevelOut.model_validate(levels[index]),
            next_level=ts.LevelOut.model_validate(levels[index + 1]) if index + 1 < len(levels) else None,
            remaining_s=position.remaining_s, level_started_at=position.level_started_at, as_of=now)

    def get_clock(self, principal: Principal, event_id: str) -> ts.ClockOut:
        """The clock now."""
        principal.require("viewer")
        with self.context.sessions() as session:
            event = self._event(session, principal, event_id)
            return self._clock_out(event, self._levels(session, event_id), self.now())

    def clock_action(self, principal: Principal, event_id: str, body: ts.ClockIn) -> ts.ClockOut:
        """Start, pause, resume, add/remove time or jump to a level; stored as a new anchor."""
        principal.require("producer")
        now = self.now()
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            levels = self._levels(session, event_id)
            if not levels:
                raise ServiceError("the event has no blind structure yet; set one first", 409)
            blind = self._blind_levels(levels)
            anchor = self._anchor(event)
            if body.action == "start":
                index = body.level_index or 0
                if index >= len(levels):
                    raise ServiceError(f"no level {index}: the structure has levels 0..{len(levels) - 1}", 422)
                anchor = tclock.start(index, now)
                event.clock_started = True
                if event.status == "scheduled":
                    event.status = "running"
            else:
                if not event.clock_started:
                    raise ServiceError("the clock has not been started", 409)
                if body.action == "pause":
                    anchor = tclock.pause(anchor, now)
                elif body.action == "resume":
                    anchor = tclock.resume(anchor, now)
                elif body.action == "adjust":
                    if body.seconds is None:
                        raise ServiceError("adjust needs `seconds` (negative removes time)", 422)
                    anchor = self._settled(blind, anchor, now)
                    anchor = tclock.add_time(anchor, body.seconds)
                else:
                    if body.level_index is None:
                        raise ServiceError("jump needs `level_index`", 422)
                    if body.level_index >= len(levels):
                        raise ServiceError(
                            f"no level {body.level_index}: the structure has levels 0..{len(levels) - 1}", 422)
                    anchor = tclock.jump_to_level(blind, anchor, body.level_index, now)
            self._store_anchor(event, anchor)
            self._touch(session, principal, event, f"clock.{body.action}", seconds=body.seconds,
                        level_index=body.level_index)
            session.flush()
            return self._clock_out(event, levels, now)

    @staticmethod
    def _settled(levels: list[BlindLevel], anchor: ClockAnchor, now: float) -> ClockAnchor:
        """The same clock re-anchored at the start of its current level (so added time applies to that level)."""
        position = tclock.clock_position(levels, anchor, now)
        started = position.level_started_at
        if anchor.paused_at is not None:
            return ClockAnchor(level_index=position.level_index, started_at=started, paused_at=anchor.paused_at)
        return ClockAnchor(level_index=position.level_index, started_at=started)

    # ---- tables and seating ---------------------------------------------------------------------------
    def _table_outs(self, session: Any, event_id: str) -> list[ts.TableOut]:
        counts = dict(session.execute(
            select(TournamentEntry.table_id, func.count()).where(
                TournamentEntry.event_id == event_id, TournamentEntry.table_id.is_not(None))
            .group_by(TournamentEntry.table_id)).all())
        return [ts.TableOut(id=t.id, name=t.name, seats=t.seats, broken=t.broken_at is not None,
                            players=int(counts.get(t.id, 0))) for t in self._tables(session, event_id)]

    def list_tables(self, principal: Principal, event_id: str) -> list[ts.TableOut]:
        """Tables of the event with their player counts."""
        principal.require("viewer")
        with self.context.sessions() as session:
            self._event(session, principal, event_id)
            return self._table_outs(session, event_id)

    def create_table(self, principal: Principal, event_id: str, body: ts.TableIn) -> ts.TableOut:
        """Add a table."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            if session.scalar(select(TournamentTable.id).where(TournamentTable.event_id == event_id,
                                                               TournamentTable.name == body.name)):
                raise ServiceError(f"the event already has a table '{body.name}'", 409)
            table = TournamentTable(organization_id=principal.organization_id, event_id=event.id, name=body.name,
                                    seats=body.seats)
            session.add(table)
            session.flush()
            self._touch(session, principal, event, "table.created", table=table.name)
            return ts.TableOut(id=table.id, name=table.name, seats=table.seats, broken=False, players=0)

    def _table(self, session: Any, principal: Principal, event_id: str, table_id: str) -> TournamentTable:
        table: TournamentTable = scoped_get(session, TournamentTable, table_id, principal, "table")
        if table.event_id != event_id:
            raise ServiceError(f"table '{table_id}' not found", 404)
        return table

    def _seating(self, session: Any, event_id: str) -> tuple[list[TournamentTable], dict[str, set[int]]]:
        """Open tables and the seats taken at each."""
        tables = [t for t in self._tables(session, event_id) if t.broken_at is None]
        taken: dict[str, set[int]] = {t.id: set() for t in tables}
        for table_id, seat in session.execute(select(TournamentEntry.table_id, TournamentEntry.seat).where(
                TournamentEntry.event_id == event_id, TournamentEntry.table_id.is_not(None))).all():
            taken.setdefault(table_id, set()).add(seat)
        return tables, taken

    @staticmethod
    def _pick_seat(rng: random.Random, tables: list[TournamentTable], taken: dict[str, set[int]],
                   exclude: str | None = None) -> tuple[TournamentTable, int]:
        """A free seat at the open table with the fewest players (ties at random); 409 when all are full."""
        candidates = [t for t in tables if t.id != exclude and len(taken[t.id]) < t.seats]
        if not candidates:
            raise ServiceError("no free seat at any open table: add a table first", 409)
        fewest = min(len(taken[t.id]) for t in candidates)
        table = rng.choice([t for t in candidates if len(taken[t.id]) == fewest])
        seat = rng.choice([s for s in range(1, table.seats + 1) if s not in taken[table.id]])
        return table, seat

    def _move(self, entry: TournamentEntry, table: TournamentTable, seat: int, taken: dict[str, set[int]],
              names: dict[str, str], by_id: dict[str, TournamentTable], moves: list[ts.MoveOut]) -> None:
        old_table = by_id.get(entry.table_id) if entry.table_id else None
        if entry.table_id:
            taken[entry.table_id].discard(entry.seat or 0)
        moves.append(ts.MoveOut(entry_id=entry.id, player_name=names.get(entry.player_id, ""),
                                from_table=old_table.name if old_table else None, from_seat=entry.seat,
                                to_table=table.name, to_seat=seat))
        entry.table_id, entry.seat = table.id, seat
        taken[table.id].add(seat)

    def seating(self, principal: Principal, event_id: str, body: ts.SeatingIn) -> list[ts.MoveOut]:
        """`draw`: seat every unseated live entry at random, tables kept even; `balance`: move players from
        the fullest open table to the emptiest until they differ by at most one."""
        principal.require("producer")
        rng = random.Random(body.seed) if body.seed is not None else random.SystemRandom()
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            tables, taken = self._seating(session, event_id)
            if not tables:
                raise ServiceError("the event has no open tables", 409)
            by_id = {t.id: t for t in self._tables(session, event_id)}
            live = [e for e in self._entries(session, event_id) if e.status == "active"]
            names = {p.id: p.name for p in self._players_by_id(session, principal, {e.player_id for e in live}).values()}
            moves: list[ts.MoveOut] = []
            if body.action == "draw":
                unseated = [e for e in live if e.table_id is None]
                rng.shuffle(unseated)
                for entry in unseated:
                    table, seat = self._pick_seat(rng, tables, taken)
                    self._move(entry, table, seat, taken, names, by_id, moves)
                    session.flush()
            else:
                moves = self._balance(session, rng, tables, taken, live, names, by_id)
            session.flush()
            self._touch(session, principal, event, f"seating.{body.action}", moves=len(moves))
            return moves

    def _balance(self, session: Any, rng: random.Random, tables: list[TournamentTable], taken: dict[str, set[int]],
                 live: list[TournamentEntry], names: dict[str, str], by_id: dict[str, TournamentTable],
                 ) -> list[ts.MoveOut]:
        moves: list[ts.MoveOut] = []
        while True:
            fullest = max(tables, key=lambda t: (len(taken[t.id]), t.name))
            emptiest = min(tables, key=lambda t: (len(taken[t.id]), t.name))
            if len(taken[fullest.id]) - len(taken[emptiest.id]) <= 1:
                return moves
            seated = [e for e in live if e.table_id == fullest.id]
            entry = rng.choice(seated)
            seat = rng.choice([s for s in range(1, emptiest.seats + 1) if s not in taken[emptiest.id]])
            self._move(entry, emptiest, seat, taken, names, by_id, moves)
            session.flush()  # one move at a time: a vacated seat may be filled again later, and (table, seat) is unique

    def break_table(self, principal: Principal, event_id: str, table_id: str, seed: int | None = None,
                    ) -> list[ts.MoveOut]:
        """Break a table: its players go to free seats at the emptiest open tables, one by one at random."""
        principal.require("producer")
        rng = random.Random(seed) if seed is not None else random.SystemRandom()
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            table = self._table(session, principal, event_id, table_id)
            if table.broken_at is not None:
                raise ServiceError(f"table '{table.name}' is already broken", 409)
            tables, taken = self._seating(session, event_id)
            seated = [e for e in self._entries(session, event_id) if e.table_id == table.id]
            names = {p.id: p.name for p in self._players_by_id(session, principal, {e.player_id for e in seated}).values()}
            rest = [t for t in tables if t.id != table.id]
            free = sum(t.seats - len(taken[t.id]) for t in rest)
            if free < len(seated):
                raise ServiceError(f"table '{table.name}' has {len(seated)} players but the other open tables "
                                   f"have {free} free seats", 409)
            rng.shuffle(seated)
            moves: list[ts.MoveOut] = []
            for entry in seated:
                target, seat = self._pick_seat(rng, rest, taken)
                # clear the old seat first: the (table, seat) pair is unique
                entry.table_id, entry.seat = None, None
                session.flush()
                moves.append(ts.MoveOut(entry_id=entry.id, player_name=names.get(entry.player_id, ""),
                                        from_table=table.name, from_seat=None, to_table=target.name, to_seat=seat))
                entry.table_id, entry.seat = target.id, seat
                taken[target.id].add(seat)
            table.broken_at = utcnow()
            session.flush()
            self._touch(session, principal, event, "table.broken", table=table.name, moves=len(moves))
            return moves

    def move_entry(self, principal: Principal, event_id: str, entry_id: str, body: ts.MoveIn) -> ts.EntryOut:
        """Move a live player to another table (a given seat, or the first free one)."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            entry = self._entry(session, principal, event_id, entry_id)
            if entry.status != "active":
                raise ServiceError("only a live entry can be moved", 409)
            table = self._table(session, principal, event_id, body.table_id)
            if table.broken_at is not None:
                raise ServiceError(f"table '{table.name}' is broken", 409)
            _, taken = self._seating(session, event_id)
            seats = taken.get(table.id, set()) - ({entry.seat} if entry.table_id == table.id else set())
            seat = body.seat or next((s for s in range(1, table.seats + 1) if s not in seats), None)
            if seat is None:
                raise ServiceError(f"table '{table.name}' is full", 409)
            if seat > table.seats:
                raise ServiceError(f"table '{table.name}' has seats 1..{table.seats}", 422)
            if seat in seats:
                raise ServiceError(f"seat {seat} at table '{table.name}' is taken", 409)
            entry.table_id, entry.seat = None, None
            session.flush()
            entry.table_id, entry.seat = table.id, seat
            self._touch(session, principal, event, "entry.moved", entry=entry.id, table=table.name, seat=seat)
            session.flush()
            return self._one_entry_out(session, principal, entry)

    def hand_setup(self, principal: Principal, event_id: str, table_id: str) -> ts.HandSetupOut:
        """What the live table's next hand starts from: the seats' names and chip counts, and the blinds of
        the clock's level (during a break, the next playing level's; before the start, the first)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            event = self._event(session, principal, event_id)
            table = self._table(session, principal, event_id, table_id)
            seated = [e for e in self._entries(session, event_id) if e.table_id == table.id and e.status == "active"]
            players = self._players_by_id(session, principal, {e.player_id for e in seated})
            levels = self._levels(session, event_id)
            index: int | None = None
            blinds = (0, 0, 0, 0)
            if levels:
                index = self._clock_out(event, levels, self.now()).level_index
                playing = [lv for lv in levels[index:] if not lv.is_break] or [
                    lv for lv in reversed(levels[:index]) if not lv.is_break]
                if playing:
                    lv = playing[0]
                    blinds = (lv.small_blind, lv.big_blind, lv.ante, lv.big_blind_ante)
            return ts.HandSetupOut(
                table=table.name, level_index=index, small_blind=blinds[0], big_blind=blinds[1], ante=blinds[2],
                big_blind_ante=blinds[3],
                seats=[ts.SetupSeat(seat=e.seat or 0, name=players[e.player_id].name, stack=e.chips)
                       for e in sorted(seated, key=lambda e: e.seat or 0)])

    # ---- entries ------------------------------------------------------------------------------------
    def _entry(self, session: Any, principal: Principal, event_id: str, entry_id: str) -> TournamentEntry:
        entry: TournamentEntry = scoped_get(session, TournamentEntry, entry_id, principal, "entry")
        if entry.event_id != event_id:
            raise ServiceError(f"entry '{entry_id}' not found", 404)
        return entry

    def _live_entry_of(self, session: Any, event_id: str, player_id: str) -> TournamentEntry | None:
        entry: TournamentEntry | None = session.scalars(select(TournamentEntry).where(
            TournamentEntry.event_id == event_id, TournamentEntry.player_id == player_id,
            TournamentEntry.status == "active")).first()
        return entry

    def list_entries(self, principal: Principal, event_id: str, table_id: str | None = None,
                     active_only: bool = False) -> list[ts.EntryOut]:
        """Entries of the event (of one table, or only live ones), by table and seat."""
        principal.require("viewer")
        with self.context.sessions() as session:
            self._event(session, principal, event_id)
            entries = self._entries(session, event_id)
            if table_id is not None:
                entries = [e for e in entries if e.table_id == table_id]
            if active_only:
                entries = [e for e in entries if e.status == "active"]
            tables = {t.id: t for t in self._tables(session, event_id)}
            players = self._players_by_id(session, principal, {e.player_id for e in entries})
            entries.sort(key=lambda e: (tables[e.table_id].name if e.table_id in tables else "~", e.seat or 0,
                                        e.place or 0))
            return [self._entry_out(e, players, tables) for e in entries]

    def create_entry(self, principal: Principal, event_id: str, body: ts.EntryIn) -> ts.EntryOut:
        """Register a player: a first entry, or a re-entry once their earlier entry is out."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            player = scoped_get(session, TournamentPlayer, body.player_id, principal, "player")
            if event.status == "finished":
                raise ServiceError("the event is finished", 409)
            previous = session.scalars(select(TournamentEntry).where(
                TournamentEntry.event_id == event_id, TournamentEntry.player_id == player.id)
                .order_by(TournamentEntry.entry_number.desc())).first()
            if previous is not None and previous.status == "active":
                raise ServiceError(f"{player.name} already has a live entry in this event", 409)
            entry = TournamentEntry(
                organization_id=principal.organization_id, event_id=event.id, player_id=player.id,
                entry_number=previous.entry_number + 1 if previous else 1,
                chips=body.chips if body.chips is not None else event.starting_stack, chips_updated_by=principal.actor)
            if body.table_id is not None:
                table = self._table(session, principal, event_id, body.table_id)
                if table.broken_at is not None:
                    raise ServiceError(f"table '{table.name}' is broken", 409)
                _, taken = self._seating(session, event_id)
                seats = taken.get(table.id, set())
                seat = body.seat or next((s for s in range(1, table.seats + 1) if s not in seats), None)
                if seat is None or seat > table.seats or seat in seats:
                    raise ServiceError(f"seat {seat or '-'} at table '{table.name}' is not free", 409)
                entry.table_id, entry.seat = table.id, seat
            session.add(entry)
            session.flush()
            self._record(session, principal, event, entry, "entry")
            self._touch(session, principal, event, "entry.created", entry=entry.id, player=player.id,
                        entry_number=entry.entry_number)
            return self._one_entry_out(session, principal, entry)

    # ---- chip counts --------------------------------------------------------------------------------
    def _level_now(self, session: Any, event: TournamentEvent) -> int | None:
        """The clock's level index now (None before the clock starts)."""
        if not event.clock_started:
            return None
        levels = self._levels(session, event.id)
        if not levels:
            return None
        return tclock.clock_position(self._blind_levels(levels), self._anchor(event), self.now()).level_index

    _NO_LEVEL: Any = object()

    def _record(self, session: Any, principal: Principal, event: TournamentEvent, entry: TournamentEntry,
                source: str, level: Any = _NO_LEVEL) -> None:
        """Append the entry's current chips to the history, at the clock's level (pass `level` when recording
        many counts: it is computed once)."""
        if level is self._NO_LEVEL:
            level = self._level_now(session, event)
        session.add(TournamentChipCount(organization_id=principal.organization_id, event_id=event.id,
                                        entry_id=entry.id, chips=entry.chips, level_index=level, source=source,
                                        recorded_by=principal.actor, recorded_at=utcnow()))

    def _set_chips(self, session: Any, principal: Principal, event: TournamentEvent, entry: TournamentEntry,
                   chips: int, source: str, level: Any = _NO_LEVEL) -> None:
        if entry.status != "active":
            raise ServiceError(f"entry '{entry.id}' is out of the event; its chips cannot change", 409)
        entry.chips = chips
        entry.chips_version = TournamentEntry.chips_version + 1  # in SQL, so two writers get two versions
        entry.chips_updated_at = utcnow()
        entry.chips_updated_by = principal.actor
        self._record(session, principal, event, entry, source, level)

    def set_chips(self, principal: Principal, event_id: str, entry_id: str, body: ts.ChipsIn) -> ts.EntryOut:
        """One seat's chip count. Concurrent writes: the later one wins; `chips_version` tells them apart."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            entry = self._entry(session, principal, event_id, entry_id)
            previous = entry.chips
            self._set_chips(session, principal, event, entry, body.chips, "seat")
            self._touch(session, principal, event, "chips.set", entry=entry.id, chips=body.chips, previous=previous)
            session.flush()
            return self._one_entry_out(session, principal, entry)

    def bulk_chips(self, principal: Principal, event_id: str, body: ts.BulkChipsIn) -> list[ts.EntryOut]:
        """Counts for many seats (a table, or every table) in one transaction: all or nothing."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            resolver = self._resolver(session, event_id)
            problems: list[str] = []
            resolved: list[tuple[TournamentEntry, int]] = []
            for i, row in enumerate(body.counts):
                try:
                    resolved.append((resolver(entry_id=row.entry_id, player_id=row.player_id, table=row.table,
                                              seat=row.seat), row.chips))
                except ValueError as exc:
                    problems.append(f"counts[{i}]: {exc}")
            if problems:
                raise ServiceError("; ".join(problems[:MAX_CSV_ERRORS]), 422)
            return self._apply_counts(session, principal, event, resolved, "bulk")

    def _apply_counts(self, session: Any, principal: Principal, event: TournamentEvent,
                      resolved: list[tuple[TournamentEntry, int]], source: str) -> list[ts.EntryOut]:
        seen: set[str] = set()
        level = self._level_now(session, event)
        for entry, chips in resolved:
            if entry.id in seen:
                raise ServiceError(f"entry '{entry.id}' is counted twice in one import", 422)
            seen.add(entry.id)
            self._set_chips(session, principal, event, entry, chips, source, level)
        self._touch(session, principal, event, f"chips.{source}", counts=len(resolved))
        session.flush()
        # the SQL-side version bump expired chips_version: reload the rows in one query, not one per entry
        ids = [e.id for e, _ in resolved]
        for start in range(0, len(ids), 500):
            session.scalars(select(TournamentEntry).where(TournamentEntry.id.in_(ids[start:start + 500]))
                            .execution_options(populate_existing=True)).all()
        tables = {t.id: t for t in self._tables(session, event.id)}
        players = self._players_by_id(session, principal, {e.player_id for e, _ in resolved})
        return [self._entry_out(e, players, tables) for e, _ in resolved]

    def _resolver(self, session: Any, event_id: str) -> Callable[..., TournamentEntry]:
        """Find a live entry by entry id, player id or name, or table name and seat (ValueError if none)."""
        entries = [e for e in self._entries(session, event_id) if e.status == "active"]
        tables = {t.id: t for t in self._tables(session, event_id)}
        by_id = {e.id: e for e in entries}
        by_player = {e.player_id: e for e in entries}
        by_seat = {(tables[e.table_id].name.lower(), e.seat): e for e in entries if e.table_id in tables}
        names: dict[str, list[TournamentEntry]] = {}
        players = session.scalars(select(TournamentPlayer).where(
            TournamentPlayer.id.in_(list(by_player)))).all() if by_player else []
        for player in players:
            names.setdefault(player.name.lower(), []).append(by_player[player.id])

        def resolve(entry_id: str | None = None, player_id: str | None = None, table: str | None = None,
                    seat: int | None = None, player: str | None = None) -> TournamentEntry:
            if entry_id:
                if entry_id not in by_id:
                    raise ValueError(f"no live entry '{entry_id}' in this event")
                return by_id[entry_id]
            if player_id:
                if player_id not in by_player:
                    raise ValueError(f"player '{player_id}' has no live entry in this event")
                return by_player[player_id]
            if player:
                if player in by_player:
                    return by_player[player]
                found = names.get(player.lower(), [])
                if len(found) != 1:
                    raise ValueError(f"player {player!r} " + ("is ambiguous (several players have this name)"
                                                              if found else "has no live entry in this event"))
                return found[0]
            if table is not None and seat is not None:
                key = (table.lower(), seat)
                if key not in by_seat:
                    raise ValueError(f"nobody live sits at table {table!r} seat {seat}")
                return by_seat[key]
            raise ValueError("name the entry_id, the player_id, or the table and seat")

        return resolve

    def chip_history(self, principal: Principal, event_id: str, entry_id: str | None = None,
                     limit: int = 1000) -> list[ts.ChipCountOut]:
        """Recorded counts, newest first (of one entry, or of the event)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            self._event(session, principal, event_id)
            query = select(TournamentChipCount).where(TournamentChipCount.event_id == event_id)
            if entry_id is not None:
                query = query.where(TournamentChipCount.entry_id == entry_id)
            query = query.order_by(TournamentChipCount.recorded_at.desc(), TournamentChipCount.id).limit(
                max(1, min(limit, 10_000)))
            return [ts.ChipCountOut.model_validate(r) for r in session.scalars(query).all()]

    # ---- CSV imports -------------------------------------------------------------------------------
    def import_csv(self, principal: Principal, event_id: str, kind: str, text: str) -> dict[str, Any]:
        """Import `structure`, `chips` or `payouts` CSV: every row is checked first, and a bad row (its line
        number and what is wrong) means nothing of the import is applied."""
        principal.require("producer")
        if kind not in ("structure", "chips", "payouts"):
            raise ServiceError(f"unknown import '{kind}' (structure, chips or payouts)", 404)
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            if kind == "structure":
                levels = self._parse_structure(text)
                return {"imported": len(levels),
                        "levels": [lv.model_dump() for lv in
                                   self._replace_structure(session, principal, event, levels, "structure.csv")]}
            if kind == "chips":
                resolved = self._parse_chips(text, self._resolver(session, event_id))
                outs = self._apply_counts(session, principal, event, resolved, "csv")
                return {"imported": len(outs), "entries": [o.model_dump(mode="json") for o in outs]}
            rows = self._parse_payouts(text)
            payouts = self._store_payouts(session, principal, event, ts.PayoutsIn(mode="table", rows=rows), "payouts.csv")
            return {"imported": len(rows), "payouts": payouts.model_dump()}

    @staticmethod
    def _collect(rows: list[tuple[int, dict[str, str]]], parse: Callable[[dict[str, str]], Any]) -> list[Any]:
        out: list[Any] = []
        problems: list[dict[str, Any]] = []
        for line, row in rows:
            if "__error__" in row:
                problems.append(_diag(line, row["__error__"]))
                continue
            try:
                out.append(parse(row))
            except ValueError as exc:
                message = str(exc).splitlines()[0] if not hasattr(exc, "errors") else "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
                    if e["loc"] else str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
                problems.append(_diag(line, message))
            if len(problems) >= MAX_CSV_ERRORS:
                break
        if problems:
            raise CsvInvalid(problems)
        return out

    def _parse_structure(self, text: str) -> list[ts.LevelIn]:
        rows = _csv_rows(text, ("level", "small_blind", "big_blind", "minutes"), ("ante", "big_blind_ante", "name"))

        def parse(row: dict[str, str]) -> ts.LevelIn:
            is_break = row["level"].lower() in ("break", "b")
            if not is_break and not row["level"].isdigit():
                raise ValueError(f"level {row['level']!r} is neither a level number nor 'break'")
            minutes = row["minutes"].replace(",", ".")
            try:
                duration = round(float(minutes) * 60)
            except ValueError:
                raise ValueError(f"minutes {row['minutes']!r} is not a number") from None
            return ts.LevelIn(small_blind=_whole(row, "small_blind", 0), big_blind=_whole(row, "big_blind", 0),
                              ante=_whole(row, "ante", 0), big_blind_ante=_whole(row, "big_blind_ante", 0),
                              duration_s=duration, is_break=is_break, name=row.get("name") or None)

        return list(self._collect(rows, parse))

    def _parse_chips(self, text: str, resolve: Callable[..., TournamentEntry]) -> list[tuple[TournamentEntry, int]]:
        rows = _csv_rows(text, ("chips",), ("table", "seat", "player", "entry_id"))

        def parse(row: dict[str, str]) -> tuple[TournamentEntry, int]:
            seat = _whole(row, "seat", low=1, high=10) if row.get("seat") else None
            entry = resolve(entry_id=row.get("entry_id") or None, player=row.get("player") or None,
                            table=row.get("table") or None, seat=seat)
            return entry, _whole(row, "chips")

        parsed = list(self._collect(rows, parse))
        seen: dict[str, int] = {}
        for (line, _), (entry, _chips) in zip(rows, parsed, strict=True):
            if entry.id in seen:
                raise CsvInvalid([_diag(line, f"the same player as line {seen[entry.id]}")])
            seen[entry.id] = line
        return parsed

    def _parse_payouts(self, text: str) -> list[ts.PayoutRowIn]:
        rows = _csv_rows(text, ("place",), ("amount", "percent"))

        def parse(row: dict[str, str]) -> ts.PayoutRowIn:
            low, high = _places(row["place"])
            amount = row.get("amount", "")
            percent = row.get("percent", "").rstrip("%")
            if bool(amount) == bool(percent):
                raise ValueError("give exactly one of amount and percent")
            if amount:
                return ts.PayoutRowIn(place_from=low, place_to=high, amount=_whole(row, "amount", high=ts.MAX_MONEY))
            try:
                value = float(percent)
            except ValueError:
                raise ValueError(f"percent {row['percent']!r} is not a number") from None
            return ts.PayoutRowIn(place_from=low, place_to=high, percent=value)

        parsed = list(self._collect(rows, parse))
        try:
            self._check_rows(parsed)
        except ValueError as exc:
            raise CsvInvalid([_diag(rows[-1][0], str(exc))]) from None
        return parsed

    # ---- payouts ------------------------------------------------------------------------------------
    @staticmethod
    def _check_rows(rows: list[ts.PayoutRowIn]) -> None:
        if not rows:
            raise ValueError("a payout table needs at least one row")
        ordered = sorted(rows, key=lambda r: r.place_from)
        expected = 1
        for row in ordered:
            if row.place_from != expected:
                raise ValueError(f"place {expected} has no payout (rows must cover 1..N without gaps or overlaps)")
            expected = row.place_to + 1
        kinds = {row.amount is None for row in rows}
        if len(kinds) > 1:
            raise ValueError("a payout table is all amounts or all percents, not both")
        if rows[0].percent is not None:
            total = sum((r.percent or 0.0) * (r.place_to - r.place_from + 1) for r in rows)
            if total > 100.0 + 1e-6:
                raise ValueError(f"the percents add up to {total:g}%, more than 100%")

    def _field_numbers(self, session: Any, event: TournamentEvent) -> tuple[int, int]:
        """(entries, prize pool)."""
        entries = int(session.scalar(select(func.count()).select_from(TournamentEntry)
                                     .where(TournamentEntry.event_id == event.id)) or 0)
        return entries, entries * event.buy_in

    def _payout_table(self, session: Any, event: TournamentEvent) -> list[PayoutPlace]:
        entries, pool = self._field_numbers(session, event)
        if event.payout_mode == "table":
            rows = session.scalars(select(TournamentPayout).where(TournamentPayout.event_id == event.id)
                                   .order_by(TournamentPayout.place_from)).all()
            return [PayoutPlace(places_from=r.place_from, places_to=r.place_to,
                                amount=r.amount if r.amount is not None else int(pool * (r.percent or 0.0) / 100))
                    for r in rows]
        if entries == 0:
            return []
        fraction = min(1.0, event.payout_places / entries) if event.payout_places else 0.15
        return standard_payouts(pool, entries, paid_fraction=fraction)

    def _payouts_out(self, session: Any, event: TournamentEvent) -> ts.PayoutsOut:
        entries, pool = self._field_numbers(session, event)
        table = self._payout_table(session, event)
        return ts.PayoutsOut(mode=event.payout_mode, entries=entries, prize_pool=pool,
                             places_paid=table[-1].places_to if table else 0,
                             rows=[ts.PayoutBandOut(place_from=p.places_from, place_to=p.places_to, amount=p.amount)
                                   for p in table])

    def get_payouts(self, principal: Principal, event_id: str) -> ts.PayoutsOut:
        """The payout table for the current field and prize pool."""
        principal.require("viewer")
        with self.context.sessions() as session:
            return self._payouts_out(session, self._event(session, principal, event_id))

    def set_payouts(self, principal: Principal, event_id: str, body: ts.PayoutsIn) -> ts.PayoutsOut:
        """Use the standard curve (over `places` paid) or a table of rows."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            return self._store_payouts(session, principal, event, body, "payouts.set")

    def _store_payouts(self, session: Any, principal: Principal, event: TournamentEvent, body: ts.PayoutsIn,
                       action: str) -> ts.PayoutsOut:
        if body.mode == "table":
            try:
                self._check_rows(body.rows)
                amounts = [PayoutPlace(places_from=r.place_from, places_to=r.place_to, amount=r.amount)
                           for r in sorted(body.rows, key=lambda r: r.place_from) if r.amount is not None]
                validate_payouts(amounts)
            except ValueError as exc:
                raise ServiceError(str(exc).splitlines()[-1] if hasattr(exc, "errors") else str(exc), 422) from None
        for row in session.scalars(select(TournamentPayout).where(TournamentPayout.event_id == event.id)).all():
            session.delete(row)
        session.flush()
        if body.mode == "table":
            session.add_all([TournamentPayout(organization_id=principal.organization_id, event_id=event.id,
                                              place_from=r.place_from, place_to=r.place_to, amount=r.amount,
                                              percent=r.percent) for r in body.rows])
        event.payout_mode = body.mode
        event.payout_places = body.places if body.mode == "curve" else None
        self._touch(session, principal, event, action, mode=body.mode, rows=len(body.rows))
        session.flush()
        return self._payouts_out(session, event)

    # ---- eliminations -------------------------------------------------------------------------------
    def eliminate(self, principal: Principal, event_id: str, body: ts.EliminationIn) -> ts.EliminationOut:
        """A bust-out: the entry finishes in the place the remaining field says, with that place's prize.
        When one live entry is left it is the winner (place 1) and the event is finished."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            resolve = self._resolver(session, event_id)
            try:
                entry = resolve(entry_id=body.entry_id, player_id=body.player_id)
                by = resolve(player_id=body.eliminated_by_player_id) if body.eliminated_by_player_id else None
            except ValueError as exc:
                raise ServiceError(str(exc), 404) from None
            if by is not None and by.id == entry.id:
                raise ServiceError("a player cannot eliminate themselves", 422)
            live = [e for e in self._entries(session, event_id) if e.status == "active"]
            if len(live) < 2:
                raise ServiceError("the event already has its winner", 409)
            table = self._payout_table(session, event)
            place = len(live)
            now = utcnow()
            entry.status, entry.place, entry.prize = "eliminated", place, prize_for_place(table, place)
            entry.eliminated_at, entry.eliminated_by = now, by.id if by else None
            entry.table_id, entry.seat = None, None
            entry.chips, entry.chips_version = 0, TournamentEntry.chips_version + 1
            entry.chips_updated_at, entry.chips_updated_by = now, principal.actor
            self._record(session, principal, event, entry, "elimination")
            winner_out: ts.EntryOut | None = None
            if place == 2:
                winner = next(e for e in live if e.id != entry.id)
                winner.status, winner.place, winner.prize = "winner", 1, prize_for_place(table, 1)
                event.status = "finished"
            self._touch(session, principal, event, "elimination", entry=entry.id, place=place, prize=entry.prize)
            session.flush()
            if place == 2:
                winner_out = self._one_entry_out(session, principal, winner)
            player = session.get(TournamentPlayer, entry.player_id)
            return ts.EliminationOut(entry_id=entry.id, player_id=entry.player_id,
                                     player_name=player.name if player else "", place=place, prize=entry.prize or 0,
                                     eliminated_at=now, eliminated_by=by.player_id if by else None, winner=winner_out)

    def list_eliminations(self, principal: Principal, event_id: str) -> list[ts.EliminationOut]:
        """Bust-outs, latest first."""
        principal.require("viewer")
        with self.context.sessions() as session:
            self._event(session, principal, event_id)
            entries = self._entries(session, event_id)
            by_entry = {e.id: e for e in entries}
            out = [e for e in entries if e.status == "eliminated"]
            players = self._players_by_id(session, principal, {e.player_id for e in out})
            out.sort(key=lambda e: (e.place or 0))
            return [ts.EliminationOut(
                entry_id=e.id, player_id=e.player_id, player_name=players[e.player_id].name if e.player_id in players
                else "", place=e.place or 0, prize=e.prize or 0, eliminated_at=e.eliminated_at or e.created_at,
                eliminated_by=by_entry[e.eliminated_by].player_id if e.eliminated_by in by_entry else None)
                for e in out]

    # ---- hands and stats ----------------------------------------------------------------------------
    def add_hands(self, principal: Principal, event_id: str, body: ts.HandIn) -> ts.HandsOut:
        """Store recorded hands (PHH) of the event: the source of VPIP/PFR/AF/WTSD on air."""
        principal.require("producer")
        from ggpgfx.errors import ConfigError
        from ggpgfx.poker.phh import loads_hands

        try:
            histories = loads_hands(body.phh)
        except ConfigError as exc:
            raise ServiceError(str(exc), 422) from None
        if not histories:
            raise ServiceError("no hand found in the PHH text", 422)
        names = sorted({str(n) for h in histories for n in (h.players or [])})
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            if body.table_id is not None:
                self._table(session, principal, event_id, body.table_id)
            session.add(TournamentHand(organization_id=principal.organization_id, event_id=event.id,
                                       table_id=body.table_id, phh=body.phh))
            self._touch(session, principal, event, "hands.added", hands=len(histories))
        return ts.HandsOut(hands=len(histories), players=names)

    def _hand_counters(self, session: Any, event_id: str) -> tuple[int, dict[str, Any]]:
        """(hands, per-player counters by lower-case name) over the event's recorded hands. Each stored row
        is parsed once per process (rows never change), so the state message stays cheap to build."""
        from ggpgfx.poker.phh import loads_hands
        from ggpgfx.poker.stats import PlayerStats as Counters
        from ggpgfx.poker.stats import session_stats

        ids = session.scalars(select(TournamentHand.id).where(TournamentHand.event_id == event_id)).all()
        missing = [i for i in ids if i not in self._hands_parsed]
        if missing:
            if len(self._hands_parsed) > 50_000:
                self._hands_parsed.clear()
            for hand_id, text in session.execute(select(TournamentHand.id, TournamentHand.phh)
                                                 .where(TournamentHand.id.in_(missing))):
                histories = loads_hands(text)
                self._hands_parsed[hand_id] = (len(histories), {
                    name.lower(): stats for name, stats in session_stats(histories).items()})
        counters: dict[str, Counters] = {}
        hands = 0
        for hand_id in ids:
            count, per_name = self._hands_parsed[hand_id]
            hands += count
            for name, stats in per_name.items():
                counters.setdefault(name, Counters()).add(stats)
        return hands, counters

    def _stats(self, session: Any, principal: Principal, event: TournamentEvent,
               players: dict[str, TournamentPlayer]) -> ts.StatsOut:
        hands, counters = self._hand_counters(session, event.id)
        history: dict[str, list[int]] = {}
        entry_player = {e.id: e.player_id for e in self._entries(session, event.id)}
        for entry_id, chips in session.execute(select(TournamentChipCount.entry_id, TournamentChipCount.chips)
                                               .where(TournamentChipCount.event_id == event.id)
                                               .order_by(TournamentChipCount.recorded_at, TournamentChipCount.id)):
            history.setdefault(entry_player.get(entry_id, ""), []).append(int(chips))
        live = {e.player_id: e for e in self._entries(session, event.id) if e.status in ("active", "winner")}
        out: list[ts.PlayerStatOut] = []
        for player in sorted(players.values(), key=lambda p: p.name):
            mine = counters.get(player.name.lower()) or (counters.get(player.nickname.lower())
                                                         if player.nickname else None)
            ratios = mine.ratios() if mine else {}
            counts = history.get(player.id, [])
            out.append(ts.PlayerStatOut(
                player_id=player.id, name=player.name, hands=mine.hands if mine else 0, vpip=ratios.get("vpip"),
                pfr=ratios.get("pfr"), af=ratios.get("af"), wtsd=ratios.get("wtsd"),
                chips=live[player.id].chips if player.id in live else 0, chips_start=counts[0] if counts else None,
                chips_peak=max(counts) if counts else None, chip_counts=len(counts)))
        return ts.StatsOut(source="hands" if hands else "chips", hands=hands, players=out)

    def get_stats(self, principal: Principal, event_id: str) -> ts.StatsOut:
        """Per-player stats: VPIP/PFR/AF/WTSD from the event's recorded hands (players matched by name or
        nickname) when there are any (`source: hands`), else chip data only (`source: chips`)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            event = self._event(session, principal, event_id)
            ids = {e.player_id for e in self._entries(session, event_id)}
            return self._stats(session, principal, event, self._players_by_id(session, principal, ids))

    # ---- graphics cues and the state message --------------------------------------------------------
    def set_graphics(self, principal: Principal, event_id: str, body: GraphicsCues) -> TournamentState:
        """Which tournament elements are on air (the `graphics` part of the state message)."""
        principal.require("producer")
        with self.context.session() as session:
            event = self._event(session, principal, event_id)
            ids = {e.player_id for e in self._entries(session, event_id)}
            for name in ("elimination", "profile"):
                ref = getattr(body, name)
                if ref is not None and ref not in ids:
                    raise ServiceError(f"graphics.{name}: player '{ref}' has no entry in this event", 422)
            event.graphics = body.model_dump()
            self._touch(session, principal, event, "graphics", **{k: v for k, v in body.model_dump().items() if v})
            session.flush()
            return self._state(session, principal, event)

    def get_state(self, principal: Principal, event_id: str) -> TournamentState:
        """The tournament-state message the graph receives (ggpgfx.tournament.TournamentState)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            event = self._event(session, principal, event_id)
            # Every change to what the message shows bumps the event's version, except the clock walking into
            # the next level by itself: with the level in the key a cached message is exact, and polls of an
            # unchanged 1,000-player event cost one query instead of building the message again.
            key = (event.id, event.version, self._level_now(session, event), self._clock_finished(session, event))
            cached = self._state_cache.get(event.id)
            if cached is not None and cached[0] == key:
                return cached[1]
            state = self._state(session, principal, event)
            self._state_cache[event.id] = (key, state)
            if len(self._state_cache) > 256:
                self._state_cache.pop(next(iter(self._state_cache)))
            return state

    def _clock_finished(self, session: Any, event: TournamentEvent) -> bool:
        levels = self._levels(session, event.id) if event.clock_started else []
        return bool(levels) and tclock.clock_position(self._blind_levels(levels), self._anchor(event),
                                                      self.now()).finished

    def state_version(self, principal: Principal, event_id: str) -> int:
        """The event's data version (cheap: subscriptions poll it and build the state only on change)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            return int(self._event(session, principal, event_id).version)

    def _state(self, session: Any, principal: Principal, event: TournamentEvent) -> TournamentState:
        now = self.now()
        levels = self._levels(session, event.id)
        clock: ClockState | None = None
        if levels:
            c = self._clock_out(event, levels, now)
            # The clock is given at a reference time taken from the stored anchor (the moment the level began
            # at the current pace, or the moment of the pause), not at `now`: the message stays byte-for-byte
            # the same until something changes, and a reader advances it with ClockState.at(now).
            if c.running and c.level_started_at is not None:
                as_of = round(c.level_started_at, 3)
                remaining = round(c.remaining_s + (now - as_of), 3)
            elif c.started and event.clock_paused_at is not None:
                as_of, remaining = event.clock_paused_at, c.remaining_s
            else:
                as_of, remaining = 0.0, c.remaining_s
            clock = ClockState(levels=self._blind_levels(levels), level_index=c.level_index, running=c.running,
                               level_started_at=round(c.level_started_at, 3) if c.level_started_at else None,
                               remaining_s=max(0.0, remaining), as_of=as_of)
        # plain rows (Core), not ORM objects: the message for a 1,000-player field is built on every poll
        entries: list[Any] = list(session.execute(
            select(TournamentEntry.__table__).where(TournamentEntry.event_id == event.id)
            .order_by(TournamentEntry.created_at, TournamentEntry.id)).all())
        tables = {t.id: t for t in self._tables(session, event.id)}
        players: dict[str, Any] = {row.id: row for row in session.execute(
            select(TournamentPlayer.__table__).where(
                TournamentPlayer.organization_id == principal.organization_id,
                TournamentPlayer.id.in_(select(TournamentEntry.player_id).where(TournamentEntry.event_id == event.id))))}
        hand_count, counters = self._hand_counters(session, event.id)
        by_player_stats: dict[str, PlayerStats] = {}
        for player in players.values():
            mine = counters.get(player.name.lower()) or (counters.get(player.nickname.lower())
                                                         if player.nickname else None)
            if mine is not None and mine.hands:
                ratios = mine.ratios()
                by_player_stats[player.id] = PlayerStats(hands=mine.hands, vpip=ratios["vpip"], pfr=ratios["pfr"],
                                                         af=ratios["af"], wtsd=ratios["wtsd"])
        latest: dict[str, TournamentEntry] = {}
        for entry in entries:  # a player's live entry, else their latest one
            current = latest.get(entry.player_id)
            if current is None or current.status == "eliminated" and (
                    entry.status != "eliminated" or entry.entry_number > current.entry_number):
                latest[entry.player_id] = entry
        state_players: list[StatePlayer] = []
        for player_id, entry in latest.items():
            player = players[player_id]
            state_players.append(StatePlayer.model_construct(  # values checked when they were stored
                id=player_id, name=player.name, nickname=player.nickname or None, country=player.country,
                hometown=player.hometown or None,
                photo=f"/api/v1/players/{player_id}/photo?v={player.photo_asset_id}" if player.photo_asset_id else None,
                chips=entry.chips if entry.status != "eliminated" else 0,
                table=tables[entry.table_id].name if entry.table_id in tables else None, seat=entry.seat,
                stats=by_player_stats.get(player_id) if hand_count else None,
                eliminated_place=entry.place if entry.status == "eliminated" else None,
                prize=entry.prize if entry.status != "active" else None))
        live = [e for e in entries if e.status != "eliminated"]
        total = sum(e.chips for e in live)
        by_entry = {e.id: e for e in entries}
        busted = sorted((e for e in entries if e.status == "eliminated"),
                        key=lambda e: (e.eliminated_at or e.created_at, -(e.place or 0)), reverse=True)
        payouts = self._payout_table(session, event)
        leader = max(live, key=lambda e: (e.chips, e.player_id), default=None)
        cues = GraphicsCues.model_validate(event.graphics or {})
        return TournamentState(
            version=event.version,
            event=EventInfo(id=event.id, name=event.name, variant=event.variant, currency=event.currency,
                            buy_in=event.buy_in, starting_stack=event.starting_stack),
            clock=clock,
            field=FieldState(entries=len(entries), re_entries=sum(1 for e in entries if e.entry_number > 1),
                             players_remaining=len(live), total_chips=total,
                             average_stack=round(total / len(live)) if live else None,
                             prize_pool=len(entries) * event.buy_in),
            payouts=payouts, players=state_players,
            eliminations=[Elimination(player_id=e.player_id, place=e.place or 1, prize=e.prize or 0,
                                      at=(e.eliminated_at or e.created_at).timestamp(),
                                      eliminated_by=by_entry[e.eliminated_by].player_id
                                      if e.eliminated_by in by_entry else None) for e in busted],
            chip_leader=leader.player_id if leader is not None and leader.chips > 0 else None,
            graphics=cues)


def _announce_after_commit(session: Any, event_id: str | None) -> None:
    """Tell long-polling state readers of this process (`tournament_push.BOARD`) about the change once the
    transaction has committed (a rolled-back change announces nothing)."""
    from sqlalchemy import event as sa_event

    from ggpgfx.services.tournament_push import BOARD

    pending: set[str | None] | None = session.info.get("tournament_changed")
    if pending is None:
        pending = session.info["tournament_changed"] = set()

        def announce(committed: Any) -> None:
            changed = committed.info.pop("tournament_changed", set())
            for key in (None,) if None in changed else changed:
                BOARD.changed(key)

        def forget(rolled_back: Any) -> None:
            rolled_back.info.pop("tournament_changed", None)

        sa_event.listen(session, "after_commit", announce, once=True)
        sa_event.listen(session, "after_rollback", forget, once=True)
    pending.add(event_id)


def crop_photo(data: bytes, shape: str, size: int) -> bytes:
    """Centre-crop an image to a square, resize it to `size` and, for `circle`, make the outside transparent.
    Returns PNG bytes; anything that is not an image (or a decompression bomb) is a 422."""
    from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ServiceError(f"the upload is not an image Pillow can read ({type(exc).__name__})", 422) from None
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.LANCZOS)
    if shape == "circle":
        scale = 4  # draw the mask large and shrink it: an anti-aliased edge
        mask = Image.new("L", (size * scale, size * scale), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, size * scale - 1, size * scale - 1), fill=255)
        mask = mask.resize((size, size), Image.Resampling.LANCZOS)
        alpha = Image.new("L", (size, size), 0)
        alpha.paste(image.getchannel("A"), mask=mask)
        image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

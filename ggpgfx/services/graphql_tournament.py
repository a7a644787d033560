"""GraphQL for tournaments: queries, mutations and the `tournamentState(eventId)` subscription.

`graphql_api.Query`, `Mutation` and `Subscription` inherit these fields. Every resolver calls the same
`TournamentAPI` as the REST routes, with the same authentication, roles and audit entries.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ggpgfx.errors import ServiceError
from ggpgfx.services import tournament_schemas as ts

if TYPE_CHECKING:
    from ggpgfx.services.api import TournamentAPI
    from ggpgfx.services.security import Principal


async def _call(info: Info, fresh: bool = False) -> tuple[TournamentAPI, Principal]:
    from ggpgfx.services.graphql_api import _backend, _principal

    return _backend(info).tournament, await _principal(info, fresh=fresh)


def _none_if_missing(exc: ServiceError) -> None:
    if exc.status_code != 404:
        raise exc


@strawberry.type
class TournamentPlayer:
    """A player of the organisation."""

    id: strawberry.ID
    name: str
    nickname: str
    country: str | None
    hometown: str
    notes: str
    photo_url: str | None
    updated_at: datetime

    @staticmethod
    def of(p: ts.PlayerOut) -> TournamentPlayer:
        """From the REST model."""
        return TournamentPlayer(id=strawberry.ID(p.id), name=p.name, nickname=p.nickname, country=p.country,
                                hometown=p.hometown, notes=p.notes, photo_url=p.photo_url, updated_at=p.updated_at)


@strawberry.type
class TournamentEvent:
    """An event."""

    id: strawberry.ID
    name: str
    variant: str
    buy_in: int
    currency: str
    starting_stack: int
    status: str
    version: int

    @staticmethod
    def of(e: ts.EventOut) -> TournamentEvent:
        """From the REST model."""
        return TournamentEvent(id=strawberry.ID(e.id), name=e.name, variant=e.variant, buy_in=e.buy_in,
                               currency=e.currency, starting_stack=e.starting_stack, status=e.status,
                               version=e.version)


@strawberry.type
class TournamentEntry:
    """An entry with its seat and chips; `chips_version` grows with every count (the later write wins)."""

    id: strawberry.ID
    player_id: strawberry.ID
    player_name: str
    entry_number: int
    table_name: str | None
    seat: int | None
    chips: float  # GraphQL Int is 32-bit; chip counts can be larger
    chips_version: int
    chips_updated_at: datetime
    status: str
    place: int | None
    prize: float | None

    @staticmethod
    def of(e: ts.EntryOut) -> TournamentEntry:
        """From the REST model."""
        return TournamentEntry(id=strawberry.ID(e.id), player_id=strawberry.ID(e.player_id), player_name=e.player_name,
                               entry_number=e.entry_number, table_name=e.table_name, seat=e.seat, chips=e.chips,
                               chips_version=e.chips_version, chips_updated_at=e.chips_updated_at, status=e.status,
                               place=e.place, prize=e.prize)


@strawberry.type
class TournamentClock:
    """The blind clock now."""

    started: bool
    running: bool
    finished: bool
    level_index: int
    level_number: int
    remaining_s: float
    small_blind: float | None
    big_blind: float | None
    is_break: bool
    next_big_blind: float | None

    @staticmethod
    def of(c: ts.ClockOut) -> TournamentClock:
        """From the REST model."""
        return TournamentClock(
            started=c.started, running=c.running, finished=c.finished, level_index=c.level_index,
            level_number=c.level_number, remaining_s=c.remaining_s,
            small_blind=c.level.small_blind if c.level else None, big_blind=c.level.big_blind if c.level else None,
            is_break=bool(c.level and c.level.is_break),
            next_big_blind=c.next_level.big_blind if c.next_level else None)


@strawberry.type
class TournamentElimination:
    """A bust-out with place and prize."""

    entry_id: strawberry.ID
    player_id: strawberry.ID
    player_name: str
    place: int
    prize: float
    winner: TournamentEntry | None


@strawberry.type
class TournamentStateUpdate:
    """The tournament-state message (docs/tournament.md) at a version."""

    event_id: strawberry.ID
    version: int
    state: JSON


@strawberry.input
class PlayerInput:
    """Fields of a player (`country`: ISO 3166-1 alpha-2)."""

    name: str
    nickname: str = ""
    country: str | None = None
    hometown: str = ""
    notes: str = ""


@strawberry.input
class EventInput:
    """Fields of an event."""

    name: str
    variant: str = "nlhe"
    buy_in: int = 0
    currency: str = "USD"
    starting_stack: int = 20_000


@strawberry.input
class ChipCountInput:
    """One count: by entry, player, or table name and seat."""

    chips: float
    entry_id: strawberry.ID | None = None
    player_id: strawberry.ID | None = None
    table: str | None = None
    seat: int | None = None


def _state(event_id: str, state: Any) -> TournamentStateUpdate:
    return TournamentStateUpdate(event_id=strawberry.ID(event_id), version=state.version,
                                 state=state.model_dump(mode="json"))  # type: ignore[arg-type]  # JSON scalar


def _chips(value: float) -> int:
    if value != int(value):
        raise ServiceError(f"chips must be a whole number; got {value}", 422)
    return int(value)


@strawberry.type
class TournamentQuery:
    """Tournament reads."""

    @strawberry.field
    async def players(self, info: Info, search: str | None = None, limit: int = 100) -> list[TournamentPlayer]:
        """Players of my organisation (search: name, nickname, hometown, country)."""
        api, principal = await _call(info)
        return [TournamentPlayer.of(p) for p in await api.list_players(principal, search, max(1, min(limit, 1000)))]

    @strawberry.field
    async def tournament_events(self, info: Info) -> list[TournamentEvent]:
        """Events of my organisation."""
        api, principal = await _call(info)
        return [TournamentEvent.of(e) for e in await api.list_events(principal)]

    @strawberry.field
    async def tournament_event(self, info: Info, id: strawberry.ID) -> TournamentEvent | None:
        """An event (null when absent)."""
        api, principal = await _call(info)
        try:
            return TournamentEvent.of(await api.get_event(principal, str(id)))
        except ServiceError as exc:
            _none_if_missing(exc)
            return None

    @strawberry.field
    async def event_entries(self, info: Info, event_id: strawberry.ID, table_id: strawberry.ID | None = None,
                            active_only: bool = False) -> list[TournamentEntry]:
        """Entries of an event (of one table; only live ones)."""
        api, principal = await _call(info)
        rows = await api.list_entries(principal, str(event_id), str(table_id) if table_id else None, active_only)
        return [TournamentEntry.of(e) for e in rows]

    @strawberry.field
    async def tournament_clock(self, info: Info, event_id: strawberry.ID) -> TournamentClock:
        """The clock now."""
        api, principal = await _call(info)
        return TournamentClock.of(await api.get_clock(principal, str(event_id)))

    @strawberry.field
    async def tournament_state(self, info: Info, event_id: strawberry.ID) -> TournamentStateUpdate:
        """The tournament-state message the graph receives."""
        api, principal = await _call(info)
        return _state(str(event_id), await api.get_state(principal, str(event_id)))


@strawberry.type
class TournamentMutation:
    """Tournament writes (producer or above)."""

    @strawberry.mutation
    async def create_player(self, info: Info, input: PlayerInput) -> TournamentPlayer:
        """Add a player."""
        api, principal = await _call(info)
        body = ts.PlayerIn(name=input.name, nickname=input.nickname, country=input.country, hometown=input.hometown,
                           notes=input.notes)
        return TournamentPlayer.of(await api.create_player(principal, body))

    @strawberry.mutation
    async def update_player(self, info: Info, id: strawberry.ID, input: PlayerInput) -> TournamentPlayer:
        """Change a player (every field of the input; `country: ""` clears it)."""
        api, principal = await _call(info)
        body = ts.PlayerUpdate(name=input.name, nickname=input.nickname, country=input.country or "",
                               hometown=input.hometown, notes=input.notes)
        return TournamentPlayer.of(await api.update_player(principal, str(id), body))

    @strawberry.mutation
    async def create_tournament_event(self, info: Info, input: EventInput) -> TournamentEvent:
        """Create an event."""
        api, principal = await _call(info)
        body = ts.EventIn(name=input.name, variant=input.variant, buy_in=input.buy_in, currency=input.currency,
                          starting_stack=input.starting_stack)
        return TournamentEvent.of(await api.create_event(principal, body))

    @strawberry.mutation
    async def set_chip_count(self, info: Info, event_id: strawberry.ID, entry_id: strawberry.ID,
                             chips: float) -> TournamentEntry:
        """One seat's chip count."""
        api, principal = await _call(info)
        body = ts.ChipsIn(chips=_chips(chips))
        return TournamentEntry.of(await api.set_chips(principal, str(event_id), str(entry_id), body))

    @strawberry.mutation
    async def bulk_chip_counts(self, info: Info, event_id: strawberry.ID,
                               counts: list[ChipCountInput]) -> list[TournamentEntry]:
        """Counts for a table or the field, all or nothing."""
        api, principal = await _call(info)
        body = ts.BulkChipsIn(counts=[ts.BulkChipRow(
            chips=_chips(c.chips), entry_id=str(c.entry_id) if c.entry_id else None,
            player_id=str(c.player_id) if c.player_id else None, table=c.table, seat=c.seat) for c in counts])
        return [TournamentEntry.of(e) for e in await api.bulk_chips(principal, str(event_id), body)]

    @strawberry.mutation
    async def clock_action(self, info: Info, event_id: strawberry.ID, action: str, seconds: float | None = None,
                           level_index: int | None = None) -> TournamentClock:
        """start, pause, resume, adjust (+/- seconds) or jump (level_index)."""
        api, principal = await _call(info)
        body = ts.ClockIn.model_validate({"action": action, "seconds": seconds, "level_index": level_index})
        return TournamentClock.of(await api.clock_action(principal, str(event_id), body))

    @strawberry.mutation
    async def eliminate_player(self, info: Info, event_id: strawberry.ID, player_id: strawberry.ID,
                               eliminated_by: strawberry.ID | None = None) -> TournamentElimination:
        """Record a bust-out; place and prize follow from the field and the payouts."""
        api, principal = await _call(info)
        body = ts.EliminationIn(player_id=str(player_id),
                                eliminated_by_player_id=str(eliminated_by) if eliminated_by else None)
        out = await api.eliminate(principal, str(event_id), body)
        return TournamentElimination(entry_id=strawberry.ID(out.entry_id), player_id=strawberry.ID(out.player_id),
                                     player_name=out.player_name, place=out.place, prize=out.prize,
                                     winner=TournamentEntry.of(out.winner) if out.winner else None)

    @strawberry.mutation
    async def set_graphics_cues(self, info: Info, event_id: strawberry.ID, cues: JSON) -> TournamentStateUpdate:
        """Which tournament elements are on air (the `graphics` object of the state message)."""
        from pydantic import ValidationError

        from ggpgfx.tournament.state import GraphicsCues

        api, principal = await _call(info)
        try:
            body = GraphicsCues.model_validate(cues)
        except ValidationError as exc:
            raise ServiceError("; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()),
                               422) from None
        return _state(str(event_id), await api.set_graphics(principal, str(event_id), body))


POLL_S = 0.5
MAX_SUBSCRIPTION_S = 3600.0


@strawberry.type
class TournamentSubscription:
    """Live tournament state."""

    @strawberry.subscription
    async def tournament_state(self, info: Info, event_id: strawberry.ID) -> AsyncGenerator[TournamentStateUpdate, None]:
        """The state message now and at every new version (the clock's `remaining_s` is as of `as_of`:
        readers advance it themselves, so a running clock alone does not send a message)."""
        last = -1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_SUBSCRIPTION_S
        while loop.time() < deadline:
            api, principal = await _call(info, fresh=True)
            version = await api.state_version(principal, str(event_id))
            if version != last:
                state = await api.get_state(principal, str(event_id))
                last = state.version
                yield _state(str(event_id), state)
            await asyncio.sleep(POLL_S)

"""The tournament-state message: everything the on-air tournament graphics draw, in one versioned value.

The platform builds it (`GET /api/v1/events/{id}/state`), `ingest.tournament` emits it into a graph and
`render.overlay` draws it (input `tournament`, latest semantics). `docs/tournament.md` is the contract;
extend additively and bump `SCHEMA_VERSION` only for a change an old reader would misread.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ggpgfx.errors import ConfigError
from ggpgfx.graph.load import MAX_DEPTH, json_depth_ok
from ggpgfx.tournament.clock import BlindLevel, ClockAnchor, clock_position
from ggpgfx.tournament.countries import country_code
from ggpgfx.tournament.payouts import PayoutPlace, prize_for_place, validate_payouts

SCHEMA_VERSION = 1

#: built on first use, not at import: a media graph names these models only as port types (issue #21 start-up)
_STRICT = ConfigDict(extra="forbid", defer_build=True)


class EventInfo(BaseModel):
    """The event: its name, game and money."""

    model_config = _STRICT
    id: str | None = None
    name: str = ""
    variant: str = "nlhe"  # a game code ("nlhe", "plo", ...) as the poker core names games
    currency: str = "USD"  # ISO 4217 code or a symbol-free unit such as "chips"
    buy_in: int = Field(0, ge=0)
    starting_stack: int | None = Field(None, ge=1)


class ClockState(BaseModel):
    """The blind clock as of `as_of`: `remaining_s` was left in level `level_index` then."""

    model_config = _STRICT
    levels: list[BlindLevel] = Field(min_length=1)
    level_index: int = Field(0, ge=0)
    running: bool = False
    level_started_at: float | None = None  # epoch s at which the current level began (at the current pace)
    remaining_s: float = Field(0.0, ge=0)
    as_of: float = 0.0  # epoch s of `remaining_s`

    @model_validator(mode="after")
    def _index_in_range(self) -> ClockState:
        if self.level_index >= len(self.levels):
            raise ValueError(f"level_index {self.level_index} is outside levels (0..{len(self.levels) - 1})")
        return self

    @property
    def level(self) -> BlindLevel:
        """The current level."""
        return self.levels[self.level_index]

    @property
    def next_level(self) -> BlindLevel | None:
        """The level after the current one (None after the last)."""
        index = self.level_index + 1
        return self.levels[index] if index < len(self.levels) else None

    @property
    def next_playing_level(self) -> BlindLevel | None:
        """The next level that is not a break (what "NEXT: 1,000/2,000" shows)."""
        return next((lv for lv in self.levels[self.level_index + 1 :] if not lv.is_break), None)

    @property
    def level_number(self) -> int:
        """The current level's number as a floor announces it: playing levels counted from 1, breaks skipped."""
        return sum(1 for lv in self.levels[: self.level_index + 1] if not lv.is_break)

    def at(self, now: float) -> ClockState:
        """The clock advanced to `now` (levels change when time runs out); itself when paused."""
        if not self.running or now <= self.as_of:
            return self
        used = self.level.duration_s - self.remaining_s
        anchor = ClockAnchor(level_index=self.level_index, started_at=self.as_of - used)
        position = clock_position(self.levels, anchor, now)
        return self.model_copy(
            update={
                "level_index": position.level_index,
                "remaining_s": position.remaining_s,
                "level_started_at": position.level_started_at,
                "running": position.running,
                "as_of": now,
            }
        )


class FieldState(BaseModel):
    """Entries and chips in play."""

    model_config = _STRICT
    entries: int = Field(0, ge=0)
    re_entries: int = Field(0, ge=0)
    players_remaining: int = Field(0, ge=0)
    total_chips: int = Field(0, ge=0)
    average_stack: int | None = Field(None, ge=0)  # None: total_chips / players_remaining
    prize_pool: int = Field(0, ge=0)


class PlayerStats(BaseModel):
    """On-air stats of one player in this event (percentages 0-100; af is a ratio)."""

    model_config = _STRICT
    hands: int = Field(0, ge=0)
    vpip: float | None = Field(None, ge=0, le=100)
    pfr: float | None = Field(None, ge=0, le=100)
    af: float | None = Field(None, ge=0)
    wtsd: float | None = Field(None, ge=0, le=100)


class TournamentPlayer(BaseModel):
    """One entrant: who they are, where they sit, their chips, and where they finished if out."""

    model_config = _STRICT
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    nickname: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    hometown: str | None = None
    photo: str | None = None  # a path (or asset path) of a square image; None: initials are drawn
    chips: int = Field(0, ge=0)
    table: str | None = None
    seat: int | None = Field(None, ge=1, le=10)
    stats: PlayerStats | None = None
    eliminated_place: int | None = Field(None, ge=1)
    prize: int | None = Field(None, ge=0)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None or value == "" else country_code(value)

    @property
    def active(self) -> bool:
        """Still in the tournament."""
        return self.eliminated_place is None


class Elimination(BaseModel):
    """A player out: finishing place and prize (latest first in `TournamentState.eliminations`)."""

    model_config = _STRICT
    player_id: str
    place: int = Field(ge=1)
    prize: int = Field(0, ge=0)
    at: float = 0.0  # epoch s
    eliminated_by: str | None = None  # player id


class GraphicsCues(BaseModel):
    """Which tournament elements the operator has put on air (all off by default)."""

    model_config = _STRICT
    leaderboard: bool = False  # full-screen-side leaderboard
    chip_strip: bool = False  # chip-count strip along the bottom
    clock: bool = False  # blinds-and-clock bug
    field: bool = False  # players-remaining and average-stack bug
    payouts: bool = False  # payout table
    elimination: str | None = None  # player id: the elimination lower third for this player
    profile: str | None = None  # player id: the profile card for this player
    stacks_in_bb: bool = False  # player boxes, leaderboard and strip show stacks in big blinds
    leaderboard_rows: int = Field(10, ge=1, le=30)
    leaderboard_page: int = Field(0, ge=0)  # which page of leaderboard_rows players (a 1,000-player field pages)
    leaderboard_page_s: float | None = Field(None, ge=2, le=120)  # turn the pages by themselves, from leaderboard_page


class TournamentState(BaseModel):
    """The tournament-state message (schema `schema_version`); a new value on every change (`version` grows)."""

    model_config = _STRICT
    schema_version: Literal[1] = 1  # SCHEMA_VERSION
    version: int = Field(0, ge=0)
    event: EventInfo = Field(default_factory=EventInfo)
    clock: ClockState | None = None
    field: FieldState = Field(default_factory=FieldState)
    payouts: list[PayoutPlace] = Field(default_factory=list)
    players: list[TournamentPlayer] = Field(default_factory=list)
    eliminations: list[Elimination] = Field(default_factory=list)  # latest first
    chip_leader: str | None = None  # player id
    graphics: GraphicsCues = Field(default_factory=GraphicsCues)

    @model_validator(mode="after")
    def _consistent(self) -> TournamentState:
        ids: set[str] = set()
        for player in self.players:
            if player.id in ids:
                raise ValueError(f"player id {player.id!r} appears twice in players")
            ids.add(player.id)
        validate_payouts(self.payouts)
        refs = {
            "chip_leader": self.chip_leader,
            "graphics.elimination": self.graphics.elimination,
            "graphics.profile": self.graphics.profile,
        }
        refs.update({f"eliminations[{i}].player_id": e.player_id for i, e in enumerate(self.eliminations)})
        for where, ref in refs.items():
            if ref is not None and ref not in ids:
                raise ValueError(f"{where} names player {ref!r}, who is not in players")
        return self

    # --- what the graphics ask -------------------------------------------------------------------------
    def player(self, player_id: str) -> TournamentPlayer | None:
        """The player with this id, or None."""
        return next((p for p in self.players if p.id == player_id), None)

    def standings(self) -> list[TournamentPlayer]:
        """Players still in, most chips first (ties by name, so the order is stable)."""
        return sorted((p for p in self.players if p.active), key=lambda p: (-p.chips, p.name))

    def leader(self) -> TournamentPlayer | None:
        """The chip leader: `chip_leader` when set, else the biggest stack."""
        if self.chip_leader is not None:
            return self.player(self.chip_leader)
        standings = self.standings()
        return standings[0] if standings else None

    def players_remaining(self) -> int:
        """`field.players_remaining`, or the players not eliminated when the field is not filled in."""
        return self.field.players_remaining or sum(1 for p in self.players if p.active)

    def average_stack(self) -> int:
        """`field.average_stack`, else total chips over players remaining (0 with no one left)."""
        if self.field.average_stack is not None:
            return self.field.average_stack
        remaining = self.players_remaining()
        total = self.field.total_chips or sum(p.chips for p in self.players if p.active)
        return round(total / remaining) if remaining else 0

    def big_blind(self) -> int:
        """The current big blind (the last playing level's during a break; 0 without a clock)."""
        if self.clock is None:
            return 0
        for level in reversed(self.clock.levels[: self.clock.level_index + 1]):
            if not level.is_break:
                return level.big_blind
        return next((lv.big_blind for lv in self.clock.levels if not lv.is_break), 0)

    def prize_for_place(self, place: int) -> int:
        """What finishing `place` wins under this payout table."""
        return prize_for_place(self.payouts, place)

    def with_table_stacks(self, stacks: dict[str, int]) -> TournamentState:
        """This state with the chips of the players a live table seats (by name) replaced by the table's stacks.

        After a hand the table (the poker core's record) knows a feature-table player's chips before anyone can
        enter them, so the field's boards take them from it: the table's and the field's chip counts are one
        number. A name that is not exactly one active player's (case and spacing aside) changes nothing.
        """
        by_name: dict[str, list[int]] = {}
        for index, player in enumerate(self.players):
            if player.active:
                by_name.setdefault(_name_key(player.name), []).append(index)
        players = list(self.players)
        changed = False
        for name, chips in stacks.items():
            found = by_name.get(_name_key(name), [])
            if len(found) == 1 and players[found[0]].chips != chips:
                players[found[0]] = players[found[0]].model_copy(update={"chips": chips})
                changed = True
        return self.model_copy(update={"players": players}) if changed else self

    # --- JSON ------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """The message as JSON text (what the platform serves and `ingest.tournament` reads)."""
        return self.model_dump_json()


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _format_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(x) for x in item["loc"]) or "(top level)"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    count = len(parts)
    return f"{count} error{'s' if count != 1 else ''} in tournament state: " + "; ".join(parts)


def parse_tournament_state(data: str | bytes | dict[str, Any]) -> TournamentState:
    """A TournamentState from JSON text or a dict; ConfigError listing every problem with its field path."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"tournament state is not JSON: {exc}") from None
        except RecursionError:  # nested past the interpreter's own limit
            raise ConfigError(f"tournament state nests deeper than {MAX_DEPTH} levels") from None
    if not json_depth_ok(data):
        raise ConfigError(f"tournament state nests deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise ConfigError(f"tournament state must be a JSON object, got {type(data).__name__}")
    try:
        return TournamentState.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc)) from None

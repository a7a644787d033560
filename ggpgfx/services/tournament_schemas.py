"""Pydantic bodies of the tournament API (players, events, tables, entries, chips, clock, payouts, stats).

The graph's input, `TournamentState`, and the blind level / payout band models are the pure ones of
`ggpgfx.tournament`; these are the platform's own request and response bodies around them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ggpgfx.services.schemas import Model
from ggpgfx.tournament.countries import country_code

MAX_CHIPS = 10**15
MAX_MONEY = 10**12


def _country(value: str | None) -> str | None:
    return None if value is None or not value.strip() else country_code(value)


class PlayerIn(Model):
    """A player (reusable across events); `country` is an ISO 3166-1 alpha-2 code."""

    name: str = Field(min_length=1, max_length=200)
    nickname: str = Field(default="", max_length=200)
    country: str | None = Field(default=None, max_length=8)
    hometown: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=5000)

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        return _country(value)


class PlayerUpdate(Model):
    """Fields to change (omitted ones stay); `country: ""` clears the country."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    nickname: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=8)
    hometown: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str | None) -> str | None:
        return value if value is None or value == "" else country_code(value)


class PlayerOut(Model):
    """A player; `photo_url` serves the cropped photo when one was uploaded."""

    id: str
    name: str
    nickname: str
    country: str | None
    hometown: str
    notes: str
    photo_asset_id: str | None
    photo_url: str | None = None
    created_at: datetime
    updated_at: datetime


class EventIn(Model):
    """An event: name, game variant, buy-in (whole currency units) and starting stack."""

    name: str = Field(min_length=1, max_length=200)
    variant: str = Field(default="nlhe", min_length=1, max_length=40)
    buy_in: int = Field(default=0, ge=0, le=MAX_MONEY)
    currency: str = Field(default="USD", pattern=r"^[A-Za-z]{3}$")
    starting_stack: int = Field(default=20_000, ge=1, le=MAX_CHIPS)


class EventUpdate(Model):
    """Fields to change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    variant: str | None = Field(default=None, min_length=1, max_length=40)
    buy_in: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    starting_stack: int | None = Field(default=None, ge=1, le=MAX_CHIPS)


class EventOut(Model):
    """An event; `version` grows with every change to its data (the state message carries it)."""

    id: str
    name: str
    variant: str
    buy_in: int
    currency: str
    starting_stack: int
    status: str
    payout_mode: str
    payout_places: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class LevelIn(Model):
    """A blind level, or a break (`is_break`, no blinds)."""

    small_blind: int = Field(default=0, ge=0, le=MAX_CHIPS)
    big_blind: int = Field(default=0, ge=0, le=MAX_CHIPS)
    ante: int = Field(default=0, ge=0, le=MAX_CHIPS)
    big_blind_ante: int = Field(default=0, ge=0, le=MAX_CHIPS)
    duration_s: int = Field(gt=0, le=86_400)
    is_break: bool = False
    name: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _blinds(self) -> LevelIn:
        if not self.is_break:
            if self.big_blind <= 0:
                raise ValueError("a playing level needs big_blind > 0 (or is_break: true)")
            if self.small_blind > self.big_blind:
                raise ValueError(f"small_blind {self.small_blind} is larger than big_blind {self.big_blind}")
        return self


class LevelOut(LevelIn):
    """A level at its position (0-based) in the structure."""

    position: int


class StructureIn(Model):
    """The whole blind structure (replaces the current one)."""

    levels: list[LevelIn] = Field(min_length=1, max_length=500)


class CsvIn(Model):
    """CSV text to import (formats in docs/tournament.md); nothing is applied unless every row is valid."""

    csv: str = Field(min_length=1, max_length=2_000_000)


class TableIn(Model):
    """A table of the event."""

    name: str = Field(min_length=1, max_length=40)
    seats: int = Field(default=9, ge=2, le=10)


class TableOut(Model):
    """A table with how many players sit at it."""

    id: str
    name: str
    seats: int
    broken: bool
    players: int


class EntryIn(Model):
    """Register a player (a re-entry when their earlier entry is out); seat now or at the draw."""

    player_id: str = Field(min_length=1, max_length=32)
    table_id: str | None = Field(default=None, max_length=32)
    seat: int | None = Field(default=None, ge=1, le=10)
    chips: int | None = Field(default=None, ge=0, le=MAX_CHIPS)  # default: the event's starting stack


class EntryOut(Model):
    """An entry: seat, chips (with `chips_version` and `chips_updated_at` of the last write) and result."""

    id: str
    player_id: str
    player_name: str
    entry_number: int
    table_id: str | None
    table_name: str | None
    seat: int | None
    chips: int
    chips_version: int
    chips_updated_at: datetime
    chips_updated_by: str
    status: str
    place: int | None
    prize: int | None
    eliminated_at: datetime | None


class ChipsIn(Model):
    """A chip count for one seat."""

    chips: int = Field(ge=0, le=MAX_CHIPS)


class BulkChipRow(Model):
    """One count: name the entry, the player (their live entry) or the table and seat."""

    entry_id: str | None = Field(default=None, max_length=32)
    player_id: str | None = Field(default=None, max_length=32)
    table: str | None = Field(default=None, max_length=40)  # table name
    seat: int | None = Field(default=None, ge=1, le=10)
    chips: int = Field(ge=0, le=MAX_CHIPS)


class BulkChipsIn(Model):
    """Counts for a table or the whole field, applied together or not at all."""

    counts: list[BulkChipRow] = Field(min_length=1, max_length=10_000)


class ChipCountOut(Model):
    """One recorded count (history)."""

    entry_id: str
    chips: int
    level_index: int | None
    source: str
    recorded_by: str
    recorded_at: datetime


class MoveIn(Model):
    """Move a seated player to another table (first free seat unless `seat` is given)."""

    table_id: str = Field(min_length=1, max_length=32)
    seat: int | None = Field(default=None, ge=1, le=10)


class SeatingIn(Model):
    """`draw` seats every unseated player at random, tables kept even; `balance` evens the tables out."""

    action: Literal["draw", "balance"]
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)  # repeatable draws (tests, rehearsals)


class MoveOut(Model):
    """A player moved by a draw, a balance or a table break."""

    entry_id: str
    player_name: str
    from_table: str | None
    from_seat: int | None
    to_table: str
    to_seat: int


class EliminationIn(Model):
    """A bust-out: name the entry or the player (their live entry)."""

    entry_id: str | None = Field(default=None, max_length=32)
    player_id: str | None = Field(default=None, max_length=32)
    eliminated_by_player_id: str | None = Field(default=None, max_length=32)


class EliminationOut(Model):
    """The finishing place and prize; `winner` is set when this bust-out decided the event."""

    entry_id: str
    player_id: str
    player_name: str
    place: int
    prize: int
    eliminated_at: datetime
    eliminated_by: str | None
    winner: EntryOut | None = None


class PayoutRowIn(Model):
    """Places `place_from`..`place_to` each win `amount`, or `percent` of the prize pool each."""

    place_from: int = Field(ge=1, le=100_000)
    place_to: int = Field(ge=1, le=100_000)
    amount: int | None = Field(default=None, ge=0, le=MAX_MONEY)
    percent: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_of(self) -> PayoutRowIn:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give exactly one of amount and percent")
        if self.place_to < self.place_from:
            raise ValueError(f"places {self.place_from}-{self.place_to}: the range ends before it starts")
        return self


class PayoutsIn(Model):
    """`curve`: the standard percentage curve over `places` paid (default ~15% of entries); `table`: `rows`."""

    mode: Literal["curve", "table"]
    places: int | None = Field(default=None, ge=1, le=100_000)
    rows: list[PayoutRowIn] = Field(default_factory=list, max_length=10_000)


class PayoutBandOut(Model):
    """Places `place_from`..`place_to` each win `amount`."""

    place_from: int
    place_to: int
    amount: int


class PayoutsOut(Model):
    """The payout table as it stands for the current field."""

    mode: str
    entries: int
    prize_pool: int
    places_paid: int
    rows: list[PayoutBandOut]


class ClockIn(Model):
    """A clock action: `start` (at `level_index`, default 0), `pause`, `resume`, `adjust` (+/- `seconds`), `jump`."""

    action: Literal["start", "pause", "resume", "adjust", "jump"]
    seconds: float | None = Field(default=None, ge=-86_400, le=86_400)
    level_index: int | None = Field(default=None, ge=0, le=499)


class ClockOut(Model):
    """The clock now (computed from stored times: it survives a restart)."""

    started: bool
    running: bool
    finished: bool
    level_index: int
    level_number: int  # playing levels counted from 1 (breaks not counted)
    level: LevelOut | None
    next_level: LevelOut | None
    remaining_s: float
    level_started_at: float | None  # epoch s
    as_of: float  # epoch s


class SetupSeat(Model):
    """A seat of the live table's hand set-up."""

    seat: int
    name: str
    stack: int


class HandSetupOut(Model):
    """The live table's next hand from the tournament data: the clock's blinds and the seats' chip counts,
    in the shape of the control protocol's `new_hand` arguments (add `button` and `hand_number`)."""

    table: str
    level_index: int | None
    small_blind: int
    big_blind: int
    ante: int
    big_blind_ante: int
    seats: list[SetupSeat]


class HandIn(Model):
    """Recorded hands of the event as PHH text (one hand or several `[n]` sections)."""

    phh: str = Field(min_length=1, max_length=1_000_000)
    table_id: str | None = Field(default=None, max_length=32)


class HandsOut(Model):
    """How many hands were stored and whom they name."""

    hands: int
    players: list[str]


class PlayerStatOut(Model):
    """On-air stats of one player: from recorded hands when there are any, chip data always."""

    player_id: str
    name: str
    hands: int
    vpip: float | None
    pfr: float | None
    af: float | None
    wtsd: float | None
    chips: int
    chips_start: int | None
    chips_peak: int | None
    chip_counts: int


class StatsOut(Model):
    """`source` says where the stats come from: `hands` (VPIP/PFR/AF/WTSD) or `chips` (no hands recorded)."""

    source: Literal["hands", "chips"]
    hands: int
    players: list[PlayerStatOut]

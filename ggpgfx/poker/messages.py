"""Messages that cross graph ports for poker: card reads, operator actions, game events, table state.

These are the shared contract between the table simulator and RFID/vision ingest (producers of
reads and actions), the rules nodes (consumers of both, producers of events and TableState) and
the renderer (consumer of TableState). Extend additively; never rename a field.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    import pyarrow as pa

# A card is two characters: rank (23456789TJQKA) then suit (cdhs), e.g. "Ah", "Td".
Card = str

@functools.cache
def card_reads_schema() -> pa.Schema:
    """One row per card read. `zone` is "seat", "board", "muck" or "burn"; `seat` is the seat number for zone
    "seat" and -1 otherwise. `card` is null when the tag is not registered to a card.

    Built on first use (also as `CARD_READS_SCHEMA`): importing this module must not import pyarrow, since
    every overlay graph imports it for `TableState` and most never carry an Arrow table.
    """
    import pyarrow as pa

    return pa.schema(
        [
            ("pts", pa.int64()),
            ("zone", pa.string()),
            ("seat", pa.int16()),
            ("card", pa.string()),
            ("tag_uid", pa.string()),
            ("source", pa.string()),  # "rfid", "vision", "sim", "fused"
            ("confidence", pa.float32()),
        ]
    )


@functools.cache
def detections_schema() -> pa.Schema:
    """One row per card found in a camera image; boxes are in pixels of that camera's frame (built on first
    use, also as `DETECTIONS_SCHEMA`)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("pts", pa.int64()),
            ("camera", pa.string()),
            ("zone", pa.string()),
            ("seat", pa.int16()),
            ("card", pa.string()),
            ("confidence", pa.float32()),
            ("x0", pa.float32()),
            ("y0", pa.float32()),
            ("x1", pa.float32()),
            ("y1", pa.float32()),
        ]
    )


_LAZY_SCHEMAS = {"CARD_READS_SCHEMA": card_reads_schema, "DETECTIONS_SCHEMA": detections_schema}


def __getattr__(name: str) -> Any:
    """`CARD_READS_SCHEMA` and `DETECTIONS_SCHEMA`, built (and pyarrow imported) when first asked for."""
    if name in _LAZY_SCHEMAS:
        return _LAZY_SCHEMAS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def card_reads_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Build a CardReads table from row dicts (missing optional fields get defaults)."""
    full = [
        {
            "pts": int(r.get("pts", 0)),
            "zone": r["zone"],
            "seat": int(r.get("seat", -1)),
            "card": r.get("card"),
            "tag_uid": r.get("tag_uid", ""),
            "source": r.get("source", "sim"),
            "confidence": float(r.get("confidence", 1.0)),
        }
        for r in rows
    ]
    import pyarrow as pa

    return pa.Table.from_pylist(full, schema=card_reads_schema())


def load_card_reads() -> None:
    """Import pyarrow, and what its first table build imports (pandas' shim): ~0.35 CPU-s, with the GIL held.
    A node that emits card reads calls this in setup, so its first read mid-stream does not stall the
    process's frame path for it (a live table's first reads held every frame back by half a second, #21)."""
    card_reads_table([])


def _game_code(value: str) -> str:
    """A game code from the variant registry (an alias such as "omaha" becomes its code "plo")."""
    from ggpgfx.poker.variants import VARIANTS, variant  # pokerkit loads only when a game is named

    try:
        return variant(value).code
    except ValueError:
        raise ValueError(f"unknown game {value!r}: choose one of {', '.join(VARIANTS)}") from None


#: Models are built on first use, not at import: a media graph names them only as port types (issue #21
#: start-up). Deferring changes when a model's validator is built, never what it accepts.
_LAZY = ConfigDict(defer_build=True)
_STRICT = ConfigDict(extra="forbid", defer_build=True)


class SeatSetup(BaseModel):
    """One occupied seat at the start of a hand."""

    model_config = _STRICT
    seat: int = Field(ge=1, le=10)
    name: str
    stack: int = Field(ge=0)


class HandSetup(BaseModel):
    """Everything needed to start a hand: game, seats, stacks, forced bets, button."""

    model_config = _STRICT
    hand_number: int = 1
    game: str = Field("nlhe", description="a game code of ggpgfx.poker.variants.VARIANTS, e.g. nlhe, plo")
    seats: list[SeatSetup]
    button: int
    small_blind: int = 0
    big_blind: int = 0
    ante: int = 0
    straddles: list[int] = Field(default_factory=list)
    bomb_pot: bool = False
    small_bet: int = 0  # fixed-limit only
    big_bet: int = 0  # fixed-limit only
    big_blind_ante: int = 0  # added by the poker core: one ante paid by the big blind for the table
    # Added by the poker core for imported histories: per-position forced bets in pokerkit order (small
    # blind first; a negative blind is a dead blind posted out of position). When set they replace
    # small_blind / big_blind / straddles / ante / big_blind_ante.
    raw_blinds: list[int] = Field(default_factory=list)
    raw_antes: list[int] = Field(default_factory=list)

    @field_validator("game")
    @classmethod
    def _known_game(cls, value: str) -> str:
        return _game_code(value)


ActionKind = Literal[
    "start_hand",
    "fold",
    "check",
    "call",
    "bet",
    "raise",
    "all_in",
    "undo",
    "misdeal",
    "adjust_stack",
    "hide_graphics",
    "show_graphics",
    "showdown",
    "award_pot",
    "end_hand",
    "camera",
    # added by the live control channel (ingest.operator)
    "deal",  # hole cards typed by the operator: `seat`, `cards`
    "board",  # board cards typed by the operator: `cards`
    "tag",  # a note on the current hand: `note`
    "ticker",  # ticker text: `note`
    "lower_third",  # lower-third text: `note` ("" hides it)
    "leaderboard",  # show or hide the leaderboard: `shown`
]


class OperatorAction(BaseModel):
    """One entry from the operator (Action Tracker) or the simulator.

    `amount` is the total a bet or raise goes *to*, or the new stack for `adjust_stack`.
    `hand` is set for `start_hand`. `camera` names a source for a manual camera override. `cards` are the
    cards of `deal` (a seat's hole cards) and `board`; `note` carries the text of `tag`, `ticker` and
    `lower_third`.
    """

    model_config = _STRICT
    kind: ActionKind
    seat: int | None = None
    amount: int | None = None
    hand: HandSetup | None = None
    camera: str | None = None
    note: str = ""
    pts: int = 0
    cards: list[Card] = Field(default_factory=list)  # deal / board
    shown: bool | None = None  # leaderboard


class GameEvent(BaseModel):
    """An event of the game log (for recording, Kafka, hand histories). `key` is idempotent."""

    model_config = _STRICT
    key: str  # unique and stable: "<table>/<hand>/<index>"
    kind: str
    hand_number: int
    pts: int = 0
    seat: int | None = None
    amount: int | None = None
    cards: list[Card] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


RevealLevel = Literal["none", "delayed", "live"]
"""Who may see a hole card: nobody, the delayed broadcast only, or every output (tabled at showdown)."""

SeatStatus = Literal["active", "folded", "all_in", "sitting_out", "empty"]
Street = Literal["idle", "preflop", "flop", "turn", "river", "showdown", "complete"]


class SeatState(BaseModel):
    """One seat as the renderer shows it."""

    model_config = _LAZY

    seat: int
    name: str
    stack: int
    bet: int = 0
    status: SeatStatus = "active"
    hole_cards: list[Card] = Field(default_factory=list)
    revealed_to: RevealLevel = "delayed"
    hand_label: str | None = None
    equity_win: float | None = None  # 0..1: share of runouts won alone
    equity_tie: float | None = None  # 0..1: share of runouts split
    equity_share: float | None = None  # 0..1: expected share of the pot, splits shared (what the overlay shows)
    outs: list[Card] | None = None
    last_action: str | None = None
    is_to_act: bool = False
    is_button: bool = False
    country: str | None = None
    photo: str | None = None

    @property
    def equity(self) -> float | None:
        """The equity graphics show: the expected share of the pot (a likely split counts, so a chopped hand is
        not "0 %" and the seats in a hand add up to 100 %), or the win share where a producer sent only that."""
        return self.equity_share if self.equity_share is not None else self.equity_win


class PotState(BaseModel):
    """A main or side pot and the seats that can win it."""

    model_config = _LAZY

    amount: int
    eligible_seats: list[int] = Field(default_factory=list)


class TableState(BaseModel):
    """The whole table as the renderer consumes it; a new value on every change (`version` grows)."""

    model_config = _LAZY

    table: str = "table-1"
    version: int = 0
    pts: int = 0
    hand_number: int = 0
    game: str = "nlhe"  # a game code of the variant registry (validated)
    street: Street = "idle"
    board: list[Card] = Field(default_factory=list)
    pots: list[PotState] = Field(default_factory=list)
    total_pot: int = 0
    button: int | None = None
    to_act: int | None = None
    small_blind: int = 0
    big_blind: int = 0
    ante: int = 0
    last_action: str | None = None
    seats: list[SeatState] = Field(default_factory=list)
    graphics_hidden: bool = False
    equity_method: str | None = None  # "exact" or "monte-carlo ±0.3%"
    flags: list[str] = Field(default_factory=list)  # e.g. conflicting reads
    # Added by the poker core: what each seat won in the finished hand (seat -> chips), as pokerkit pushed it.
    winnings: dict[int, int] = Field(default_factory=dict)
    # The operator's last graphics cues (None: none sent, the overlay's own params decide).
    ticker: str | None = None  # ticker text; "" hides the ticker
    lower_third: str | None = None  # lower-third text (a newline splits title and subtitle); "" hides it
    leaderboard_shown: bool | None = None  # leaderboard forced on or off

    @field_validator("game")
    @classmethod
    def _known_game(cls, value: str) -> str:
        return _game_code(value)

    def seat(self, number: int) -> SeatState | None:
        """The seat with this number, or None."""
        for s in self.seats:
            if s.seat == number:
                return s
        return None

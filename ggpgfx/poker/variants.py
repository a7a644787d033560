"""Every game the platform plays, described once: one `Variant` per game in `VARIANTS`.

A variant carries its pokerkit game class (pokerkit owns the rules) and reads the hole-card count,
the deck and the betting structure from that class; it adds what pokerkit does not say: our wire code
(`HandSetup.game` / `TableState.game`), the display name, the evaluator family our own fast evaluator
and equity engine use, whether the pot splits high/low, the PHH variant code, and other accepted names.
Adding a game is one entry in `VARIANTS` (plus tests); evaluator, equity, outs, the CLI, PHH import and
the table simulator all look it up here.

pokerkit ships NL/FL Hold'em, PLO (4 cards) and NL short deck; the other variants the
broadcast needs (PL Hold'em, PLO5/6, PL Omaha hi-lo) are the same streets with another betting structure,
hole-card count or hand types, so they are declared here from pokerkit's own mixins. (pokerkit's fixed-limit
Omaha hi-lo class, PHH "FO/8", is left out: it takes fixed bet sizes but declares pot-limit betting.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import pokerkit
from pokerkit import Automation, BettingStructure, Mode, Poker, State

from ggpgfx.errors import ConfigError
from ggpgfx.poker.cards import FULL_DECK
from ggpgfx.poker.messages import HandSetup


class PotLimitTexasHoldem(pokerkit.games.PotLimitPokerMixin, pokerkit.games.TexasHoldemMixin,
                          pokerkit.games.UnfixedLimitHoldem):
    """Pot-limit Texas hold'em."""


class PotLimitOmaha5(pokerkit.PotLimitOmahaHoldem):
    """Pot-limit five-card Omaha."""

    hole_dealing_count = 5


class PotLimitOmaha6(pokerkit.PotLimitOmahaHoldem):
    """Pot-limit six-card Omaha."""

    hole_dealing_count = 6


class PotLimitOmahaHiLo(pokerkit.PotLimitOmahaHoldem):
    """Pot-limit Omaha high/low split, eight or better."""

    hand_types = (pokerkit.OmahaHoldemHand, pokerkit.OmahaEightOrBetterLowHand)  # type: ignore[assignment]


class PotLimitOmaha5HiLo(PotLimitOmahaHiLo):
    """Pot-limit five-card Omaha high/low split, eight or better."""

    hole_dealing_count = 5


class PotLimitOmaha6HiLo(PotLimitOmahaHiLo):
    """Pot-limit six-card Omaha high/low split, eight or better."""

    hole_dealing_count = 6


#: Dealing, burning and showing are ours (from card reads); everything else pokerkit does by itself.
#: (pokerkit's automatic burn draws a random card, which could be one the reader later sees dealt.)
AUTOMATIONS = (
    Automation.ANTE_POSTING,
    Automation.BET_COLLECTION,
    Automation.BLIND_OR_STRADDLE_POSTING,
    Automation.RUNOUT_COUNT_SELECTION,
    Automation.HAND_KILLING,
    Automation.CHIPS_PUSHING,
    Automation.CHIPS_PULLING,
)

Evaluator = Literal["holdem", "omaha"]
"""How a hand is made: best five of hole cards and board, or exactly two hole cards and three board cards."""


@dataclass(frozen=True)
class Variant:
    """One game: wire code, display name, pokerkit class, evaluator family, hi/lo, PHH code, other names."""

    code: str
    name: str
    game_class: type[Poker]
    evaluator: Evaluator
    hi_lo: bool = False
    phh_code: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def hole_cards(self) -> int:
        """Hole cards dealt to each player (pokerkit's `hole_dealing_count`)."""
        return int(self.game_class.hole_dealing_count)  # type: ignore[attr-defined]

    @cached_property
    def deck(self) -> tuple[str, ...]:
        """The cards of this game's deck (pokerkit's `deck`), in our card order."""
        cards = {repr(card) for card in self.game_class.deck}  # type: ignore[attr-defined]
        return tuple(card for card in FULL_DECK if card in cards)

    @property
    def short_deck(self) -> bool:
        """Six-plus deck: its own hand ranking (a flush beats a full house) and no cards below six."""
        return len(self.deck) == 36

    @property
    def fixed_limit(self) -> bool:
        """Bets come in fixed sizes (small bet, big bet) instead of a minimum and a cap."""
        return self.game_class.betting_structure is BettingStructure.FIXED_LIMIT  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return self.code


VARIANTS: dict[str, Variant] = {v.code: v for v in (
    Variant("nlhe", "No-Limit Hold'em", pokerkit.NoLimitTexasHoldem, "holdem", phh_code="NT", aliases=("holdem",)),
    Variant("plhe", "Pot-Limit Hold'em", PotLimitTexasHoldem, "holdem"),
    Variant("flhe", "Limit Hold'em", pokerkit.FixedLimitTexasHoldem, "holdem", phh_code="FT"),
    Variant("plo", "Pot-Limit Omaha", pokerkit.PotLimitOmahaHoldem, "omaha", phh_code="PO", aliases=("omaha",)),
    Variant("plo5", "5-Card PLO", PotLimitOmaha5, "omaha", aliases=("omaha5",)),
    Variant("plo6", "6-Card PLO", PotLimitOmaha6, "omaha", aliases=("omaha6",)),
    Variant("plo8", "PLO Hi-Lo", PotLimitOmahaHiLo, "omaha", hi_lo=True, aliases=("omaha8",)),
    Variant("plo5_8", "5-Card PLO Hi-Lo", PotLimitOmaha5HiLo, "omaha", hi_lo=True, aliases=("omaha5_8",)),
    Variant("plo6_8", "6-Card PLO Hi-Lo", PotLimitOmaha6HiLo, "omaha", hi_lo=True, aliases=("omaha6_8",)),
    Variant("shortdeck", "Short Deck", pokerkit.NoLimitShortDeckHoldem, "holdem", phh_code="NS"),
)}
_BY_NAME: dict[str, Variant] = {name: v for v in VARIANTS.values() for name in (v.code, *v.aliases)}
_BY_PHH: dict[str, Variant] = {v.phh_code: v for v in VARIANTS.values() if v.phh_code}


def variant(game: str | Variant) -> Variant:
    """The variant of a game code or alias (a Variant passes through); ConfigError naming the codes otherwise."""
    if isinstance(game, Variant):
        return game
    found = _BY_NAME.get(game)
    if found is None:
        raise ConfigError(f"unknown game {game!r}: choose one of {', '.join(VARIANTS)}")
    return found


def phh_variant(code: str) -> Variant:
    """The variant of a PHH `variant` code such as "PO" (ConfigError naming the supported codes otherwise)."""
    found = _BY_PHH.get(code)
    if found is None:
        raise ConfigError(f"PHH variant {code!r} is not played here (supported: {', '.join(_BY_PHH)})")
    return found


def game_help() -> str:
    """One line naming every game code (for CLI help)."""
    return ", ".join(f"{v.code} ({v.name})" for v in VARIANTS.values())


def position_order(setup: HandSetup) -> list[int]:
    """Seat numbers in pokerkit player order: first seat after the button ... the button last."""
    seats = sorted(s.seat for s in setup.seats)
    if setup.button not in seats:
        raise ConfigError(f"button seat {setup.button} is not an occupied seat ({seats})")
    start = seats.index(setup.button) + 1
    return seats[start:] + seats[:start]


def create_game(setup: HandSetup, stacks: dict[int, int] | None = None) -> tuple[Poker, list[int], list[int]]:
    """The pokerkit game of this hand, its starting stacks and the seat number of each player index."""
    chosen = variant(setup.game)
    order = position_order(setup)
    by_seat = {s.seat: s.stack for s in setup.seats}
    if stacks:
        by_seat.update({seat: value for seat, value in stacks.items() if seat in by_seat})
    count = len(order)
    if count < 2:
        raise ConfigError("a hand needs at least two seated players")
    if setup.bomb_pot:
        antes: list[int] = [setup.ante or setup.big_blind] * count
        blinds: list[int] = [0] * count
    else:
        antes = [setup.ante] * count
        if setup.big_blind_ante:
            antes[1] += setup.big_blind_ante
        blinds = [setup.small_blind, setup.big_blind, *setup.straddles][:count]
        blinds += [0] * (count - len(blinds))
    if setup.raw_blinds:
        blinds = (list(setup.raw_blinds) + [0] * count)[:count]
    if setup.raw_antes:
        antes = (list(setup.raw_antes) + [0] * count)[:count]
    starting = [by_seat[seat] for seat in order]
    minimum = max(setup.big_blind, setup.ante, 1)
    # Trimming returns the part of uniform antes nobody matched; a big-blind ante is not uniform and stays.
    trimming = not setup.big_blind_ante and len({a for a in antes if a}) <= 1 and (not any(antes) or all(antes))
    factory: Any = chosen.game_class  # each pokerkit class has its own constructor (fixed limit: two bet sizes)
    if chosen.fixed_limit:
        small_bet = setup.small_bet or setup.big_blind or minimum
        game = factory(AUTOMATIONS, trimming, antes, blinds, small_bet, setup.big_bet or 2 * small_bet,
                                 mode=Mode.CASH_GAME)
    else:
        game = factory(AUTOMATIONS, trimming, antes, blinds, minimum, mode=Mode.CASH_GAME)
    return game, starting, order


def create_state(setup: HandSetup, stacks: dict[int, int] | None = None) -> tuple[State, list[int]]:
    """A fresh pokerkit State for this hand and the seat number of each player index."""
    game, starting, order = create_game(setup, stacks)
    return game(starting, len(order)), order

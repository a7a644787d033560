"""Our game names mapped onto pokerkit game definitions (pokerkit owns the rules).

pokerkit ships NL/FL Hold'em, PLO (4 cards), FL Omaha hi-lo and NL short deck; the other variants the
broadcast needs (PL Hold'em, PLO5/6, PL Omaha hi-lo) are the same streets with another betting structure,
hole-card count or hand types, so they are declared here from pokerkit's own mixins.
"""

from __future__ import annotations

from dataclasses import dataclass

import pokerkit
from pokerkit import Automation, Mode, Poker, State

from ggpgfx.errors import ConfigError
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


@dataclass(frozen=True)
class Variant:
    """A game: its pokerkit class, hole-card count, equity game name and whether limits are fixed."""

    game_class: type
    hole_cards: int
    equity_game: str
    fixed_limit: bool = False
    short_deck: bool = False


VARIANTS: dict[str, Variant] = {
    "nlhe": Variant(pokerkit.NoLimitTexasHoldem, 2, "holdem"),
    "plhe": Variant(PotLimitTexasHoldem, 2, "holdem"),
    "flhe": Variant(pokerkit.FixedLimitTexasHoldem, 2, "holdem", fixed_limit=True),
    "plo": Variant(pokerkit.PotLimitOmahaHoldem, 4, "omaha"),
    "plo5": Variant(PotLimitOmaha5, 5, "omaha5"),
    "plo6": Variant(PotLimitOmaha6, 6, "omaha6"),
    "plo8": Variant(PotLimitOmahaHiLo, 4, "omaha8"),
    "plo5_8": Variant(PotLimitOmaha5HiLo, 5, "omaha5_8"),
    "shortdeck": Variant(pokerkit.NoLimitShortDeckHoldem, 2, "shortdeck", short_deck=True),
}


def variant(game: str) -> Variant:
    """The variant of a game name (ConfigError naming the choices otherwise)."""
    try:
        return VARIANTS[game]
    except KeyError:
        raise ConfigError(f"unknown game {game!r}: choose one of {', '.join(VARIANTS)}") from None


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
    if chosen.fixed_limit:
        small_bet = setup.small_bet or setup.big_blind or minimum
        game = chosen.game_class(AUTOMATIONS, trimming, antes, blinds, small_bet, setup.big_bet or 2 * small_bet,
                                 mode=Mode.CASH_GAME)
    else:
        game = chosen.game_class(AUTOMATIONS, trimming, antes, blinds, minimum, mode=Mode.CASH_GAME)
    return game, starting, order


def create_state(setup: HandSetup, stacks: dict[int, int] | None = None) -> tuple[State, list[int]]:
    """A fresh pokerkit State for this hand and the seat number of each player index."""
    game, starting, order = create_game(setup, stacks)
    return game(starting, len(order)), order

"""Cards as small integers: `rank * 4 + suit`, ranks 2..A as 0..12, suits c, d, h, s as 0..3.

This is the layout phevaluator and most fast evaluators use, so arrays cross over without remapping.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ggpgfx.errors import ConfigError

RANKS = "23456789TJQKA"
SUITS = "cdhs"
RANK_NAMES = ("Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Jack", "Queen", "King", "Ace")
RANK_PLURALS = ("Twos", "Threes", "Fours", "Fives", "Sixes", "Sevens", "Eights", "Nines", "Tens", "Jacks",
                "Queens", "Kings", "Aces")
FULL_DECK = tuple(r + s for r in RANKS for s in SUITS)
#: Short deck (6+) keeps ranks 6..A: 36 cards.
SHORT_DECK = tuple(c for c in FULL_DECK if RANKS.index(c[0]) >= 4)


def card_to_int(card: str) -> int:
    """Integer of a two-character card such as "Ah" (rank then suit; "10h" is accepted for "Th")."""
    text = card.strip()
    if text.startswith("10"):
        text = "T" + text[2:]
    if len(text) != 2:
        raise ConfigError(f"bad card {card!r}: expected rank 2-9TJQKA then suit cdhs, e.g. 'Ah'")
    rank = RANKS.find(text[0].upper())
    suit = SUITS.find(text[1].lower())
    if rank < 0 or suit < 0:
        raise ConfigError(f"bad card {card!r}: expected rank 2-9TJQKA then suit cdhs, e.g. 'Ah'")
    return rank * 4 + suit


def int_to_card(value: int) -> str:
    """Two-character text of a card integer."""
    return RANKS[value >> 2] + SUITS[value & 3]


def split_cards(text: str) -> list[str]:
    """Split "AhKd", "Ah Kd" or "Ah,Kd" into two-character cards."""
    compact = text.replace(",", "").replace(" ", "").replace("10", "T")
    if len(compact) % 2:
        raise ConfigError(f"bad cards {text!r}: expected pairs like 'AhKd'")
    return [compact[i : i + 2] for i in range(0, len(compact), 2)]


def parse_cards(cards: str | Iterable[str | int]) -> list[int]:
    """Card integers from text ("AhKd") or a sequence of cards / integers; rejects duplicates."""
    items: Iterable[str | int] = split_cards(cards) if isinstance(cards, str) else cards
    result = [int(c) if isinstance(c, int | np.integer) else card_to_int(c) for c in items]
    for value in result:
        if not 0 <= value < 52:
            raise ConfigError(f"bad card integer {value}: expected 0..51")
    if len(set(result)) != len(result):
        raise ConfigError(f"duplicate card in {format_cards(result)}")
    return result


def format_cards(values: Iterable[int]) -> str:
    """Compact text of card integers, e.g. "AhKd"."""
    return "".join(int_to_card(int(v)) for v in values)


def card_list(values: Iterable[int]) -> list[str]:
    """List of two-character cards from card integers."""
    return [int_to_card(int(v)) for v in values]


def deck_mask(short_deck: bool = False) -> np.ndarray:
    """Boolean mask of the 52 card integers that are in the deck of this game."""
    mask = np.ones(52, dtype=np.bool_)
    if short_deck:
        mask[:16] = False
    return mask

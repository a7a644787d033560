"""Hand evaluation: Hold'em (5/6/7 cards), Omaha's two-from-hand rule, short deck, 8-or-better low.

Values are integers, higher is better, comparable within one game (see `tables.py` for the layout).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ggpgfx.errors import ConfigError
from ggpgfx.poker import kernels
from ggpgfx.poker.cards import RANK_NAMES, RANK_PLURALS, RANKS, parse_cards
from ggpgfx.poker.tables import SHORT_DECK_CATEGORIES, STANDARD_CATEGORIES, Tables, get_tables
from ggpgfx.poker.variants import Variant, variant

NO_LOW = kernels.NO_LOW
CardsLike = str | Iterable[str | int]


def _tables_for(short_deck: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t: Tables = get_tables()
    if short_deck:
        return t.card_keys, t.row_offsets, t.sd_rank_values, t.sd_flush_values
    return t.card_keys, t.row_offsets, t.rank_values, t.flush_values


def evaluate_batch(hands: np.ndarray, short_deck: bool = False) -> np.ndarray:
    """Values (uint32) of each row of an (N, k) card-integer array, k in 5..7, on all cores."""
    array = np.ascontiguousarray(hands)
    if array.ndim != 2 or not 5 <= array.shape[1] <= 7:
        raise ConfigError(f"evaluate_batch wants an (N, 5..7) card array, got shape {array.shape}")
    with kernels.threads_for(len(array), 100_000):
        return kernels.evaluate_batch_kernel(array, *_tables_for(short_deck))


def evaluate(cards: CardsLike, short_deck: bool = False) -> int:
    """Value of the best five-card hand among 5 to 7 cards (Hold'em / short-deck rules)."""
    values = parse_cards(cards)
    if not 5 <= len(values) <= 7:
        raise ConfigError(f"evaluate wants 5 to 7 cards, got {len(values)}")
    return int(evaluate_batch(np.array([values], dtype=np.int8), short_deck)[0])


def evaluate_partial(cards: CardsLike, short_deck: bool = False) -> int:
    """Value of 1 to 7 cards, ranking what is there (used for labels before the board is out)."""
    values = parse_cards(cards)
    card_keys, row_offsets, rank_values, flush_values = _tables_for(short_deck)
    key = kernels.SUIT_START + int(sum(int(card_keys[c]) for c in values))
    if key & kernels.FLUSH_BITS:
        return int(kernels.value_of_key(key, np.array(values, dtype=np.int64), len(values), *_tables_for(short_deck)))
    rank_key = key >> 32
    return int(rank_values[(rank_key & kernels.ROW_MASK) + row_offsets[rank_key >> kernels.ROW_SHIFT]])


def evaluate_omaha(hole_cards: CardsLike, board: CardsLike) -> int:
    """Omaha high value: exactly two hole cards and exactly three board cards."""
    hole = np.array(parse_cards(hole_cards), dtype=np.int8)
    table = np.array(parse_cards(board), dtype=np.int8)
    if hole.size < 2 or table.size < 3:
        raise ConfigError("Omaha needs at least 2 hole cards and 3 board cards")
    return int(evaluate_omaha_batch(hole[None, :], table[None, :])[0])


def evaluate_omaha_batch(holes: np.ndarray, boards: np.ndarray) -> np.ndarray:
    """Omaha high values for paired rows of hole cards (N, 4..6) and boards (N, 3..5)."""
    with kernels.threads_for(len(holes), 20_000):
        return kernels.omaha_batch_kernel(np.ascontiguousarray(holes), np.ascontiguousarray(boards),
                                          *_tables_for(False))


def evaluate_low(hole_cards: CardsLike, board: CardsLike, omaha: bool = True) -> int | None:
    """8-or-better low as a rank mask (lower wins), or None without a qualifying low.

    Omaha uses exactly two hole cards; otherwise any five of hole + board.
    """
    hole = np.array(parse_cards(hole_cards), dtype=np.int8)
    table = np.array(parse_cards(board), dtype=np.int8)
    if omaha:
        value = int(kernels.omaha_low_batch_kernel(hole[None, :], table[None, :])[0])
    else:
        mask = 0
        for c in np.concatenate([hole, table]):
            mask |= int(kernels.low_bit(int(c)))
        while bin(mask).count("1") > 5:
            mask &= ~(1 << (mask.bit_length() - 1))  # keep the five lowest distinct ranks
        value = mask if bin(mask).count("1") == 5 else NO_LOW
    return None if value == NO_LOW else value


def low_label(mask: int) -> str:
    """Text of an 8-or-better low mask, e.g. "8-6-4-2-A low"."""
    names = ["A", "2", "3", "4", "5", "6", "7", "8"]
    ranks = [names[i] for i in range(7, -1, -1) if mask >> i & 1]
    return "-".join(ranks) + " low"


def value_ranks(value: int) -> list[int]:
    """The rank indices (0 = deuce .. 12 = ace) packed in a value, most significant first."""
    nibbles = [(value >> (16 - 4 * i)) & 0xF for i in range(5)]
    return [n - 1 for n in nibbles if n]


def category(value: int) -> int:
    """Category index of a value (0 = high card .. 8 = straight flush, in that game's order)."""
    return value >> 20


def hand_label(value: int, short_deck: bool = False) -> str:
    """Broadcast label of a value, e.g. "Two Pair, Kings and Sevens" or "Flush, Ace high"."""
    names = SHORT_DECK_CATEGORIES if short_deck else STANDARD_CATEGORIES
    name = names[category(value)]
    ranks = value_ranks(value)
    if not ranks:
        return name
    first = ranks[0]
    if name == "Straight Flush":
        return "Royal Flush" if first == 12 else f"Straight Flush, {RANK_NAMES[first]} high"
    if name in ("Straight", "Flush"):
        return f"{name}, {RANK_NAMES[first]} high"
    if name == "High Card":
        return f"High Card, {RANK_NAMES[first]}"
    if name == "Pair":
        return f"Pair of {RANK_PLURALS[first]}"
    if name == "Two Pair":
        return f"Two Pair, {RANK_PLURALS[first]} and {RANK_PLURALS[ranks[1]]}"
    if name == "Full House":
        return f"Full House, {RANK_PLURALS[first]} full of {RANK_PLURALS[ranks[1]]}"
    return f"{name}, {RANK_PLURALS[first]}"


def describe(hole_cards: Sequence[str], board: Sequence[str], game: str | Variant = "nlhe") -> str | None:
    """Label of the best hand a player holds now (None when nothing is known)."""
    if not hole_cards:
        return None
    chosen = variant(game)
    if chosen.evaluator == "omaha":
        if len(board) < 3:
            return None
        label = hand_label(evaluate_omaha(hole_cards, board))
        if chosen.hi_lo:  # the low half too, when there is one
            low = evaluate_low(hole_cards, board)
            if low is not None:
                label += f" / {low_label(low)}"
        return label
    if chosen.hi_lo:
        raise ConfigError(f"{chosen.name}: no hi-lo Hold'em evaluator")
    short = chosen.short_deck
    cards = list(hole_cards) + list(board)
    if len(board) < 3 and not (len(hole_cards) == 2 and hole_cards[0][:1] == hole_cards[1][:1]):
        # before the flop nobody has a made hand: "High Card, Queen" is not said on air; a pocket pair is one
        # ("Pair of Queens"), so it keeps its label (docs/render.md, "Hand labels")
        return None
    if len(cards) >= 5:
        return hand_label(evaluate(cards[:7], short), short)
    return hand_label(evaluate_partial(cards, short), short)


def rank_char(rank: int) -> str:
    """One-character rank symbol (0 -> "2")."""
    return RANKS[rank]

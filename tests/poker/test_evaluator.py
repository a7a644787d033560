"""Evaluator against phevaluator (every 5-card hand, 1e6 random 7-card hands) and pokerkit (Omaha, short deck)."""

from __future__ import annotations

import itertools

import numpy as np
import pokerkit
import pytest
from phevaluator import evaluate_cards

from ggpgfx.poker import evaluator as ev
from ggpgfx.poker.cards import SHORT_DECK, format_cards, int_to_card


def _random_hands(rng: np.random.Generator, count: int, width: int, low: int = 0) -> np.ndarray:
    """Rows of `width` distinct cards from low..51."""
    keys = rng.random((count, 52 - low))
    return (np.argpartition(keys, width, axis=1)[:, :width] + low).astype(np.int8)


@pytest.fixture(scope="module")
def five_card_map() -> dict[int, int]:
    """Our value -> phevaluator rank, learned from every five-card hand (must be a bijection)."""
    combos = np.array(list(itertools.combinations(range(52), 5)), dtype=np.int8)
    ours = ev.evaluate_batch(combos)
    theirs = np.fromiter((evaluate_cards(*row) for row in combos.tolist()), dtype=np.int32, count=len(combos))
    pairs = np.unique(np.stack([ours.astype(np.int64), theirs]), axis=1)
    assert pairs.shape[1] == 7462, "each of our classes maps to exactly one phevaluator class"
    assert len(np.unique(pairs[0])) == 7462 and len(np.unique(pairs[1])) == 7462
    order = np.argsort(pairs[0])
    assert np.all(np.diff(pairs[1][order]) < 0), "higher value must mean a better phevaluator rank"
    return dict(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))


def test_all_five_card_hands_match_phevaluator(five_card_map: dict[int, int]) -> None:
    assert len(five_card_map) == 7462


def test_million_seven_card_hands_match_phevaluator(five_card_map: dict[int, int]) -> None:
    rng = np.random.default_rng(7)
    mapping = np.zeros(1 << 24, dtype=np.int32)
    mapping[np.array(list(five_card_map))] = np.array(list(five_card_map.values()))
    for _ in range(4):
        hands = _random_hands(rng, 250_000, 7)
        ours = mapping[ev.evaluate_batch(hands)]
        theirs = np.fromiter((evaluate_cards(*row) for row in hands.tolist()), dtype=np.int32)
        assert np.array_equal(ours, theirs)


def test_six_card_hands_match_phevaluator(five_card_map: dict[int, int]) -> None:
    hands = _random_hands(np.random.default_rng(6), 50_000, 6)
    ours = [five_card_map[v] for v in ev.evaluate_batch(hands).tolist()]
    assert ours == [evaluate_cards(*row) for row in hands.tolist()]


def _pokerkit_order(hands: list[pokerkit.Hand]) -> list[int]:
    return [sum(other < hand for other in hands) - sum(hand < other for other in hands) for hand in hands]


def test_omaha_matches_pokerkit() -> None:
    rng = np.random.default_rng(3)
    for hole_count in (4, 5, 6):
        rows = _random_hands(rng, 150, hole_count + 5)
        holes, boards = rows[:, :hole_count], rows[:, hole_count:]
        ours = ev.evaluate_omaha_batch(holes, boards)
        kit = [pokerkit.OmahaHoldemHand.from_game(format_cards(h), format_cards(b))
               for h, b in zip(holes, boards, strict=True)]
        ours_order = [int(np.sum(ours < v)) - int(np.sum(ours > v)) for v in ours]
        assert ours_order == _pokerkit_order(kit)


def test_omaha_low_matches_pokerkit() -> None:
    rng = np.random.default_rng(4)
    rows = _random_hands(rng, 300, 9)
    ours = [ev.evaluate_low(format_cards(r[:4]), format_cards(r[4:])) for r in rows]
    for row, value in zip(rows, ours, strict=True):
        try:
            hand = pokerkit.OmahaEightOrBetterLowHand.from_game(format_cards(row[:4]), format_cards(row[4:]))
        except ValueError:
            hand = None
        assert (hand is None) == (value is None), format_cards(row)
    kit = {i: pokerkit.OmahaEightOrBetterLowHand.from_game(format_cards(rows[i][:4]), format_cards(rows[i][4:]))
           for i, v in enumerate(ours) if v is not None}
    for i, j in itertools.combinations(kit, 2):
        a, b = ours[i], ours[j]
        assert a is not None and b is not None
        # pokerkit orders low hands so that the better low compares greater
        assert (a < b) == (kit[i] > kit[j]) and (a == b) == (kit[i] == kit[j])


def test_short_deck_matches_pokerkit() -> None:
    rng = np.random.default_rng(5)
    hands = _random_hands(rng, 400, 7, low=16)
    ours = ev.evaluate_batch(hands, short_deck=True)
    kit = [pokerkit.ShortDeckHoldemHand.from_game(format_cards(h)) for h in hands]
    ours_order = [int(np.sum(ours < v)) - int(np.sum(ours > v)) for v in ours]
    assert ours_order == _pokerkit_order(kit)
    assert all(int_to_card(int(c)) in SHORT_DECK for c in hands.ravel())


@pytest.mark.parametrize(("cards", "short", "label"), [
    ("KhKd7c7s2h", False, "Two Pair, Kings and Sevens"),
    ("Ah9h5h3h2h", False, "Flush, Ace high"),
    ("AhKhQhJhTh", False, "Royal Flush"),
    ("As2d3h4c5s", False, "Straight, Five high"),
    ("As6d7h8c9s", True, "Straight, Nine high"),
    ("QsQdQh4c4s9d", False, "Full House, Queens full of Fours"),
    ("JsJd8h4c2s", False, "Pair of Jacks"),
    ("AsJd8h4c2s", False, "High Card, Ace"),
])
def test_labels(cards: str, short: bool, label: str) -> None:
    assert ev.hand_label(ev.evaluate(cards, short), short) == label


def test_short_deck_flush_beats_full_house() -> None:
    flush, full_house = "Ah9h8h7hJh", "KsKdKh6c6s"
    assert ev.evaluate(flush, True) > ev.evaluate(full_house, True)
    assert ev.evaluate(flush) < ev.evaluate(full_house)


def test_partial_label_preflop() -> None:
    assert ev.describe(["Ah", "Ad"], []) == "Pair of Aces"


@pytest.mark.parametrize("hole", [["Qh", "7c"], ["Ah", "Kh"], ["2c", "3d"]])
def test_no_made_hand_label_before_the_flop(hole: list[str]) -> None:
    # "High Card, Queen" before the flop is not said on air; the flop gives the hand its first label
    assert ev.describe(hole, []) is None
    assert ev.describe(hole, [], "shortdeck") is None
    assert ev.describe(hole, ["Qd", "7s", "2h"]) is not None


def test_hi_lo_label_names_the_low() -> None:
    assert ev.describe(["Ah", "2h", "Kd", "Kc"], ["3s", "6d", "8c"], "omaha8") == "Pair of Kings / 8-6-3-2-A low"
    assert ev.describe(["Ah", "2h", "Kd", "Kc"], ["Ts", "Jd", "Qc"], "omaha8") == "Straight, Ace high"

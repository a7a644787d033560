"""Simulator hands: shipped PHH hands, seeded random hands, and the timed scripts built from them."""

from __future__ import annotations

import random

import pytest

from ggpgfx.cards.hands import load_hands, plan_hands, random_hand
from ggpgfx.cards.script import Timing, build_script, hand_setup
from ggpgfx.errors import ConfigError
from ggpgfx.poker.phh import load_hands as poker_load_hands
from ggpgfx.poker.phh_script import hand_script


def test_shipped_hands_load_with_integer_chips() -> None:
    hands = load_hands()
    assert len(hands) >= 5
    wsop = hands[0]
    assert wsop.players[0] == "Dan Matsuzuki" and wsop.starting_stacks[0] == 13_050_000
    cents = hands[1]
    assert cents.meta["scale"] == 100 and all(isinstance(v, int) for v in cents.starting_stacks)
    setup = hand_setup(wsop)
    assert setup.button == 8 and setup.small_blind == 250_000 and setup.big_blind_ante == 500_000
    with pytest.raises(ConfigError, match="not found"):
        load_hands("/nonexistent.phh")


def test_script_reads_every_card_once_and_classifies_actions_like_the_poker_core() -> None:
    raw = load_hands()[0]
    steps = build_script(raw, random.Random(0), Timing(action=0.5))
    times = [s.t for s in steps]
    assert times == sorted(times)
    kinds = [a.kind for s in steps for a in s.actions]
    assert kinds[0] == "start_hand" and kinds[-1] == "end_hand"
    dealt = [r["card"] for s in steps for r in s.reads if r["zone"] in ("seat", "board")]
    assert len(dealt) == len(set(dealt)) == 8 * 2 + 5
    # the poker engineer's PHH adapter (pokerkit replay) agrees on every betting action and amount
    theirs = [(st.action.kind, st.action.seat, st.action.amount) for st in hand_script(
        poker_load_hands("ggpgfx/cards/data/hands.phhs")[0]) if st.action is not None
        and st.action.kind in ("fold", "check", "call", "bet", "raise")]
    ours = [(a.kind, a.seat, a.amount) for s in steps for a in s.actions if a.kind in ("fold", "check", "call", "bet",
                                                                                          "raise")]
    assert ours == theirs
    last_view = [s.view for s in steps if s.view is not None][-1]
    assert last_view.board == ["Th", "Jc", "5h", "6c", "8s"] and last_view.seats[7].folded


def test_random_hands_are_seeded_and_fill_unknown_cards() -> None:
    a = random_hand(random.Random(3), players=5)
    b = random_hand(random.Random(3), players=5)
    assert a == b and len(a.seats) == 5
    hands, rng = plan_hands("random", max_hands=2, players=3, seed=9)
    assert [h.hand_number for h in hands] == [1, 2]
    cash = load_hands()[1]  # hole cards of players who never showed are '????' in the file
    assert any("????" in action for action in cash.actions)
    steps = build_script(cash, random.Random(1))
    seat_cards = [r["card"] for s in steps for r in s.reads if r["zone"] == "seat"]
    assert len(seat_cards) == 2 * len(cash.seats) and len(set(seat_cards)) == len(seat_cards)
    with pytest.raises(ConfigError):
        plan_hands("dealer")

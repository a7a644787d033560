"""Simulator hands: shipped PHH hands, seeded random hands, and the timed scripts built from them."""

from __future__ import annotations

import random

import pytest

from ggpgfx.cards.hands import plan_hands, random_hand, table_hands
from ggpgfx.errors import ConfigError
from ggpgfx.poker.phh_script import Timing, build_script, hand_script, hand_setup


def test_shipped_hands_load_with_integer_chips() -> None:
    hands = table_hands()
    assert len(hands) >= 5
    wsop = hands[0]
    assert wsop.players[0] == "Dan Matsuzuki" and wsop.starting_stacks[0] == 13_050_000
    cents = hands[1]
    assert hand_script(cents)[0].scale == 100
    start = build_script(cents, 2, random.Random(0))[0].actions[0].hand
    assert start is not None and all(isinstance(s.stack, int) for s in start.seats)
    setup, _ = hand_setup(wsop)
    assert setup.button == 8 and setup.small_blind == 250_000 and setup.big_blind_ante == 500_000
    with pytest.raises(ConfigError, match="not found"):
        table_hands("/nonexistent.phh")


def test_script_reads_every_card_once_and_flattens_to_the_trackers_script() -> None:
    wsop = table_hands()[0]
    steps = build_script(wsop, 1, random.Random(0), Timing(action=0.5))
    times = [s.t for s in steps]
    assert times == sorted(times)
    kinds = [a.kind for s in steps for a in s.actions]
    assert kinds[0] == "start_hand" and kinds[-1] == "end_hand"
    dealt = [r["card"] for s in steps for r in s.reads if r["zone"] in ("seat", "board")]
    assert len(dealt) == len(set(dealt)) == 8 * 2 + 5
    # the flat script the rules-node tests feed to the tracker is the same hand, action for action
    betting = ("fold", "check", "call", "bet", "raise")
    flat = [(st.action.kind, st.action.seat, st.action.amount) for st in hand_script(wsop)
            if st.action is not None and st.action.kind in betting]
    ours = [(a.kind, a.seat, a.amount) for s in steps for a in s.actions if a.kind in betting]
    assert ours == flat
    last_view = [s.view for s in steps if s.view is not None][-1]
    assert last_view.board == ["Th", "Jc", "5h", "6c", "8s"] and last_view.seats[7].folded
    # the view's chips add up at every step: stacks + bets + pot = what the players started with
    total = sum(s.stack for s in steps[0].actions[0].hand.seats)  # type: ignore[union-attr]
    for step in steps:
        if step.view is not None:
            assert sum(v.stack + v.bet for v in step.view.seats.values()) + step.view.pot == total


def test_random_hands_are_seeded_and_fill_unknown_cards() -> None:
    a = random_hand(random.Random(3), players=5)
    b = random_hand(random.Random(3), players=5)
    assert a == b and len(a.seats) == 5
    hands, rng = plan_hands("random", max_hands=2, players=3, seed=9)
    assert [h.hand for h in hands] == [1, 2]
    cash = table_hands()[1]  # hole cards of players who never showed are '????' in the file
    assert any("????" in action for action in cash.actions)
    steps = build_script(cash, 2, random.Random(1))
    seat_cards = [r["card"] for s in steps for r in s.reads if r["zone"] == "seat"]
    assert len(seat_cards) == 2 * len(cash.seats) and len(set(seat_cards)) == len(seat_cards)
    with pytest.raises(ConfigError):
        plan_hands("dealer")


@pytest.mark.parametrize(("game", "hole", "deck"), [("plo", 4, 52), ("shortdeck", 2, 36), ("flhe", 2, 52)])
def test_random_hands_of_other_games_play_and_replay(game: str, hole: int, deck: int) -> None:
    from ggpgfx.poker.phh import replay
    from ggpgfx.poker.variants import VARIANTS

    history = random_hand(random.Random(7), players=4, game=game)
    assert history.variant == VARIANTS[game].phh_code
    dealt = [a.split()[3] for a in history.actions if a.startswith("d dh")]
    assert all(len(cards) == 2 * hole for cards in dealt)
    assert replay(history).mismatches == []  # pokerkit replays what pokerkit played
    steps = build_script(history, 1, random.Random(0))
    assert steps[0].actions[0].hand is not None and steps[0].actions[0].hand.game == game
    cards = [r["card"] for s in steps for r in s.reads if r["zone"] in ("seat", "board")]
    assert set(cards) <= set(VARIANTS[game].deck) and len(VARIANTS[game].deck) == deck
    with pytest.raises(ConfigError, match="random hands of 5-Card PLO cannot be written as PHH"):
        random_hand(random.Random(7), game="plo5")

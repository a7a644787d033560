"""The one PHH -> timed script path for every variant: Omaha from a real hand, short deck with unknown cards."""

from __future__ import annotations

import random
from pathlib import Path

from pokerkit import HandHistory

from ggpgfx.poker.phh import load_hands, replay
from ggpgfx.poker.phh_script import build_script, hand_script
from ggpgfx.poker.tracker import TableTracker
from ggpgfx.poker.variants import VARIANTS

PLO_HAND = Path(__file__).parent / "data" / "antonius-blom-2009.phh"


def test_a_plo_hand_scripted_into_the_tracker_ends_as_pokerkit_ends_it() -> None:
    history = load_hands(PLO_HAND)[0]
    steps = hand_script(history)
    assert steps[0].action is not None and steps[0].action.hand is not None
    assert steps[0].action.hand.game == "plo" and steps[0].scale == 100  # $1,259,450.25: cents
    tracker = TableTracker()
    for step in steps:
        if step.action is not None:
            tracker.apply_action(step.action)
        else:
            tracker.apply_reads([step.read or {}])
    state = tracker.table_state()
    expected = replay(history)
    assert [s.stack for s in state.seats] == [round(float(v) * 100) for v in expected.final_stacks]
    assert state.winnings == {1: round(expected.pot_winners[0]["Patrik Antonius"] * 100)}
    assert [len(s.hole_cards) for s in state.seats] == [4, 4]


def test_short_deck_unknown_cards_are_filled_from_the_short_deck() -> None:
    history = HandHistory(variant="NS", ante_trimming_status=True, antes=[5, 5, 5], blinds_or_straddles=[0, 0, 10],
                          min_bet=10, starting_stacks=[500, 500, 500],
                          actions=["d dh p1 ????", "d dh p2 ????", "d dh p3 ????", "p1 f", "p2 cbr 490", "p3 cc",
                                   "d db 6s7s8s", "d db Ah", "d db Kd"])
    steps = build_script(history, 1, random.Random(4))
    assert steps[0].actions[0].hand is not None and steps[0].actions[0].hand.game == "shortdeck"
    dealt = [r["card"] for s in steps for r in s.reads if r["zone"] in ("seat", "board")]
    assert len(dealt) == len(set(dealt)) == 3 * 2 + 5
    assert set(dealt) <= set(VARIANTS["shortdeck"].deck)
    mucked = [r["card"] for s in steps for r in s.reads if r["zone"] == "muck"]
    assert mucked == [r["card"] for s in steps for r in s.reads if r["zone"] == "seat" and r["seat"] == 1]
    view = [s.view for s in steps if s.view is not None][-1]
    assert sum(v.stack + v.bet for v in view.seats.values()) + view.pot == 1500  # every chip accounted for
    assert build_script(history, 1, random.Random(4)) == steps  # seeded

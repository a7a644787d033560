"""Event-sourced table state: messy input, UNDO and MISDEAL at every street, variants and forced bets."""

from __future__ import annotations

from typing import Any

import pytest

from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup, TableState
from ggpgfx.poker.tracker import TableTracker


def _setup(game: str = "nlhe", stacks: tuple[int, ...] = (10_000, 10_000, 10_000), **extra: Any) -> HandSetup:
    seats = [SeatSetup(seat=s, name=n, stack=st) for (s, n), st in zip([(1, "Ann"), (4, "Bob"), (6, "Cid")], stacks,
                                                                         strict=False)]
    return HandSetup(hand_number=3, game=game, seats=seats, button=6, small_blind=50, big_blind=100, **extra)


def _reads(*pairs: tuple[str, int, str]) -> list[dict[str, Any]]:
    return [{"zone": zone, "seat": seat, "card": card} for zone, seat, card in pairs]


HOLES = _reads(("seat", 1, "Ah"), ("seat", 1, "Kh"), ("seat", 4, "Qs"), ("seat", 4, "Qd"), ("seat", 6, "7c"),
               ("seat", 6, "2d"))
# (reads before the action, action) for a hand that goes to the river
SCRIPT: list[tuple[list[dict[str, Any]], OperatorAction]] = [
    ([], OperatorAction(kind="raise", seat=6, amount=300)),
    ([], OperatorAction(kind="call", seat=1)),
    ([], OperatorAction(kind="call", seat=4)),
    (_reads(("board", -1, "2h"), ("board", -1, "9h"), ("board", -1, "Qc")), OperatorAction(kind="check", seat=1)),
    ([], OperatorAction(kind="bet", seat=4, amount=600)),
    ([], OperatorAction(kind="fold", seat=6)),
    ([], OperatorAction(kind="call", seat=1)),
    (_reads(("board", -1, "3s")), OperatorAction(kind="check", seat=1)),
    ([], OperatorAction(kind="check", seat=4)),
    (_reads(("board", -1, "5h")), OperatorAction(kind="check", seat=1)),
    ([], OperatorAction(kind="check", seat=4)),
]


def _started(game: str = "nlhe", **extra: Any) -> TableTracker:
    tracker = TableTracker()
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup(game, **extra)))
    tracker.apply_reads(HOLES)
    return tracker


def _view(state: TableState) -> dict[str, Any]:
    return state.model_dump(exclude={"version", "pts"})


def _play(tracker: TableTracker, steps: int) -> None:
    for reads, action in SCRIPT[:steps]:
        tracker.apply_reads(reads)
        tracker.apply_action(action)


def test_full_hand_reaches_showdown_and_pays_the_flush() -> None:
    tracker = _started()
    _play(tracker, len(SCRIPT))
    state = tracker.table_state()
    assert state.street == "complete" and state.board == ["2h", "9h", "Qc", "3s", "5h"]
    ann, bob, cid = state.seats
    assert (ann.stack, bob.stack, cid.stack) == (10_000 + 300 + 300 + 600, 10_000 - 900, 10_000 - 300)
    assert ann.hand_label == "Flush, Ace high" and ann.revealed_to == "live"
    assert cid.status == "folded" and cid.revealed_to == "delayed"
    assert state.winnings == {1: 300 * 3 + 600 * 2}  # the pot pokerkit pushed to Ann (seat 1)


def test_revealed_to_is_delayed_during_the_hand() -> None:
    tracker = _started()
    _play(tracker, 3)
    state = tracker.table_state()
    assert [s.revealed_to for s in state.seats] == ["delayed"] * 3
    assert state.seat(4) is not None and state.seat(4).hand_label == "Pair of Queens"  # type: ignore[union-attr]


@pytest.mark.parametrize("steps", range(len(SCRIPT)))
def test_undo_at_every_point_restores_the_state(steps: int) -> None:
    tracker = _started()
    _play(tracker, steps)
    before = _view(tracker.table_state())
    reads, action = SCRIPT[steps]
    tracker.apply_action(action)
    tracker.apply_action(OperatorAction(kind="undo"))
    assert _view(tracker.table_state()) == before


@pytest.mark.parametrize("steps", [0, 2, 4, 8, 10])
def test_misdeal_at_every_street_restarts_the_hand(steps: int) -> None:
    tracker = _started()
    _play(tracker, steps)
    tracker.apply_action(OperatorAction(kind="misdeal"))
    state = tracker.table_state()
    assert state.street == "preflop" and state.board == [] and state.to_act == 6
    assert [s.hole_cards for s in state.seats] == [[], [], []]
    assert [s.stack for s in state.seats] == [9950, 9900, 10_000]
    tracker.apply_reads(HOLES)
    _play(tracker, len(SCRIPT))
    assert tracker.table_state().street == "complete"
    tracker.apply_action(OperatorAction(kind="undo"))  # undo the last check, not the misdeal
    assert tracker.table_state().street == "river"


def test_undo_of_a_misdeal_brings_the_hand_back() -> None:
    tracker = _started()
    _play(tracker, 4)
    before = _view(tracker.table_state())
    tracker.apply_action(OperatorAction(kind="misdeal"))
    tracker.apply_action(OperatorAction(kind="undo"))
    assert _view(tracker.table_state()) == before


def test_reads_before_the_hand_and_after_the_deal() -> None:
    tracker = TableTracker()
    tracker.apply_reads(HOLES[:2])  # Ann's cards are read before the operator starts the hand
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup()))
    tracker.apply_action(OperatorAction(kind="raise", seat=6, amount=300))
    tracker.apply_reads(HOLES[2:])  # the rest arrive after action started
    state = tracker.table_state()
    assert [s.hole_cards for s in state.seats] == [["Ah", "Kh"], ["Qs", "Qd"], ["7c", "2d"]]


def test_cards_shown_after_the_hand_do_not_leak_into_the_next() -> None:
    tracker = _started()
    _play(tracker, len(SCRIPT))
    tracker.apply_reads(_reads(("seat", 6, "7c"), ("seat", 6, "2d")))  # Cid shows his folded hand afterwards
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup().model_copy(update={"hand_number": 4})))
    assert [s.hole_cards for s in tracker.table_state().seats] == [[], [], []]


def test_a_new_deal_may_give_a_card_of_the_last_hand() -> None:
    """Only a late read of the finished hand's card at its own seat, before that seat's new deal, is dropped."""
    tracker = _started()
    _play(tracker, len(SCRIPT))
    tracker.apply_reads(_reads(("seat", 1, "Ah"), ("seat", 1, "Kh")))  # Ann shows late: the old hand's
    tracker.apply_reads(_reads(("seat", 4, "Ah"), ("seat", 1, "Qs"), ("seat", 1, "Kh"), ("seat", 6, "2h")))
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup().model_copy(update={"hand_number": 4})))
    # Bob gets Ann's old ace, Ann Bob's old queen and then her old king again, Cid a card of the old board
    assert [s.hole_cards for s in tracker.table_state().seats] == [["Qs", "Kh"], ["Ah"], ["2h"]]
    assert not tracker.table_state().flags


def test_board_read_late_is_filled_in() -> None:
    tracker = _started()
    _play(tracker, 3)
    tracker.apply_action(OperatorAction(kind="check", seat=1))  # operator moves on before the flop is read
    assert tracker.table_state().board == []
    tracker.apply_reads(_reads(("board", -1, "2h"), ("board", -1, "9h"), ("board", -1, "Qc")))
    state = tracker.table_state()
    assert state.board == ["2h", "9h", "Qc"] and state.to_act == 4


def test_duplicate_and_conflicting_reads() -> None:
    tracker = _started()
    tracker.apply_reads(HOLES)  # every card again: duplicates are ignored
    tracker.apply_reads(_reads(("seat", 4, "Ah")))  # Ann's ace read at Bob's seat: a conflict
    state = tracker.table_state()
    assert [s.hole_cards for s in state.seats] == [["Ah", "Kh"], ["Qs", "Qd"], ["7c", "2d"]]
    assert any("conflicting reads: Ah in seat 4 but already in seat 1" in f for f in state.flags)


def test_muck_read_is_a_fold_even_out_of_turn() -> None:
    tracker = _started()
    tracker.apply_reads(_reads(("muck", -1, "Qs")))  # Bob throws his cards in before the action reaches him
    tracker.apply_action(OperatorAction(kind="raise", seat=6, amount=300))
    tracker.apply_action(OperatorAction(kind="call", seat=1))
    state = tracker.table_state()
    assert state.seat(4).status == "folded"  # type: ignore[union-attr]
    assert state.street == "flop" and state.total_pot == 700  # Bob's big blind stays in


def test_skipped_seat_is_assumed_to_fold_and_a_wrong_street_action_is_ignored() -> None:
    tracker = _started()
    tracker.apply_action(OperatorAction(kind="call", seat=1))  # the operator never entered seat 6's fold
    state = tracker.table_state()
    assert state.seat(6).status == "folded" and state.to_act == 4  # type: ignore[union-attr]
    assert "seat 6 assumed to fold (seat 1 acted)" in state.flags
    tracker.apply_action(OperatorAction(kind="check", seat=4))
    tracker.apply_reads(_reads(("board", -1, "2h"), ("board", -1, "9h"), ("board", -1, "Qc")))
    tracker.apply_action(OperatorAction(kind="bet", seat=4, amount=100))  # seat 1 acts first on the flop...
    tracker.apply_action(OperatorAction(kind="bet", seat=6, amount=100))  # ...and seat 6 is out of the hand
    state = tracker.table_state()
    assert state.to_act == 1 and any("ignored" in f for f in state.flags)


def test_side_pots_with_short_stacks() -> None:
    tracker = TableTracker()
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup(stacks=(1000, 3000, 10_000))))
    tracker.apply_reads(HOLES)
    for action in [OperatorAction(kind="all_in", seat=6), OperatorAction(kind="all_in", seat=1),
                   OperatorAction(kind="call", seat=4)]:
        tracker.apply_action(action)
    state = tracker.table_state()
    assert [p.amount for p in state.pots] == [3000, 4000]  # main 3 x 1000, side 2 x 2000; Cid's rest returned
    assert [p.eligible_seats for p in state.pots] == [[1, 4, 6], [4, 6]]
    assert all(s.revealed_to == "live" for s in state.seats if s.status != "folded")  # all-in: cards tabled
    tracker.apply_reads(_reads(*[("board", -1, c) for c in ["2h", "9h", "Qc", "3s", "5h"]]))
    final = tracker.table_state()
    assert final.street == "complete"
    assert [s.stack for s in final.seats] == [3000, 4000, 7000]  # Ann's flush: main pot; Bob's trips: side pot
    assert final.winnings == {1: 3000, 4: 4000}  # Cid's unmatched 7,000 came back: returned, not won


def test_stack_adjust_and_graphics() -> None:
    tracker = _started()
    tracker.apply_action(OperatorAction(kind="adjust_stack", seat=1, amount=5000))
    tracker.apply_action(OperatorAction(kind="hide_graphics"))
    state = tracker.table_state()
    assert state.seat(1).stack == 5000 and state.graphics_hidden  # type: ignore[union-attr]
    tracker.apply_action(OperatorAction(kind="undo"))
    assert not tracker.table_state().graphics_hidden


@pytest.mark.parametrize(("game", "holes", "label"), [
    ("plo", ["Ah", "Kh", "Qd", "Jd"], "Two Pair, Aces and Kings"),
    ("plo5", ["Ah", "Kh", "Qd", "Jd", "Tc"], "Two Pair, Aces and Kings"),
    ("plo6", ["Ah", "Kh", "Qd", "Jd", "Tc", "9c"], "Two Pair, Aces and Kings"),
    ("plo8", ["Ah", "2h", "3d", "Jd"], "Pair of Aces"),  # exactly two from hand: no flush with one spade
])
def test_omaha_variants_deal_and_label(game: str, holes: list[str], label: str) -> None:
    tracker = TableTracker()
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup(game)))
    others = iter(["2c", "3c", "4c", "5c", "6c", "7c", "8c", "8d", "7d", "6d", "5d", "4d"])
    reads = _reads(*[("seat", 1, c) for c in holes])
    reads += _reads(*[("seat", seat, next(others)) for seat in (4, 6) for _ in holes])
    tracker.apply_reads(reads)
    for action in [OperatorAction(kind="call", seat=6), OperatorAction(kind="call", seat=1),
                   OperatorAction(kind="check", seat=4)]:
        tracker.apply_action(action)
    tracker.apply_reads(_reads(("board", -1, "As"), ("board", -1, "Ks"), ("board", -1, "9s")))
    state = tracker.table_state()
    assert state.street == "flop" and state.seat(1).hole_cards == holes  # type: ignore[union-attr]
    assert state.seat(1).hand_label == label  # type: ignore[union-attr]


def test_pot_limit_caps_a_raise_and_fixed_limit_sets_it() -> None:
    tracker = _started("plhe")
    tracker.apply_action(OperatorAction(kind="raise", seat=6, amount=5000))
    assert tracker.table_state().seat(6).bet == 350  # type: ignore[union-attr]  # pot: 150 + 100 call + 100
    tracker = _started("flhe")
    tracker.apply_action(OperatorAction(kind="raise", seat=6, amount=5000))
    assert tracker.table_state().seat(6).bet == 200  # type: ignore[union-attr]


def test_short_deck_rejects_small_cards_and_ranks_flush_over_full_house() -> None:
    tracker = TableTracker()
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup("shortdeck", ante=10)))
    tracker.apply_reads(_reads(("seat", 1, "2h")))
    assert any("not a card of this deck" in f for f in tracker.table_state().flags)


def test_straddle_ante_and_bomb_pot() -> None:
    tracker = TableTracker()
    seats = [SeatSetup(seat=s, name=f"P{s}", stack=10_000) for s in (1, 2, 3, 4)]
    tracker.apply_action(OperatorAction(kind="start_hand", hand=HandSetup(
        seats=seats, button=4, small_blind=50, big_blind=100, straddles=[200], ante=10)))
    state = tracker.table_state()
    assert [s.bet for s in state.seats] == [50, 100, 200, 0] and state.to_act == 4
    assert state.total_pot == 350 + 40
    tracker.apply_action(OperatorAction(kind="start_hand", hand=HandSetup(
        hand_number=2, seats=seats, button=4, ante=500, bomb_pot=True, big_blind=100)))
    state = tracker.table_state()
    assert state.street == "flop" and state.total_pot == 2000 and all(s.stack == 9500 for s in state.seats)


def test_snapshot_restores_the_exact_state() -> None:
    tracker = _started()
    _play(tracker, 6)
    tracker.apply_action(OperatorAction(kind="undo"))
    copy = TableTracker.restore(tracker.snapshot())
    assert _view(copy.table_state()) == _view(tracker.table_state())


def test_operator_award_is_the_winnings_when_cards_are_unknown() -> None:
    tracker = TableTracker()
    tracker.apply_action(OperatorAction(kind="start_hand", hand=_setup()))
    tracker.apply_reads(HOLES[:2])  # only Ann's cards were read: pokerkit cannot decide a showdown
    for action in [OperatorAction(kind="call", seat=6), OperatorAction(kind="call", seat=1),
                   OperatorAction(kind="check", seat=4)]:
        tracker.apply_action(action)
    tracker.apply_reads(_reads(*[("board", -1, c) for c in ["2c", "9d", "Jc"]]))
    for _ in range(3):
        for seat in (1, 4, 6):
            tracker.apply_action(OperatorAction(kind="check", seat=seat))
        if len(tracker.table_state().board) < 5:
            tracker.apply_reads(_reads(("board", -1, ["3s", "8s"][len(tracker.table_state().board) - 3])))
    assert tracker.table_state().winnings == {}  # nobody has won yet
    tracker.apply_action(OperatorAction(kind="award_pot", seat=4))
    state = tracker.table_state()
    assert state.street == "complete" and state.winnings == {4: 300}
    assert [s.stack for s in state.seats] == [9900, 10_200, 9900]

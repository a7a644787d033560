"""The equity a table's seats carry and the overlay shows: the pot share, so a likely split is not "0 %"."""

from __future__ import annotations

import pytest

from ggpgfx.poker.messages import SeatState, TableState
from ggpgfx.poker.table_equity import solve, spot_of, with_equity
from ggpgfx.render.views import player_view


def _turn(hands: list[list[str]], board: list[str]) -> TableState:
    seats = [SeatState(seat=n + 1, name=f"P{n + 1}", stack=1_000, hole_cards=cards, revealed_to="live")
             for n, cards in enumerate(hands)]
    return TableState(version=1, hand_number=1, street="turn", board=board, seats=seats, big_blind=100)


def test_a_likely_split_shows_as_half_the_pot_not_zero() -> None:
    # both hold ace-king: they split unless the river brings four of one suit for one of them
    state = _turn([["Ah", "Kd"], ["As", "Kc"]], ["2h", "7c", "9d", "Js"])
    spot = spot_of(state, [])
    assert spot is not None
    solved = with_equity(state, solve(spot))
    for seat in solved.seats:
        assert seat.equity_win is not None and seat.equity_win < 0.05  # rarely won alone
        assert seat.equity_share == pytest.approx(0.5, abs=0.03)
        assert seat.equity == seat.equity_share
        view = player_view(seat, solved, "live", None, None, 0)
        assert view.equity == seat.equity_share  # what the box draws


def test_the_shares_of_a_hand_add_up_to_the_whole_pot() -> None:
    state = _turn([["Ah", "Kd"], ["As", "Kc"], ["Qs", "Qd"]], ["2h", "7c", "9d", "Js"])
    spot = spot_of(state, [])
    assert spot is not None
    seats = with_equity(state, solve(spot)).seats
    assert sum(s.equity_share or 0.0 for s in seats) == pytest.approx(1.0)
    assert sum(s.equity_win or 0.0 for s in seats) < 0.99  # the splits are missing from the win shares


def test_a_state_with_only_the_win_share_still_shows_it() -> None:
    # producers that send equity_win alone (older recordings, the API) keep working
    seat = SeatState(seat=1, name="P1", stack=1_000, hole_cards=["Ah", "Kd"], revealed_to="live", equity_win=0.3)
    assert seat.equity == 0.3

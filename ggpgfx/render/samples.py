"""Hand-made TableStates covering every element: previews (`ggp render still --sample`), tests, benchmarks."""

from __future__ import annotations

from ggpgfx.errors import ConfigError
from ggpgfx.poker.messages import PotState, SeatState, TableState

PLAYERS = [
    (1, "Daniel Negreanu", 1_845_000, "CA"),
    (2, "Vanessa Selbst", 2_310_500, "US"),
    (3, "Fedor Holz", 965_000, "DE"),
    (4, "Maria Konnikova", 3_120_000, "US"),
    (5, "Ole Schemion", 455_000, "DE"),
    (6, "Kristen Foxen", 1_502_000, "CA"),
]


def _seats() -> list[SeatState]:
    return [SeatState(seat=n, name=name, stack=stack, country=cc) for n, name, stack, cc in PLAYERS]


def preflop() -> TableState:
    """Six-handed preflop: a raise, a call, folds, the next player to act."""
    seats = _seats()
    cards = [["As", "Kd"], ["Qh", "Qc"], ["7c", "2d"], ["Jh", "Ts"], ["9s", "9d"], ["5h", "4h"]]
    for seat, hole in zip(seats, cards, strict=True):
        seat.hole_cards = hole
    seats[0].bet, seats[0].last_action, seats[0].stack = 60_000, "Raise 60,000", 1_785_000
    seats[1].bet, seats[1].last_action, seats[1].stack = 60_000, "Call 60,000", 2_250_500
    seats[2].status, seats[2].last_action = "folded", "Fold"
    seats[4].status, seats[4].last_action = "folded", "Fold"
    for seat, equity, label in zip(seats, (0.31, 0.41, 0.0, 0.17, 0.0, 0.11), ("", "", "", "", "", ""),
                                   strict=True):
        seat.equity_win, seat.hand_label = (equity if seat.status != "folded" else None), label or None
    return TableState(version=3, hand_number=42, street="preflop", seats=seats, button=6, to_act=4,
                      small_blind=10_000, big_blind=20_000, ante=2_500, total_pot=167_500,
                      pots=[PotState(amount=167_500, eligible_seats=[1, 2, 4, 6])], last_action="Call 60,000")


def allin_flop() -> TableState:
    """Heads-up all-in on the flop with a side pot: outs, equity bars, hand labels, ALL IN badges."""
    seats = _seats()[:4]
    seats[0].hole_cards, seats[0].status, seats[0].stack = ["Ah", "Kh"], "all_in", 0
    seats[0].equity_win, seats[0].hand_label, seats[0].last_action = 0.38, "Ace high, flush draw", "All in 1,845,000"
    seats[0].outs = ["2h", "3h", "4h", "5h", "6h", "8h", "9h", "Th", "Jh", "Ac", "Ad", "As"]
    seats[1].hole_cards, seats[1].status, seats[1].stack = ["Qs", "Qd"], "active", 465_500
    seats[1].equity_win, seats[1].hand_label, seats[1].last_action = 0.62, "Pair of Queens", "Call"
    seats[0].bet = seats[1].bet = 1_845_000  # the shove and the call, in front of the seats until the turn
    seats[2].status, seats[2].last_action = "folded", "Fold"
    seats[3].status, seats[3].last_action = "folded", "Fold"
    for seat in seats:
        seat.revealed_to = "delayed"
    return TableState(version=9, hand_number=43, street="flop", board=["7h", "Qh", "2c"], seats=seats, button=3,
                      small_blind=10_000, big_blind=20_000, ante=2_500, total_pot=3_720_000,
                      pots=[PotState(amount=3_700_000, eligible_seats=[1, 2]), PotState(amount=20_000,
                                                                                         eligible_seats=[2])])


def showdown() -> TableState:
    """River showdown: cards tabled for every output, a winner, the full board."""
    state = allin_flop()
    state.street, state.board = "showdown", ["7h", "Qh", "2c", "9c", "4h"]
    state.seats[0].hand_label, state.seats[0].equity_win, state.seats[0].outs = "Flush, Ace high", 1.0, None
    state.seats[0].last_action, state.winnings = "Call", {1: 3_720_000}
    for seat in state.seats:
        seat.bet = 0  # the bets are in the pot
    state.seats[1].hand_label, state.seats[1].equity_win = "Three of a kind, Queens", 0.0
    for seat in state.seats:
        seat.revealed_to = "live"
    return state


def between_hands() -> TableState:
    """No hand running: the leaderboard's moment."""
    return TableState(version=1, hand_number=44, street="idle", seats=_seats(), button=1,
                      small_blind=10_000, big_blind=20_000, ante=2_500)


def omaha() -> TableState:
    """Pot-limit Omaha on the turn: four hole cards per box."""
    state = preflop()
    state.game, state.street, state.board = "plo", "turn", ["Ks", "8h", "3d", "Tc"]
    hands = [["As", "Ad", "Jc", "Td"], ["Qh", "Qc", "9h", "8s"], [], ["Jh", "Ts", "9c", "7c"], [], ["5h", "4h", "6s", "7d"]]
    for seat, hole in zip(state.seats, hands, strict=True):
        seat.hole_cards = hole
    return state


SAMPLES = {"preflop": preflop, "allin": allin_flop, "showdown": showdown, "between": between_hands,
           "omaha": omaha}


def sample_state(name: str = "allin") -> TableState:
    """A named sample TableState."""
    try:
        return SAMPLES[name]()
    except KeyError:
        raise ConfigError(f"unknown sample {name!r}; known: {', '.join(SAMPLES)}") from None

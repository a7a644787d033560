"""Equity and outs for a TableState: which spot to solve, solving it, and merging the answer back.

Split in three so the rules node can take the spot on the frame path (cheap) and solve it on a
worker thread (tens of milliseconds), then publish the newest answer as a new TableState version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ggpgfx.poker.equity import equity
from ggpgfx.poker.messages import TableState
from ggpgfx.poker.outs import outs
from ggpgfx.poker.variants import variant


@dataclass(frozen=True)
class EquitySpot:
    """A solvable situation: live seats with known hands, the board and dead cards."""

    game: str  # variant code
    seats: tuple[int, ...]
    hands: tuple[str, ...]
    board: str
    dead: str


@dataclass
class SpotAnswer:
    """Equity (win, tie) per seat, outs per seat when heads-up, and the method text."""

    spot: EquitySpot
    win: dict[int, float] = field(default_factory=dict)
    tie: dict[int, float] = field(default_factory=dict)
    share: dict[int, float] = field(default_factory=dict)  # expected share of the pot (splits shared)
    outs: dict[int, list[str]] = field(default_factory=dict)
    method: str = "exact"
    seconds: float = 0.0


def spot_of(state: TableState, dead: list[str]) -> EquitySpot | None:
    """The spot to solve, or None (no hand in play, fewer than two live seats, or unknown hole cards)."""
    if state.street in ("idle", "complete") or not state.seats:
        return None
    chosen = variant(state.game)
    live = [s for s in state.seats if s.status in ("active", "all_in")]
    if len(live) < 2 or any(len(s.hole_cards) != chosen.hole_cards for s in live):
        return None
    if len(state.board) in (1, 2):
        return None  # part of the flop read so far: wait for the rest
    held = {c for s in live for c in s.hole_cards} | set(state.board)
    return EquitySpot(chosen.code, tuple(s.seat for s in live), tuple("".join(s.hole_cards) for s in live),
                      "".join(state.board), "".join(c for c in dict.fromkeys(dead) if c not in held))


def solve(spot: EquitySpot, trials: int = 20_000, seed: int = 1, backend: str = "auto") -> SpotAnswer:
    """Solve a spot: exact (through the exact `backend`) when runouts are few, else seeded Monte Carlo."""
    result = equity(list(spot.hands), spot.board, spot.dead, spot.game, trials=trials, seed=seed, backend=backend)
    answer = SpotAnswer(spot, method=result.method_text(), seconds=result.seconds)
    for seat, win, tie, share in zip(spot.seats, result.win, result.tie, result.equity, strict=True):
        answer.win[seat] = win
        answer.tie[seat] = tie
        answer.share[seat] = share
    if len(spot.seats) == 2 and len(spot.board) // 2 in (3, 4):
        for seat, cards in zip(spot.seats, outs(list(spot.hands), spot.board, spot.dead, spot.game), strict=True):
            answer.outs[seat] = cards
    return answer


def with_equity(state: TableState, answer: SpotAnswer | None) -> TableState:
    """A copy of `state` carrying the answer's equity and outs (cleared when there is none)."""
    seats = []
    for seat in state.seats:
        update: dict[str, object] = {"equity_win": None, "equity_tie": None, "equity_share": None, "outs": None}
        if answer is not None and seat.seat in answer.win:
            update = {"equity_win": answer.win[seat.seat], "equity_tie": answer.tie[seat.seat],
                      "equity_share": answer.share.get(seat.seat),
                      "outs": answer.outs.get(seat.seat)}
        seats.append(seat.model_copy(update=update))
    return state.model_copy(update={"seats": seats, "equity_method": answer.method if answer else None})

"""Corrections applied to recorded states: cards (hand labels and equity recomputed, the showdown decided
again), stacks, bet amounts and betting actions (the hand replayed through the poker core, so stacks, bets, pots
and winnings follow, and what a seat ends with carries into the later hands: `chips.py`), names, action labels,
tags. The recorded calls are never changed; corrected copies are returned.

An action label (`--action`) is a label only (`--bet` and `--play` change the action and move chips).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ggpgfx.poker.messages import GameEvent, SeatState, TableState
from ggpgfx.render.record import SceneCall
from ggpgfx.studio.chips import CHIP_KINDS, ChipRebuild, rebuild_chips
from ggpgfx.studio.session import Correction


class _Equity:
    """Equity answers per spot, solved once (seeded, so a re-render is repeatable)."""

    def __init__(self) -> None:
        self.cache: dict[Any, Any] = {}

    def apply(self, state: TableState) -> TableState:
        from ggpgfx.poker.table_equity import solve, spot_of, with_equity

        spot = spot_of(state, [])
        if spot is None:
            return with_equity(state, None)
        if spot not in self.cache:
            self.cache[spot] = solve(spot)
        return with_equity(state, self.cache[spot])


def _seat_update(state: TableState, seat_number: int, **update: Any) -> TableState:
    seats = [s.model_copy(update=update) if s.seat == seat_number else s for s in state.seats]
    return state.model_copy(update={"seats": seats})


def _relabel(state: TableState) -> TableState:
    from ggpgfx.poker.evaluator import describe

    seats: list[SeatState] = []
    for seat in state.seats:
        label = seat.hand_label
        if seat.hole_cards and seat.hand_label is not None:
            try:
                label = describe(seat.hole_cards, state.board, state.game)
            except (ValueError, KeyError):
                label = None
        seats.append(seat.model_copy(update={"hand_label": label}))
    return state.model_copy(update={"seats": seats})


def apply_corrections(calls: Sequence[SceneCall], corrections: Sequence[Correction],
                      events: Sequence[GameEvent] = (), report: ChipRebuild | None = None) -> list[SceneCall]:
    """Corrected copies of the calls (calls of hands without corrections are returned as they are).

    With the session's game `events`, stack and bet corrections replay their hand through the poker core;
    without them (a session recorded without rules.events) a stack correction shifts the seat's stacks by
    the difference and a bet correction changes nothing.
    """
    by_hand: dict[int, list[Correction]] = {}
    for correction in corrections:
        if correction.kind != "tag":
            by_hand.setdefault(correction.hand, []).append(correction)
    if not by_hand:
        return list(calls)
    started = {e.hand_number for e in events if e.kind == "hand_started"}
    replayed = {c.hand for c in corrections if c.kind in CHIP_KINDS} & started
    states: list[TableState | None] = [c.state for c in calls]
    if replayed:
        states = rebuild_chips(states, events, [c for c in corrections if c.hand in replayed], report)
    equity = _Equity()
    first_pts: dict[int, int] = {}
    first_stack: dict[tuple[int, int], int] = {}
    for call in calls:
        if call.state is not None and call.state.hand_number in by_hand:
            first_pts.setdefault(call.state.hand_number, call.pts)
            for seat in call.state.seats:
                first_stack.setdefault((call.state.hand_number, seat.seat), seat.stack)
    # action labels: (hand, seat) -> [from pts, the label it replaces (None: not yet known), still showing]
    action_state: dict[int, list[Any]] = {}
    result: list[SceneCall] = []
    for call, rebuilt in zip(calls, states, strict=True):
        state = rebuilt
        if state is None or state.hand_number not in by_hand:  # a later hand's chips change with a carried stack
            result.append(call if state is call.state else call.model_copy(update={"state": state}))
            continue
        cards_changed = False
        original = state
        for fix in by_hand[state.hand_number]:
            if fix.kind == "card" and fix.board_index is None and fix.seat is not None:
                held = next((s for s in state.seats if s.seat == fix.seat), None)
                if held is not None and held.hole_cards:
                    state = _seat_update(state, fix.seat, hole_cards=list(fix.cards[:len(held.hole_cards)]))
                    cards_changed = True
            elif fix.kind == "card" and fix.board_index is not None:
                if len(state.board) > fix.board_index:
                    board = list(state.board)
                    board[fix.board_index] = fix.cards[0]
                    state = state.model_copy(update={"board": board})
                    cards_changed = True
            elif fix.kind == "stack" and fix.seat is not None and fix.amount is not None and fix.hand not in replayed:
                delta = fix.amount - first_stack.get((state.hand_number, fix.seat), fix.amount)
                current = next((s for s in state.seats if s.seat == fix.seat), None)
                if current is not None and delta:
                    state = _seat_update(state, fix.seat, stack=max(0, current.stack + delta))
            elif fix.kind == "name" and fix.seat is not None and fix.text is not None:
                state = _seat_update(state, fix.seat, name=fix.text)
            elif fix.kind == "action" and fix.seat is not None:
                state = _action(state, original, call.pts, fix, first_pts[state.hand_number], action_state)
        if cards_changed:
            state = _relabel(state)
            if any(s.equity_win is not None for s in original.seats):
                state = equity.apply(state)
        result.append(call if state is call.state else call.model_copy(update={"state": state}))
    return result


def _action(state: TableState, original: TableState, pts: int, fix: Correction, hand_start: int,
            memory: dict[int, list[Any]]) -> TableState:
    """Show `fix.text` as the seat's last action from `at_s` into the hand until its recorded label changes."""
    if pts < hand_start + int((fix.at_s or 0) * 1e6):
        return state
    seat = next((s for s in original.seats if s.seat == fix.seat), None)
    if seat is None:
        return state
    entry = memory.setdefault(fix.number, [seat.last_action, True])
    if entry[1] and seat.last_action == entry[0]:
        return _seat_update(state, fix.seat, last_action=fix.text)  # type: ignore[arg-type]
    entry[1] = False
    return state

"""Replay one hand's effective events into a fresh pokerkit State.

Dealing follows the reads (placeholders "??" when the operator moves on before the reader does),
betting follows operator actions, showdown shows the cards we know; a showdown we cannot decide
(unknown cards) waits for the operator's pot award. pokerkit applies every rule.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

from pokerkit import ChipsPushing, Folding, HoleCardsShowingOrMucking, State

from ggpgfx.poker.card_book import CardBook
from ggpgfx.poker.messages import GameEvent, HandSetup
from ggpgfx.poker.variants import create_state, variant

UNKNOWN = "??"


@dataclass
class HandReplay:
    """The rebuilt hand: pokerkit state plus what pokerkit does not model (reads, reveals, flags)."""

    setup: HandSetup
    state: State
    order: list[int]  # seat number of each pokerkit player index
    book: CardBook
    flags: list[str] = field(default_factory=list)
    seat_actions: dict[int, str] = field(default_factory=dict)
    last_action: str | None = None
    tabled: set[int] = field(default_factory=set)
    pending_folds: set[int] = field(default_factory=set)
    awards: list[tuple[int, int | None]] = field(default_factory=list)
    manual_stacks: dict[int, int] | None = None
    manual_winnings: dict[int, int] = field(default_factory=dict)
    ended: bool = False
    board_dealt: int = 0
    hole_dealt: set[int] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        """The hand is over (pokerkit finished, the operator ended it, or pots were awarded by hand)."""
        return not self.state.status or self.ended or self.manual_stacks is not None

    def index(self, seat: int) -> int | None:
        """pokerkit player index of a seat, or None when the seat is not in the hand."""
        return self.order.index(seat) if seat in self.order else None

    def seat_of(self, index: int | None) -> int | None:
        """Seat number of a pokerkit player index."""
        return None if index is None else self.order[index]

    def folded_seats(self) -> set[int]:
        """Seats that folded (or mucked at showdown)."""
        out = {self.order[op.player_index] for op in self.state.operations if isinstance(op, Folding)}
        out |= {self.order[op.player_index] for op in self.state.operations
                if isinstance(op, HoleCardsShowingOrMucking) and not op.hole_cards}
        return out

    def shown_seats(self) -> set[int]:
        """Seats that showed their cards at showdown."""
        return {self.order[op.player_index] for op in self.state.operations
                if isinstance(op, HoleCardsShowingOrMucking) and op.hole_cards}

    def winnings(self) -> dict[int, int]:
        """Chips each seat collected from the pots, as pokerkit pushed them (or as the operator awarded them).

        A returned uncalled bet is not a win: pokerkit gives it back outside the pots.
        """
        if self.manual_stacks is not None:
            return {seat: won for seat, won in self.manual_winnings.items() if won > 0}
        won: dict[int, int] = {}
        for operation in self.state.operations:
            if isinstance(operation, ChipsPushing):
                for index, amount in enumerate(operation.amounts):
                    if amount:
                        seat = self.order[index]
                        won[seat] = won.get(seat, 0) + int(amount)
        return won

    def stacks(self) -> dict[int, int]:
        """Current stack per seat (after a manual award when there was one)."""
        if self.manual_stacks is not None:
            return dict(self.manual_stacks)
        return {seat: int(self.state.stacks[i]) for i, seat in enumerate(self.order)}

    # -- replay -----------------------------------------------------------------------------------

    def _hole_text(self, seat: int) -> str:
        known = self.book.known_hole(seat)
        return "".join(known) + UNKNOWN * (self.book.hole_count - len(known))

    def _board_known(self, count: int) -> list[str] | None:
        cards = self.book.board[self.board_dealt:self.board_dealt + count]
        return cards if len(cards) == count else None

    def advance(self, force_board: bool) -> None:
        """Perform every step pokerkit waits on that our knowledge allows."""
        state = self.state
        for _ in range(200):  # bounded: each pass performs one pokerkit operation or stops
            if state.can_burn_card():
                state.burn_card(UNKNOWN)
            elif state.can_deal_hole():
                dealee = state.hole_dealee_index
                assert dealee is not None
                seat = self.order[dealee]
                state.deal_hole(self._hole_text(seat), dealee)
                self.hole_dealt.add(seat)
            elif state.can_deal_board():
                count = int(state.board_dealing_count or 0)
                cards = self._board_known(count)
                if cards is None and not force_board:
                    return
                if cards is None:
                    cards = self.book.board[self.board_dealt:self.board_dealt + count]
                    cards += [UNKNOWN] * (count - len(cards))
                state.deal_board("".join(cards))
                self.board_dealt += count
            elif state.actor_index is not None and self.order[state.actor_index] in self.pending_folds:
                self._quiet(state.fold)
                self.seat_actions[self.order[state.actor_index or 0]] = "Fold"
            elif state.actor_index is not None and self.setup.bomb_pot and state.street_index == 0:
                state.check_or_call()  # a bomb pot skips preflop betting
            elif state.showdown_index is not None:
                if not self._showdown(state.showdown_index):
                    return
            else:
                return

    def _showdown(self, index: int) -> bool:
        seat = self.order[index]
        if seat in self.pending_folds:
            self.state.show_or_muck_hole_cards(False, index)
            return True
        known = self.book.known_hole(seat)
        board = "".join(str(c) for c in self.state.get_board_cards(0))
        if len(known) == self.book.hole_count and UNKNOWN not in board:
            self.state.show_or_muck_hole_cards("".join(known), index)
            return True
        if len(board) < 10:
            # an all-in before the river: hands are tabled now, and judged only after the runout
            self.state.show_or_muck_hole_cards(self._hole_text(seat), index)
            return True
        return False  # unknown cards at the end: the operator's pot awards settle it (see `award`)

    @staticmethod
    def _quiet(function: object) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pokerkit warns on folds it finds unnecessary
            function()  # type: ignore[operator]

    def act(self, event: GameEvent) -> None:
        """Apply one operator betting action (fold, check, call, bet, raise, all_in)."""
        action = str(event.data.get("action"))
        self.advance(force_board=True)
        state = self.state
        actor_seat = self.seat_of(state.actor_index)
        seat = event.seat if event.seat is not None else actor_seat
        if action == "fold" and seat is not None and seat != actor_seat and seat in self.order:
            self.pending_folds.add(seat)  # a fold out of turn is binding; applied when the turn comes
            self.advance(force_board=False)
            return
        if actor_seat is None:
            self._flag(f"{action} by seat {seat} ignored: nobody is to act")
            return
        if seat != actor_seat and not self._skip_to(seat):
            self._flag(f"{action} by seat {seat} ignored: seat {actor_seat} is to act")
            return
        assert seat is not None  # the actor acts: seat is known here
        try:
            self.seat_actions[seat] = self._perform(action, event.amount)
        except ValueError as error:
            self._flag(f"{action} by seat {seat} rejected: {error}")
            return
        name = next((s.name for s in self.setup.seats if s.seat == seat), f"Seat {seat}")
        self.last_action = f"{name} {self.seat_actions[seat].lower()}"

    def _skip_to(self, seat: int | None) -> bool:
        """Seats skipped by the operator check when free, else fold (as PHH readers repair them).

        Only within the current betting round; otherwise nothing changes and the action is ignored.
        """
        if seat is None or seat not in self.order:
            return False
        trial = copy.deepcopy(self.state)
        street = trial.street_index
        skipped: list[tuple[int, str]] = []
        while trial.actor_index is not None and self.order[trial.actor_index] != seat:
            skipped_seat = self.order[trial.actor_index]
            if trial.checking_or_calling_amount:
                self._quiet(trial.fold)
                skipped.append((skipped_seat, "Fold"))
            else:
                trial.check_or_call()
                skipped.append((skipped_seat, "Check"))
            if trial.street_index != street:
                return False
        if trial.actor_index is None:
            return False
        self.state = trial
        for skipped_seat, what in skipped:
            self.seat_actions[skipped_seat] = what
            self._flag(f"seat {skipped_seat} assumed to {what.lower()} (seat {seat} acted)")
        return True

    def _perform(self, action: str, amount: int | None) -> str:
        state = self.state
        if action == "fold":
            self._quiet(state.fold)
            return "Fold"
        if action == "check":
            if state.checking_or_calling_amount:
                raise ValueError(f"cannot check facing a bet of {state.checking_or_calling_amount}")
            state.check_or_call()
            return "Check"
        if action == "call":
            paid = state.checking_or_calling_amount or 0
            state.check_or_call()
            return f"Call {paid:,}" if paid else "Check"
        if action in ("bet", "raise", "all_in"):
            if action == "all_in" and not state.can_complete_bet_or_raise_to():
                paid = state.checking_or_calling_amount or 0
                state.check_or_call()
                return f"All-in {paid:,}"
            if variant(self.setup.game).fixed_limit:
                target = None
            elif action == "all_in" or amount is None:
                target = (state.max_completion_betting_or_raising_to_amount if action == "all_in"
                          else state.min_completion_betting_or_raising_to_amount)
            else:
                target = min(amount, state.max_completion_betting_or_raising_to_amount or amount)
            facing = bool(state.checking_or_calling_amount) or state.street_index == 0
            operation = state.complete_bet_or_raise_to(target)
            if action == "all_in":
                return f"All-in {operation.amount:,}"
            return f"Raise to {operation.amount:,}" if facing else f"Bet {operation.amount:,}"
        raise ValueError(f"unknown action {action!r}")

    def _flag(self, text: str) -> None:
        if text not in self.flags:
            self.flags.append(text)

    def award(self) -> None:
        """Settle pots by the operator's awards when pokerkit cannot decide the showdown itself."""
        if not self.awards or not self.state.status:
            return
        self.advance(force_board=False)
        if not self.state.status:
            return
        stacks = self.stacks()
        won: dict[int, int] = {}
        remaining = sum(int(p.amount) for p in self.state.pots) + sum(int(b) for b in self.state.bets)
        unnamed = [seat for seat, amount in self.awards if amount is None]
        for seat, amount in self.awards:
            if amount is not None:
                won[seat] = won.get(seat, 0) + amount
                remaining -= amount
        for position, seat in enumerate(unnamed):
            share = remaining // len(unnamed) + (1 if position < remaining % len(unnamed) else 0)
            won[seat] = won.get(seat, 0) + share
        for seat, amount in won.items():
            stacks[seat] = stacks.get(seat, 0) + amount
        self.manual_stacks = stacks
        self.manual_winnings = won


def replay_hand(setup: HandSetup, events: list[GameEvent]) -> HandReplay:
    """Rebuild a hand from its setup and the effective events that followed it."""
    chosen = variant(setup.game)
    state, order = create_state(setup)
    book = CardBook([s.seat for s in setup.seats], chosen.hole_cards, chosen.deck)
    for position, event in enumerate(events):
        if event.kind == "card_seen":
            book.add(position, str(event.data.get("zone", "seat")), event.seat if event.seat is not None else -1,
                     event.cards[0] if event.cards else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pokerkit's advice on unusual (but legal) operator input
        return _replay(HandReplay(setup, state, order, book), events)


def _replay(hand: HandReplay, events: list[GameEvent]) -> HandReplay:
    order, book = hand.order, hand.book
    mucks = sorted(book.mucks)
    hand.awards = [(e.seat, e.amount) for e in events if e.kind == "pot_awarded" and e.seat is not None]
    next_muck = 0
    for position, event in enumerate(events):
        while next_muck < len(mucks) and mucks[next_muck][0] <= position:
            hand.pending_folds.add(mucks[next_muck][1])
            next_muck += 1
        if event.kind == "action":
            hand.act(event)
        elif event.kind == "stack_adjusted" and event.seat is not None and event.amount is not None:
            index = hand.index(event.seat)
            if index is not None:
                hand.state.stacks[index] = event.amount  # an operator correction outside the rules
        elif event.kind == "showdown":
            hand.tabled.update([event.seat] if event.seat is not None else order)
        elif event.kind == "hand_ended":
            hand.ended = True
        hand.advance(force_board=False)
    hand.advance(force_board=False)  # also for a hand with no events yet: deal and post what can be
    hand.award()
    return hand

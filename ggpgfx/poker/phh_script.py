"""The one path from a PHH hand to what a live table produces: timed operator actions, card reads, views.

Every variant of the registry plays: the script walks pokerkit's own operations (they include the folds
and checks pokerkit repairs into sloppy files), so betting, pots and returned bets are the engine's.
`build_script` gives `Step`s with a `TableView` after each (what the table simulator draws); unknown hole
cards (`??`) are filled from the variant's deck when a random generator is given (shown cards first).
`hand_script` flattens the same steps into one action or read each (`ScriptStep`), which tests feed to
`TableTracker`. Amounts in PHH files may be decimal (dollars): then every amount is scaled to integer
cents (`ScriptStep.scale` says by how much).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from pokerkit import (
    AntePosting,
    BetCollection,
    BlindOrStraddlePosting,
    BoardDealing,
    CheckingOrCalling,
    ChipsPulling,
    ChipsPushing,
    CompletionBettingOrRaisingTo,
    Folding,
    HandHistory,
    HoleCardsShowingOrMucking,
    HoleDealing,
)

from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup
from ggpgfx.poker.phh import final_state, load_hands
from ggpgfx.poker.variants import Variant, phh_variant, position_order

HAND_GAP_S = 0.5  # pause between hands; the table and RFID simulators both use it


@dataclass(frozen=True)
class Timing:
    """Seconds between dealt cards, player actions, board cards, and the pause before the hand ends."""

    deal: float = 0.1
    action: float = 1.0
    board: float = 0.25
    end_pause: float = 2.0


#: `hand_script`'s pacing: a card read every 150 ms, an action every 1.2 s, a second before each street.
SCRIPT_TIMING = Timing(deal=0.15, action=1.2, board=1.0, end_pause=1.2)


@dataclass
class SeatView:
    """One seat as the simulator draws it."""

    seat: int
    name: str
    stack: int
    bet: int = 0
    folded: bool = False
    last_action: str = ""
    hole_cards: list[str] = field(default_factory=list)
    is_button: bool = False


@dataclass
class TableView:
    """The visible table after a step: seats, board, pot (bets not yet collected excluded)."""

    hand_number: int
    seats: dict[int, SeatView]
    board: list[str] = field(default_factory=list)
    pot: int = 0

    def copy(self) -> TableView:
        """A deep enough copy to snapshot."""
        return TableView(self.hand_number, {k: replace(v, hole_cards=list(v.hole_cards)) for k, v in self.seats.items()},
                         list(self.board), self.pot)


@dataclass
class Step:
    """Something that happens at `t` seconds into the hand: actions, reads (zone/seat/card dicts), a view."""

    t: float
    actions: list[OperatorAction] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    view: TableView | None = None


@dataclass
class ScriptStep:
    """One timed step: an operator action or one card read (CardReads row dict)."""

    pts: int  # microseconds from the start of the hand
    action: OperatorAction | None = None
    read: dict[str, Any] | None = None
    scale: int = 1


def _scale_of(history: HandHistory) -> int:
    values = [*list(history.starting_stacks or []), *list(history.blinds_or_straddles or []), *list(history.antes or [])]
    if any(isinstance(v, Decimal | float) and v != int(v) for v in values):
        return 100
    return 1


def _cards(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(0, len(text), 2) if text[i:i + 2] != "??"]


def hand_setup(history: HandHistory, hand_number: int = 1, scale: int = 1) -> tuple[HandSetup, list[int]]:
    """Our HandSetup for a PHH hand and the seat of each PHH player (p1 = index 0)."""
    count = len(history.starting_stacks)
    game = phh_variant(history.variant).code
    names = list(history.players) if history.players else [f"Player {i + 1}" for i in range(count)]
    seats = list(history.seats) if history.seats and len(set(history.seats)) == count else list(range(1, count + 1))

    def money(value: Any) -> int:
        return int(Decimal(str(value)) * scale)

    blinds = [money(b) for b in list(history.blinds_or_straddles or [])]
    antes = [money(a) for a in (history.antes or [0] * count)]
    uniform = len(set(antes)) == 1
    setup = HandSetup(
        hand_number=hand_number, game=game,
        seats=[SeatSetup(seat=seat, name=name, stack=money(stack))
               for seat, name, stack in zip(seats, names, list(history.starting_stacks or []), strict=True)],
        button=seats[-1], small_blind=blinds[0] if blinds else 0, big_blind=blinds[1] if len(blinds) > 1 else 0,
        straddles=[b for b in blinds[2:] if b], ante=antes[0] if uniform else 0,
        big_blind_ante=0 if uniform else antes[1],
        small_bet=money(history.small_bet) if getattr(history, "small_bet", None) else 0,
        big_bet=money(history.big_bet) if getattr(history, "big_bet", None) else 0)
    simple = blinds[2:] == [b for b in blinds[2:] if b > 0] + [0] * blinds[2:].count(0) and all(b >= 0 for b in blinds)
    if not simple or not (uniform or sum(1 for a in antes if a) == 1):
        setup = setup.model_copy(update={"raw_blinds": blinds, "raw_antes": antes, "straddles": [],
                                         "ante": 0, "big_blind_ante": 0})
    if position_order(setup) != seats:
        # seat numbers that do not run clockwise from the button: renumber in pokerkit's order
        seats = list(range(1, count + 1))
        setup = setup.model_copy(update={"seats": [s.model_copy(update={"seat": n})
                                                   for s, n in zip(setup.seats, seats, strict=True)],
                                         "button": count})
    return setup, seats


def fill_unknown_cards(history: HandHistory, chosen: Variant, rng: random.Random) -> HandHistory:
    """A copy whose unknown hole cards (`????`) are the cards the player showed, else unused cards of the deck."""
    shown: dict[str, str] = {}
    used: set[str] = set()
    for action in history.actions:
        parts = action.split()
        if len(parts) >= 3 and parts[1] == "sm" and "?" not in parts[2]:
            shown[parts[0]] = parts[2]
        if parts[:2] in (["d", "dh"], ["d", "db"]) or (len(parts) > 2 and parts[1] == "sm"):
            used.update(_cards(parts[-1]))
    spare = [c for c in chosen.deck if c not in used]
    rng.shuffle(spare)
    actions = []
    for action in history.actions:
        parts = action.split()
        if parts[:2] == ["d", "dh"] and len(parts) > 3 and "?" in parts[3]:
            player, count = parts[2], len(parts[3]) // 2
            parts[3] = shown[player] if player in shown else "".join(spare.pop() for _ in range(count))
        actions.append(" ".join(parts))
    return dataclasses.replace(history, actions=actions)


def _label(kind: str, amount: int | None) -> str:
    words = {"fold": "FOLD", "check": "CHECK", "call": "CALL", "bet": "BET", "raise": "RAISE TO"}
    return words[kind] + (f" {amount:,}" if amount else "")


def build_script(history: HandHistory, hand_number: int = 1, rng: random.Random | None = None,
                 timing: Timing | None = None, muck_reads: bool = True) -> list[Step]:
    """The timed steps of one hand of any variant, from `start_hand` at t=0 to `end_hand`, with views.

    With `rng`, unknown hole cards are filled (a simulated table deals real cards); without, they stay
    unread. `muck_reads`: a folded hand's cards are read again on the muck antenna.
    """
    timing = timing or Timing()
    chosen = phh_variant(history.variant)
    if rng is not None:
        history = fill_unknown_cards(history, chosen, rng)
    scale = _scale_of(history)

    def money(value: Any) -> int:
        return int(Decimal(str(value)) * scale)

    setup, seats = hand_setup(history, hand_number, scale)
    operations = final_state(history, hand_number).operations
    view = TableView(hand_number, {s.seat: SeatView(s.seat, s.name[:18], s.stack) for s in setup.seats})
    view.seats[setup.button].is_button = True
    for operation in operations:  # forced bets are on the table when the hand starts
        if isinstance(operation, BlindOrStraddlePosting):
            seat_view = view.seats[seats[operation.player_index]]
            seat_view.bet += money(operation.amount)
            seat_view.stack -= money(operation.amount)
        elif isinstance(operation, AntePosting):
            view.seats[seats[operation.player_index]].stack -= money(operation.amount)
            view.pot += money(operation.amount)
    steps = [Step(0.0, [OperatorAction(kind="start_hand", hand=setup)], [], view.copy())]
    t = 0.5
    holes: dict[int, list[str]] = {}
    for operation in operations:
        if isinstance(operation, HoleDealing):
            holes.setdefault(seats[operation.player_index], []).extend(_cards("".join(map(repr, operation.cards))))
    for round_index in range(max((len(c) for c in holes.values()), default=0)):
        for seat in seats:  # hole cards go out round-robin, one card at a time, as a dealer pitches them
            if round_index < len(holes.get(seat, [])):
                card = holes[seat][round_index]
                view.seats[seat].hole_cards.append(card)
                steps.append(Step(t, [], [{"zone": "seat", "seat": seat, "card": card}], view.copy()))
                t += timing.deal
    t += timing.action
    boards = 0
    raised = False
    for operation in operations:
        if isinstance(operation, BetCollection):
            for seat_view in view.seats.values():
                view.pot += seat_view.bet
                seat_view.bet = 0
        elif isinstance(operation, BoardDealing):
            boards += 1
            raised = False
            for card in _cards("".join(map(repr, operation.cards))):
                view.board.append(card)
                steps.append(Step(t, [], [{"zone": "board", "seat": -1, "card": card}], view.copy()))
                t += timing.board
            t += timing.action
        elif isinstance(operation, Folding | CheckingOrCalling | CompletionBettingOrRaisingTo):
            seat = seats[operation.player_index]
            seat_view = view.seats[seat]
            amount: int | None = None
            reads: list[dict[str, Any]] = []
            if isinstance(operation, Folding):
                kind = "fold"
                seat_view.folded = True
                if muck_reads:
                    reads = [{"zone": "muck", "seat": -1, "card": c} for c in seat_view.hole_cards]
            elif isinstance(operation, CheckingOrCalling):
                paid = money(operation.amount)
                kind = "call" if paid else "check"
                seat_view.bet += paid
                seat_view.stack -= paid
            else:
                amount = money(operation.amount)
                kind = "raise" if raised or boards == 0 else "bet"
                raised = True
                pay = min(amount - seat_view.bet, seat_view.stack)
                seat_view.bet += pay
                seat_view.stack -= pay
            shown_amount = amount if kind in ("bet", "raise") else (seat_view.bet if kind == "call" else None)
            seat_view.last_action = _label(kind, shown_amount)
            steps.append(Step(t, [OperatorAction(kind=kind, seat=seat, amount=amount)], reads,  # type: ignore[arg-type]
                              view.copy()))
            t += timing.action
        elif isinstance(operation, HoleCardsShowingOrMucking) and operation.hole_cards:
            seat = seats[operation.player_index]
            seat_view = view.seats[seat]
            new = [c for c in _cards("".join(map(repr, operation.hole_cards))) if c not in seat_view.hole_cards]
            seat_view.hole_cards += new
            steps.append(Step(t, [OperatorAction(kind="showdown", seat=seat)],
                              [{"zone": "seat", "seat": seat, "card": c} for c in new], view.copy()))
            t += timing.action
        elif isinstance(operation, ChipsPushing):  # the pot goes in front of its winners ...
            awards = []
            for index, value in enumerate(operation.amounts):
                if value:
                    seat = seats[index]
                    view.seats[seat].bet += money(value)
                    view.pot -= money(value)
                    awards.append(OperatorAction(kind="award_pot", seat=seat, amount=money(value)))
            steps.append(Step(t, awards, [], view.copy()))
            t += timing.action
        elif isinstance(operation, ChipsPulling):  # ... and into their stacks, with any uncalled bet
            seat_view = view.seats[seats[operation.player_index]]
            seat_view.stack += money(operation.amount)
            seat_view.bet = max(0, seat_view.bet - money(operation.amount))
    for seat_view in view.seats.values():
        view.pot += seat_view.bet
        seat_view.bet = 0
    steps.append(Step(t, [], [], view.copy()))
    t += timing.end_pause
    steps.append(Step(t, [OperatorAction(kind="end_hand")], [], None))
    return steps


def hand_script(hand: HandHistory | str | Path, hand_number: int = 1, index: int = 0) -> list[ScriptStep]:
    """`build_script` flattened to one action or read per step (a HandHistory, or a file and the hand's index)."""
    history = hand if isinstance(hand, HandHistory) else load_hands(hand)[index]
    scale = _scale_of(history)
    result: list[ScriptStep] = []
    for step in build_script(history, hand_number, timing=SCRIPT_TIMING, muck_reads=False):
        pts = round(step.t * 1_000_000)
        for read in step.reads:
            result.append(ScriptStep(pts, read={**read, "pts": pts, "source": "sim"}, scale=scale))
        for action in step.actions:
            result.append(ScriptStep(pts, action=action.model_copy(update={"pts": pts}), scale=scale))
    return result


def session_script(path: str | Path, limit: int | None = None, gap_us: int = 3_000_000) -> list[ScriptStep]:
    """Steps for every hand of a file, one after another, hands numbered from 1."""
    steps: list[ScriptStep] = []
    offset = 0
    for number, history in enumerate(load_hands(path)[:limit], start=1):
        hand_steps = hand_script(history, number)
        for step in hand_steps:
            step.pts += offset
            if step.action is not None:
                step.action = step.action.model_copy(update={"pts": step.pts})
            if step.read is not None:
                step.read["pts"] = step.pts
        steps += hand_steps
        offset = steps[-1].pts + gap_us
    return steps

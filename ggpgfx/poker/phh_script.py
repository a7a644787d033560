"""Turn a PHH hand into what a live table produces: operator actions and card reads with timestamps.

The table simulator plays these steps to drive a demo; tests feed them to `TableTracker` and check
that our state ends where pokerkit's own replay of the file ends. Amounts in PHH files may be decimal
(dollars): then every amount is scaled to integer cents (`ScriptStep.scale` says by how much).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pokerkit import (
    BoardDealing,
    CheckingOrCalling,
    ChipsPushing,
    CompletionBettingOrRaisingTo,
    Folding,
    HandHistory,
    HoleCardsShowingOrMucking,
    HoleDealing,
)

from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup
from ggpgfx.poker.phh import final_state, load_hands
from ggpgfx.poker.variants import phh_variant, position_order

DEAL_GAP_US = 150_000
ACTION_GAP_US = 1_200_000
BOARD_GAP_US = 1_000_000


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


def hand_script(hand: HandHistory | str | Path, hand_number: int = 1, index: int = 0) -> list[ScriptStep]:
    """Steps that replay a PHH hand (a HandHistory, or a file path and the hand's index in it)."""
    history = hand if isinstance(hand, HandHistory) else load_hands(hand)[index]
    scale = _scale_of(history)
    setup, seats = hand_setup(history, hand_number, scale)
    pts = 0
    steps = [ScriptStep(pts, action=OperatorAction(kind="start_hand", hand=setup, pts=pts), scale=scale)]

    def read(zone: str, card: str, seat: int = -1) -> None:
        nonlocal pts
        pts += DEAL_GAP_US
        steps.append(ScriptStep(pts, read={"pts": pts, "zone": zone, "seat": seat, "card": card, "source": "sim"},
                                scale=scale))

    def act(kind: str, seat: int | None, amount: int | None = None) -> None:
        nonlocal pts
        pts += ACTION_GAP_US
        steps.append(ScriptStep(pts, action=OperatorAction(kind=kind, seat=seat, amount=amount, pts=pts),  # type: ignore[arg-type]
                                scale=scale))

    # Walk pokerkit's own operations: they include the folds and checks it repairs into sloppy files.
    state = final_state(history, hand_number)
    raised = False
    for operation in state.operations:
        if isinstance(operation, HoleDealing):
            for card in _cards("".join(repr(c) for c in operation.cards)):
                read("seat", card, seats[operation.player_index])
        elif isinstance(operation, BoardDealing):
            pts += BOARD_GAP_US
            raised = False
            for card in _cards("".join(repr(c) for c in operation.cards)):
                read("board", card)
        elif isinstance(operation, Folding):
            act("fold", seats[operation.player_index])
        elif isinstance(operation, CheckingOrCalling):
            act("call" if operation.amount else "check", seats[operation.player_index])
        elif isinstance(operation, CompletionBettingOrRaisingTo):
            preflop = not any(isinstance(o, BoardDealing) for o in state.operations[:state.operations.index(operation)])
            act("raise" if raised or preflop else "bet", seats[operation.player_index],
                int(Decimal(str(operation.amount)) * scale))
            raised = True
        elif isinstance(operation, HoleCardsShowingOrMucking) and operation.hole_cards:
            seat = seats[operation.player_index]
            for card in _cards("".join(repr(c) for c in operation.hole_cards)):
                read("seat", card, seat)
            act("showdown", seat)
        elif isinstance(operation, ChipsPushing):
            for i, amount in enumerate(operation.amounts):
                if amount:
                    act("award_pot", seats[i], int(Decimal(str(amount)) * scale))
    act("end_hand", None)
    return steps


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

"""Turn a RawHand into a timed script: operator actions, the card reads a table would produce, and views.

This is the simulator's own minimal PHH adapter (hold'em only): it classifies PHH `cc` as check or call
and `cbr` as bet or raise by tracking bets, fills unknown hole cards (`????`) from the unused deck,
and snapshots what the table looks like after every step so the scene renderer needs no poker logic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any

from ggpgfx.cards.hands import RawHand
from ggpgfx.errors import ConfigError
from ggpgfx.poker.cards import FULL_DECK, split_cards
from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup

HAND_GAP_S = 0.5  # pause between hands; the table and RFID simulators both use it


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


@dataclass(frozen=True)
class Timing:
    """Seconds between dealt cards, player actions, board cards, and the pause before the hand ends."""

    deal: float = 0.1
    action: float = 1.0
    board: float = 0.25
    end_pause: float = 2.0


def _fill_unknown(raw: RawHand, rng: random.Random) -> list[str]:
    """Actions with every `????` replaced: shown cards first, then random unused cards."""
    shown: dict[str, str] = {}
    used: set[str] = set()
    for action in raw.actions:
        parts = action.split()
        if len(parts) >= 3 and parts[1] == "sm" and "?" not in parts[2]:
            shown[parts[0]] = parts[2]
        cards = parts[-1] if parts[:2] in (["d", "dh"], ["d", "db"]) or (len(parts) > 2 and parts[1] == "sm") else ""
        if cards and "?" not in cards:
            used.update(split_cards(cards))
    spare = [c for c in FULL_DECK if c not in used]
    rng.shuffle(spare)
    result = []
    for action in raw.actions:
        parts = action.split()
        if parts[:2] == ["d", "dh"] and "?" in parts[3]:
            player = parts[2]
            if player in shown:
                parts[3] = shown[player]
            else:
                parts[3] = "".join(spare.pop() for _ in range(len(parts[3]) // 2))
        result.append(" ".join(parts))
    return result


def _operations(raw: RawHand, actions: list[str]) -> list[Any]:
    """pokerkit's operations for the hand (integer chips, unknown cards already filled)."""
    import warnings

    from pokerkit import HandHistory

    history = HandHistory(variant="NT", ante_trimming_status=True, antes=raw.antes, blinds_or_straddles=raw.blinds,
                          min_bet=max(raw.blinds + [1]), starting_stacks=raw.starting_stacks, actions=actions)
    state = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for state in history:  # noqa: B007 - the last state holds every operation
                pass
        except ValueError as exc:
            raise ConfigError(f"hand {raw.hand_number}: pokerkit cannot replay it: {exc}") from None
    return list(state.operations) if state is not None else []


def hand_setup(raw: RawHand) -> HandSetup:
    """The HandSetup an operator would enter for this hand."""
    count = len(raw.seats)
    button = raw.seats[0] if count == 2 else raw.seats[-1]
    antes = [a for a in raw.antes if a]
    uniform_ante = antes[0] if antes and len(antes) == count and len(set(antes)) == 1 else 0
    # one ante paid by a single player (the big blind) is a big-blind ante; the poker core models it
    big_blind_ante = antes[0] if len(antes) == 1 else 0
    return HandSetup(
        hand_number=raw.hand_number, game="nlhe",
        seats=[SeatSetup(seat=s, name=n, stack=st) for s, n, st in zip(raw.seats, raw.players, raw.starting_stacks,
                                                                        strict=True)],
        button=button, small_blind=raw.blinds[0] if raw.blinds else 0,
        big_blind=raw.blinds[1] if len(raw.blinds) > 1 else 0, ante=uniform_ante, big_blind_ante=big_blind_ante,
        straddles=[b for b in raw.blinds[2:] if b])


def _label(kind: str, amount: int | None) -> str:
    words = {"fold": "FOLD", "check": "CHECK", "call": "CALL", "bet": "BET", "raise": "RAISE TO"}
    return words[kind] + (f" {amount:,}" if amount else "")


def build_script(raw: RawHand, rng: random.Random | None = None, timing: Timing | None = None,
                 muck_reads: bool = True) -> list[Step]:
    """The timed steps of one hand, starting at t=0 with `start_hand` and ending with `end_hand`."""
    rng = rng or random.Random(raw.hand_number)
    timing = timing or Timing()
    count = len(raw.seats)
    seat_of = {f"p{i + 1}": raw.seats[i] for i in range(count)}
    view = TableView(raw.hand_number, {s: SeatView(s, n, st) for s, n, st in zip(raw.seats, raw.players,
                                                                                  raw.starting_stacks, strict=True)})
    setup = hand_setup(raw)
    view.seats[setup.button].is_button = True
    for i, seat in enumerate(raw.seats):
        posted = raw.blinds[i] if i < len(raw.blinds) else 0
        ante = raw.antes[i] if i < len(raw.antes) else 0
        sv = view.seats[seat]
        sv.bet = min(posted, sv.stack)
        sv.stack -= sv.bet
        paid_ante = min(ante, sv.stack)
        sv.stack -= paid_ante
        view.pot += paid_ante
    steps = [Step(0.0, [OperatorAction(kind="start_hand", hand=setup)], [], view.copy())]
    t = 0.5
    actions = _fill_unknown(raw, rng)
    dealt: dict[int, list[str]] = {}
    for action in actions:  # hole cards go out round-robin, one card at a time, as a dealer pitches them
        parts = action.split()
        if parts[:2] == ["d", "dh"]:
            dealt[seat_of[parts[2]]] = split_cards(parts[3])
    for round_index in range(max((len(c) for c in dealt.values()), default=0)):
        for seat in raw.seats:
            if seat in dealt and round_index < len(dealt[seat]):
                card = dealt[seat][round_index]
                view.seats[seat].hole_cards.append(card)
                steps.append(Step(t, [], [{"zone": "seat", "seat": seat, "card": card}], view.copy()))
                t += timing.deal
    t += timing.action
    # Walk pokerkit's replay rather than the raw strings: it repairs sloppy files (a player who never
    # acted is folded), exactly as the poker core's own PHH adapter does.
    for operation in _operations(raw, actions):
        name = type(operation).__name__
        if name == "BoardDealing":
            for sv in view.seats.values():
                view.pot += sv.bet
                sv.bet = 0
            for card in (repr(c) for c in operation.cards):
                view.board.append(card)
                steps.append(Step(t, [], [{"zone": "board", "seat": -1, "card": card}], view.copy()))
                t += timing.board
            t += timing.action
            continue
        if name not in ("Folding", "CheckingOrCalling", "CompletionBettingOrRaisingTo"):
            continue
        seat = raw.seats[operation.player_index]
        sv = view.seats[seat]
        top = max(s.bet for s in view.seats.values())
        amount: int | None = None
        reads: list[dict[str, Any]] = []
        if name == "Folding":
            kind = "fold"
            sv.folded = True
            if muck_reads:
                reads = [{"zone": "muck", "seat": -1, "card": c} for c in sv.hole_cards]
        elif name == "CheckingOrCalling":
            paid = int(operation.amount)
            kind = "call" if paid > 0 else "check"
            sv.bet += paid
            sv.stack -= paid
        else:
            amount = int(operation.amount)
            kind = "bet" if top == 0 else "raise"
            pay = min(amount - sv.bet, sv.stack)
            sv.bet += pay
            sv.stack -= pay
        sv.last_action = _label(kind, amount if kind in ("bet", "raise") else (sv.bet if kind == "call" else None))
        steps.append(Step(t, [OperatorAction(kind=kind, seat=seat, amount=amount)], reads,  # type: ignore[arg-type]
                          view.copy()))
        t += timing.action
    for sv in view.seats.values():
        view.pot += sv.bet
        sv.bet = 0
    steps.append(Step(t, [], [], view.copy()))
    t += timing.end_pause
    steps.append(Step(t, [OperatorAction(kind="end_hand")], [], None))
    return steps

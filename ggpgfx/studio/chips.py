"""Chip corrections: a corrected bet amount or starting stack rebuilds the hand through the poker core, so the
stacks, bets, pots and statuses on the re-rendered graphics follow.

The recorded game events (every input the rules engine took) are replayed twice through a `TableTracker`:
as recorded, and with the corrections applied to them (the hand's setup stack, a betting action's amount).
Each recorded scene state of the hand is matched to the replay step that produced it by its chips (stacks,
bets, statuses, pots, who acts, last actions): the first step at or after the previous match whose chips
equal the recorded state's. The state then takes the chips of the corrected replay at that step; everything
else it carries (cards, equity, names, timing) stays as drawn live. A recorded state no replay step explains
keeps its chips and is counted (`ChipRebuild.unmatched`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.poker.messages import GameEvent, TableState
from ggpgfx.poker.tracker import TableTracker
from ggpgfx.studio.session import Correction

#: betting actions whose amount (the total a bet or raise goes to) a `bet` correction may change
AMOUNT_ACTIONS = ("bet", "raise", "all_in")
CHIP_KINDS = ("stack", "bet", "play")


def event_index(event: GameEvent) -> int:
    """Position of the event in the rules engine's log (keys are `<table>/<hand>/<index>`)."""
    try:
        return int(event.key.rsplit("/", 1)[1])
    except (IndexError, ValueError):
        return -1


def ordered(events: Sequence[GameEvent]) -> list[GameEvent]:
    """The events in the order the rules engine logged them."""
    return sorted(events, key=event_index)


def chips_of(state: TableState) -> tuple[Any, ...]:
    """What a state says about chips and the betting: the key that matches a recorded state to a replay step."""
    seats = tuple((s.seat, s.stack, s.bet, s.status, s.last_action, s.is_to_act) for s in state.seats)
    pots = tuple((p.amount, tuple(p.eligible_seats)) for p in state.pots)
    return (state.hand_number, state.street, state.total_pot, pots, state.to_act, state.last_action, seats,
            tuple(sorted(state.winnings.items())))


def with_chips(state: TableState, chips: TableState) -> TableState:
    """`state` with the chips (stacks, bets, statuses, pots, actions, winnings) of `chips`."""
    by_seat = {s.seat: s for s in chips.seats}
    seats = []
    for seat in state.seats:
        source = by_seat.get(seat.seat)
        if source is None:
            seats.append(seat)
            continue
        seats.append(seat.model_copy(update={"stack": source.stack, "bet": source.bet, "status": source.status,
                                             "last_action": source.last_action, "is_to_act": source.is_to_act}))
    return state.model_copy(update={"seats": seats, "pots": chips.pots, "total_pot": chips.total_pot,
                                    "to_act": chips.to_act, "last_action": chips.last_action,
                                    "winnings": chips.winnings})


def betting_actions(events: Sequence[GameEvent], hand: int) -> list[GameEvent]:
    """The hand's betting actions with an amount (bets, raises, all-ins), in order."""
    return [e for e in ordered(events) if e.hand_number == hand and e.kind == "action"
            and e.data.get("action") in AMOUNT_ACTIONS]


def find_bet(events: Sequence[GameEvent], hand: int, seat: int, hand_start_pts: int, at_s: float | None,
             any_action: bool = False) -> GameEvent:
    """The seat's bet, raise or all-in that a `bet` correction names (with `any_action`, any betting action: a
    `play` correction): the one nearest `at_s` seconds into the hand (the first one without `at_s`); a clear
    error when the seat made none."""
    if any_action:
        candidates = [e for e in ordered(events) if e.hand_number == hand and e.kind == "action" and e.seat == seat]
        if not candidates:
            raise ConfigError(f"hand {hand}: seat {seat} made no betting action to correct (see ggp studio actions)")
    else:
        candidates = [e for e in betting_actions(events, hand) if e.seat == seat]
    if not candidates:
        made = sorted({e.seat for e in betting_actions(events, hand) if e.seat is not None})
        raise ConfigError(f"hand {hand}: seat {seat} made no bet or raise to correct (seats that did: "
                          f"{', '.join(map(str, made)) or 'none'}; see ggp studio actions)")
    if at_s is None:
        return candidates[0]
    target = hand_start_pts + at_s * 1e6
    return min(candidates, key=lambda e: abs(e.pts - target))


def corrected_events(events: Sequence[GameEvent], corrections: Sequence[Correction]) -> list[GameEvent]:
    """The recorded events with the chip corrections applied (copies; the recorded ones are not changed)."""
    stacks: dict[tuple[int, int], int] = {}
    bets: dict[str, int] = {}
    plays: dict[str, tuple[str, int | None]] = {}
    hands = set()
    for fix in corrections:
        if fix.kind == "stack" and fix.seat is not None and fix.amount is not None:
            stacks[(fix.hand, fix.seat)] = fix.amount
            hands.add(fix.hand)
        elif fix.kind == "bet" and fix.event is not None and fix.amount is not None:
            bets[fix.event] = fix.amount
            hands.add(fix.hand)
        elif fix.kind == "play" and fix.event is not None and fix.play is not None:
            plays[fix.event] = (fix.play, fix.amount)
            hands.add(fix.hand)
    awards: dict[int, int] = {}
    for event in events:
        if event.kind == "pot_awarded" and event.hand_number in hands:
            awards[event.hand_number] = awards.get(event.hand_number, 0) + 1
    result = []
    for event in events:
        if event.kind == "hand_started" and any(hand == event.hand_number for hand, _ in stacks):
            setup = dict(event.data["setup"])
            setup["seats"] = [dict(seat, stack=stacks.get((event.hand_number, seat["seat"]), seat["stack"]))
                              for seat in setup["seats"]]
            event = event.model_copy(update={"data": dict(event.data, setup=setup)})
        elif event.key in plays:
            verb, amount = plays[event.key]
            event = event.model_copy(update={"data": dict(event.data, action=verb),
                                             "amount": bets.get(event.key, amount)})
        elif event.key in bets:
            event = event.model_copy(update={"amount": bets[event.key]})
        elif event.kind == "pot_awarded" and awards.get(event.hand_number) == 1 and event.amount is not None:
            # one award for the whole pot: the corrected pot goes to that seat, whatever its new size
            event = event.model_copy(update={"amount": None})
        result.append(event)
    return result


@dataclass
class HandChips:
    """One hand replayed as recorded and as corrected, step by step."""

    original: list[tuple[Any, ...]] = field(default_factory=list)  # chips_of after each step
    corrected: list[TableState] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # what the corrected replay flagged that the original did not


def _replay(events: Sequence[GameEvent], corrected: Sequence[GameEvent], hand: int) -> HandChips:
    starts = [i for i, e in enumerate(events) if e.kind == "hand_started"]
    numbers = [events[i].hand_number for i in starts]
    if hand not in numbers:
        raise ConfigError(f"hand {hand}: the session's event log has no start of this hand (record rules.events "
                          f"into publish.studio's events to correct chips)")
    position = numbers.index(hand)
    # rebuilding from two hands before is enough: a hand's state is rebuilt from its own start, and the hand
    # before decides which reads between the hands were early deals
    begin = starts[max(0, position - 2)]
    end = starts[position + 1] if position + 1 < len(starts) else len(events)
    as_recorded, as_corrected = TableTracker(), TableTracker()
    out = HandChips()
    for index in range(end):
        rebuild = index >= begin
        as_recorded.apply_event(events[index].model_copy(deep=True), rebuild=rebuild)
        as_corrected.apply_event(corrected[index].model_copy(deep=True), rebuild=rebuild)
        if index >= starts[position]:
            out.original.append(chips_of(as_recorded.table_state()))
            out.corrected.append(as_corrected.table_state())
    before = set(as_recorded.table_state().flags)
    out.flags = [f for f in as_corrected.table_state().flags if f not in before]
    return out


@dataclass
class ChipRebuild:
    """What a chip rebuild changed."""

    changed: int = 0  # recorded states given other chips
    unmatched: int = 0  # recorded states of a corrected hand no replay step explains (kept as drawn)
    flags: dict[int, list[str]] = field(default_factory=dict)  # hand -> what the corrected replay flagged


def replay_hand_chips(events: Sequence[GameEvent], corrections: Sequence[Correction], hand: int) -> HandChips:
    """One hand replayed as recorded and with the corrections (for checking a correction before keeping it)."""
    recorded = ordered(events)
    return _replay(recorded, corrected_events(recorded, corrections), hand)


def rebuild_chips(states: Sequence[TableState | None], events: Sequence[GameEvent],
                  corrections: Sequence[Correction], report: ChipRebuild | None = None) -> list[TableState | None]:
    """The states (scene calls' states, in call order) with the chips of the hands the corrections change."""
    wanted = [c for c in corrections if c.kind in CHIP_KINDS]
    hands = sorted({c.hand for c in wanted})
    if not hands:
        return list(states)
    report = report if report is not None else ChipRebuild()
    recorded = ordered(events)
    changed_events = corrected_events(recorded, wanted)
    replays = {hand: _replay(recorded, changed_events, hand) for hand in hands}
    for hand, replay in replays.items():
        if replay.flags:
            report.flags[hand] = replay.flags
    pointer = dict.fromkeys(hands, 0)
    result: list[TableState | None] = []
    for state in states:
        if state is None or state.hand_number not in replays:
            result.append(state)
            continue
        replay = replays[state.hand_number]
        key = chips_of(state)
        start = pointer[state.hand_number]
        step = next((i for i in range(start, len(replay.original)) if replay.original[i] == key), None)
        if step is None:  # a state that came back (equity answers, repeats): search from the hand's start
            step = next((i for i in range(len(replay.original)) if replay.original[i] == key), None)
        if step is None:
            report.unmatched += 1
            result.append(state)
            continue
        pointer[state.hand_number] = step
        new = with_chips(state, replay.corrected[step])
        if new != state:
            report.changed += 1
        result.append(new)
    return result

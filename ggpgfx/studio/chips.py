"""Chip corrections: a corrected bet amount, betting action, starting stack or card rebuilds the hand through the
poker core, so the stacks, bets, pots, statuses and who won on the re-rendered graphics follow.

The recorded game events (every input the rules engine took) are replayed twice through a `TableTracker`:
as recorded, and with the corrections applied to them (the hand's setup stack, a betting action's amount, the
card reads of a corrected card, so pokerkit decides the showdown again). What a seat ends a hand with carries
into the setup of the hands after it: a seat that ends a corrected hand 50,000 up starts every later hand 50,000
up, and those hands are replayed too (a later hand the carried stacks cannot replay is refused).
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
#: corrections that replay their hand through the poker core (a card: the showdown is decided again)
CHIP_KINDS = ("stack", "bet", "play", "card")


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


def _spans(events: Sequence[GameEvent]) -> dict[int, range]:
    """hand -> the positions of its events: from after the hand before ended (reads of an early deal belong to
    the next hand) to the next hand's start."""
    starts = [i for i, e in enumerate(events) if e.kind == "hand_started"]
    spans = {}
    for position, start in enumerate(starts):
        low = start
        before = starts[position - 1] if position else -1
        ended = [i for i in range(before + 1, start) if events[i].kind == "hand_ended"]
        if ended:
            low = ended[-1] + 1
        high = starts[position + 1] if position + 1 < len(starts) else len(events)
        spans[events[start].hand_number] = range(low, high)
    return spans


def _read_cards(events: Sequence[GameEvent], span: range, zone: str, seat: int | None = None) -> list[str]:
    """The distinct cards read in a zone (of a seat) over a span of events, in the order first read."""
    cards: list[str] = []
    for index in span:
        event = events[index]
        if event.kind == "card_seen" and event.cards and event.data.get("zone") == zone and \
                (seat is None or event.seat == seat) and event.cards[0] not in cards:
            cards.append(event.cards[0])
    return cards


def card_swaps(events: Sequence[GameEvent], corrections: Sequence[Correction]) -> dict[int, dict[str, str]]:
    """hand -> {card read: the card it really was} for the card corrections (a seat's hole cards in the order
    read, a board card by its place); the latest correction of a seat or board card counts. A corrected card
    that is somewhere else in the hand is refused."""
    spans = _spans(events)
    targets: dict[tuple[int, int | None, int | None], list[str]] = {}
    for fix in corrections:
        if fix.kind == "card" and fix.hand in spans:
            targets[(fix.hand, fix.seat, fix.board_index)] = list(fix.cards)
    swaps: dict[int, dict[str, str]] = {}
    for (hand, seat, board_index), cards in targets.items():
        span = spans[hand]
        if board_index is not None:
            board = _read_cards(events, span, "board")
            read = board[board_index:board_index + 1]
        else:
            read = _read_cards(events, span, "seat", seat)
        swaps.setdefault(hand, {}).update(zip(read, cards, strict=False))
    for hand, swap in swaps.items():
        span = spans[hand]
        in_hand = {e.cards[0] for e in (events[i] for i in span) if e.kind == "card_seen" and e.cards}
        for card in swap.values():
            if card in in_hand and card not in swap:  # a card read elsewhere that no correction moves away
                raise ConfigError(f"hand {hand}: {card} is already in play elsewhere in the hand (a card is in one "
                                  f"place only: correct that place first)")
        if len(set(swap.values())) != len(swap):
            raise ConfigError(f"hand {hand}: the corrections give the same card to two places")
    return swaps


def corrected_events(events: Sequence[GameEvent], corrections: Sequence[Correction]) -> list[GameEvent]:
    """The recorded events with the chip and card corrections applied (copies; the recorded ones are not
    changed)."""
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
    swaps = card_swaps(events, corrections)
    hand_of = {index: hand for hand, span in _spans(events).items() for index in span}
    hands |= set(swaps)
    awards: dict[int, int] = {}
    for event in events:
        if event.kind == "pot_awarded" and event.hand_number in hands:
            awards[event.hand_number] = awards.get(event.hand_number, 0) + 1
    result = []
    for index, event in enumerate(events):
        swap = swaps.get(hand_of.get(index, -1), {})
        if event.kind == "hand_started" and any(hand == event.hand_number for hand, _ in stacks):
            setup = dict(event.data["setup"])
            setup["seats"] = [dict(seat, stack=stacks.get((event.hand_number, seat["seat"]), seat["stack"]))
                              for seat in setup["seats"]]
            event = event.model_copy(update={"data": dict(event.data, setup=setup)})
        elif event.kind == "card_seen" and event.cards and event.cards[0] in swap:
            event = event.model_copy(update={"cards": [swap[event.cards[0]], *event.cards[1:]]})
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
    carried: dict[int, int] = field(default_factory=dict)  # seat -> chips it started with from earlier corrections
    #: seat -> (its recorded start, its recorded end of the hand before): a change not carried, since the recording
    #: itself does not carry that seat's chips from the hand before (a rebuy, a re-entered count, another table)
    not_carried: dict[int, tuple[int, int]] = field(default_factory=dict)

    def end_changes(self) -> dict[int, int]:
        """seat -> what it ends the hand with as corrected minus as recorded (seats that differ)."""
        if not self.corrected or not self.original:
            return {}
        recorded = {seat: stack for seat, stack, *_ in self.original[-1][6]}
        return {s.seat: s.stack - recorded[s.seat] for s in self.corrected[-1].seats
                if s.seat in recorded and s.stack != recorded[s.seat]}


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


def _carry_into(events: list[GameEvent], span: range, carry: dict[int, int], ended: dict[int, int],
                explicit: set[int], from_hand: int) -> tuple[dict[int, int], dict[int, tuple[int, int]]]:
    """Start the hand of `span` with the chips earlier corrections moved, for each seat whose recorded start is
    what it ended the hand before with as recorded (`ended`); seats with a `stack` correction of their own keep
    it. A seat the corrected history leaves with nothing is refused. Returns what was carried and, for seats
    whose recording does not follow on, (recorded start, recorded end before)."""
    start = next(i for i in span if events[i].kind == "hand_started")
    event = events[start]
    setup = dict(event.data["setup"])
    seats, carried, skipped = [], {}, {}
    for seat in setup["seats"]:
        amount = carry.get(seat["seat"], 0)
        if amount and seat["seat"] not in explicit and ended.get(seat["seat"]) != int(seat["stack"]):
            skipped[seat["seat"]] = (int(seat["stack"]), ended.get(seat["seat"], 0))
        elif amount and seat["seat"] not in explicit:
            stack = int(seat["stack"]) + amount
            if stack <= 0:
                raise ConfigError(
                    f"hand {event.hand_number}: seat {seat['seat']} would start with {stack:,} chips, since it ends "
                    f"hand {from_hand} {amount:+,} after the corrections; the later hands cannot be replayed so "
                    f"(correct its stack in hand {event.hand_number} too: --stack)")
            seat = dict(seat, stack=stack)
            carried[seat["seat"]] = amount
        seats.append(seat)
    if not carried:
        return carried, skipped
    events[start] = event.model_copy(update={"data": dict(event.data, setup=dict(setup, seats=seats))})
    awards = [i for i in span if events[i].kind == "pot_awarded"]
    if len(awards) == 1 and events[awards[0]].amount is not None:  # the whole pot to that seat, whatever its size
        events[awards[0]] = events[awards[0]].model_copy(update={"amount": None})
    return carried, skipped


def replay_corrected(events: Sequence[GameEvent], corrections: Sequence[Correction]) -> dict[int, HandChips]:
    """Every hand the corrections change, replayed as recorded and as corrected: the corrected hands, and each
    later hand whose seats start with other stacks because of them (what a seat ends a hand with carries on)."""
    wanted = [c for c in corrections if c.kind in CHIP_KINDS]
    hands = {c.hand for c in wanted}
    if not hands:
        return {}
    recorded = ordered(events)
    changed = corrected_events(recorded, wanted)
    spans = _spans(recorded)
    replays: dict[int, HandChips] = {}
    carry: dict[int, int] = {}
    ended: dict[int, int] = {}  # seat -> what it ended the last replayed hand with, as recorded
    carried_from = 0
    for number, span in sorted(spans.items(), key=lambda item: item[1].start):
        carried: dict[int, int] = {}
        skipped: dict[int, tuple[int, int]] = {}
        if carry:
            explicit = {c.seat for c in wanted if c.kind == "stack" and c.hand == number and c.seat is not None}
            carried, skipped = _carry_into(changed, span, carry, ended, explicit, carried_from)
        if number not in hands and not carried:
            if skipped:
                replays[number] = HandChips(not_carried=skipped)
            carry = {}  # the recording does not follow on: nothing more to carry
            continue
        replay = _replay(recorded, changed, number)
        replay.carried, replay.not_carried = carried, skipped
        replays[number] = replay
        seated = {s.seat for s in replay.corrected[-1].seats} if replay.corrected else set()
        carry = {seat: amount for seat, amount in carry.items() if seat not in seated} | replay.end_changes()
        ended = {seat: stack for seat, stack, *_ in replay.original[-1][6]} if replay.original else {}
        carried_from = number
    return replays


def replay_notes(replays: dict[int, HandChips]) -> list[str]:
    """What the replays change beyond the states drawn: who won, and the stacks carried into later hands."""
    notes = []
    for hand, replay in sorted(replays.items()):
        if replay.original and replay.corrected:
            was, now = dict(replay.original[-1][7]), replay.corrected[-1].winnings
            if was != now:
                notes.append(f"hand {hand} won: {_wins(was)} -> {_wins(now)}")
        if replay.carried:
            notes.append(f"hand {hand} starts with the chips carried: " + ", ".join(
                f"seat {seat} {amount:+,}" for seat, amount in sorted(replay.carried.items())))
        for seat, (start, end) in sorted(replay.not_carried.items()):
            notes.append(f"hand {hand}: seat {seat}'s change is not carried: the recording starts it with {start:,}, "
                         f"not the {end:,} it ended the hand before with (chips added or counts re-entered between "
                         f"the hands, or another table's hand)")
    return notes


def _wins(winnings: dict[int, int]) -> str:
    return ", ".join(f"seat {seat} {amount:,}" for seat, amount in sorted(winnings.items())) or "nobody yet"


def replay_hand_chips(events: Sequence[GameEvent], corrections: Sequence[Correction], hand: int) -> HandChips:
    """One hand replayed as recorded and with the corrections (for checking a correction before keeping it)."""
    recorded = ordered(events)
    return _replay(recorded, corrected_events(recorded, corrections), hand)


def rebuild_chips(states: Sequence[TableState | None], events: Sequence[GameEvent],
                  corrections: Sequence[Correction], report: ChipRebuild | None = None) -> list[TableState | None]:
    """The states (scene calls' states, in call order) with the chips of the hands the corrections change."""
    replays = {hand: replay for hand, replay in replay_corrected(events, corrections).items() if replay.original}
    if not replays:
        return list(states)
    report = report if report is not None else ChipRebuild()
    hands = sorted(replays)
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
            state = new
        result.append(state)
    return result

"""Event-sourced table: an append-only log of inputs, rebuilt into pokerkit state and a TableState.

`log` keeps every input as received; `effective` is that log after UNDO (which removes the latest
operator step) so a rebuild is always a replay of `effective`. MISDEAL is an operator step too: the
hand restarts after it, and an UNDO right after a MISDEAL brings the hand back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ggpgfx.poker.evaluator import describe
from ggpgfx.poker.messages import (
    GameEvent,
    HandSetup,
    OperatorAction,
    PotState,
    SeatState,
    SeatStatus,
    Street,
    TableState,
)
from ggpgfx.poker.replay import HandReplay, replay_hand
from ggpgfx.poker.variants import variant

BETTING = {"fold", "check", "call", "bet", "raise", "all_in"}
UNDOABLE = {"hand_started", "action", "stack_adjusted", "graphics", "showdown", "pot_awarded", "hand_ended",
            "misdeal"}
STREETS: tuple[Street, ...] = ("preflop", "flop", "turn", "river")
#: Logged but not part of the game (they never change the table and UNDO passes over them).
INFORMATIONAL = {"camera", "tag", "ticker", "lower_third", "leaderboard"}


def action_event(action: OperatorAction) -> tuple[str, dict[str, Any]]:
    """Event kind and data of an operator action."""
    if action.kind == "start_hand":
        if action.hand is None:
            return "rejected", {"reason": "start_hand without a hand setup"}
        return "hand_started", {"setup": action.hand.model_dump()}
    if action.kind in BETTING:
        return "action", {"action": action.kind}
    kinds = {"undo": "undo", "misdeal": "misdeal", "adjust_stack": "stack_adjusted", "showdown": "showdown",
             "award_pot": "pot_awarded", "end_hand": "hand_ended", "camera": "camera", "tag": "tag",
             "ticker": "ticker", "lower_third": "lower_third", "leaderboard": "leaderboard"}
    if action.kind in ("hide_graphics", "show_graphics"):
        return "graphics", {"hidden": action.kind == "hide_graphics"}
    data: dict[str, Any] = {"note": action.note} if action.note else {}
    if action.shown is not None:
        data["shown"] = action.shown
    if action.camera:
        data["camera"] = action.camera
    return kinds[action.kind], data


class TableTracker:
    """One table's game state, rebuilt from its event log on every change."""

    def __init__(self, table: str = "table-1") -> None:
        self.table = table
        self.log: list[GameEvent] = []
        self.effective: list[GameEvent] = []
        self.version = 0
        self.flags: list[str] = []
        self.hand: HandReplay | None = None
        self._pts = 0

    # -- input ------------------------------------------------------------------------------------

    def _event(self, kind: str, pts: int, **fields: Any) -> GameEvent:
        number = self.hand.setup.hand_number if self.hand else 0
        if kind == "hand_started":
            number = int(fields["data"]["setup"]["hand_number"])
        return GameEvent(key=f"{self.table}/{number}/{len(self.log)}", kind=kind, hand_number=number, pts=pts,
                         **fields)

    def apply_action(self, action: OperatorAction) -> list[GameEvent]:
        """Log one operator action, rebuild, and return the events it produced."""
        if action.kind in ("deal", "board"):  # typed cards are reads from the operator (undoable, unlike RFID)
            zone = "seat" if action.kind == "deal" else "board"
            seat = action.seat if action.kind == "deal" and action.seat is not None else -1
            return self.apply_reads([{"pts": action.pts, "zone": zone, "seat": seat, "card": card,
                                      "source": "operator"} for card in action.cards])
        kind, data = action_event(action)
        event = self._event(kind, action.pts, seat=action.seat, amount=action.amount, data=data)
        self.apply_event(event)
        return [event]

    def apply_reads(self, rows: Iterable[dict[str, Any]]) -> list[GameEvent]:
        """Log card reads (CardReads rows as dicts) and rebuild once."""
        events = []
        for row in rows:
            zone = str(row.get("zone", "seat"))
            seat = int(row.get("seat", -1)) if row.get("seat") is not None else -1
            card = row.get("card")
            data = {"zone": zone, "source": row.get("source", "sim"), "confidence": float(row.get("confidence", 1.0)),
                    "tag_uid": row.get("tag_uid", "")}
            event = self._event("card_seen", int(row.get("pts", 0)), seat=seat if zone == "seat" else None,
                                cards=[card] if card else [], data=data)
            if self._place(event):
                events.append(event)
        if events:
            self._rebuild()
        return events

    def apply_event(self, event: GameEvent, rebuild: bool = True) -> None:
        """Take one event (new, or from a saved log being restored) and rebuild.

        `rebuild=False` only logs it: for a replay that needs the table state of a later hand only (the
        state of a hand is rebuilt from its own start, so the events of hands long finished need no rebuild;
        the hand before the one wanted must be rebuilt, since its state decides which reads are early).
        """
        if self._place(event) and rebuild:
            self._rebuild()

    def _place(self, event: GameEvent) -> bool:
        self.log.append(event)
        self._pts = max(self._pts, event.pts)
        if event.kind in INFORMATIONAL:
            return False
        if event.kind == "card_seen" and (self.hand is None or self.hand.complete):
            # Between hands only seat reads matter: cards dealt before the operator starts the hand.
            if event.data.get("zone") != "seat" or self._late_read(event):
                return False
            event.data["early"] = True
        if event.kind == "undo":
            for position in range(len(self.effective) - 1, -1, -1):
                candidate = self.effective[position]
                if candidate.kind in UNDOABLE or (candidate.kind == "card_seen"
                                                   and candidate.data.get("source") == "operator"):
                    del self.effective[position]
                    return True
            self._flag("undo with nothing to undo")
            return True
        if event.kind == "rejected":
            self._flag(str(event.data.get("reason")))
            return True
        self.effective.append(event)
        return True

    def _late_read(self, event: GameEvent) -> bool:
        """Whether a seat read between hands is the finished hand's card shown or put back late (dropped).

        That is a card the finished hand held at this very seat, read before the seat has any card of the
        next deal. Once one has come, the old cards were collected: the same card read there again is the
        new deck order dealing it to that seat once more. (The RFID reader reports a card when it lands on
        an antenna, so an old card lying there is not read again; a player lifting it to show it is.)
        """
        hand = self.hand
        if hand is None or not event.cards or hand.book.where.get(event.cards[0]) != ("seat", event.seat):
            return False
        for earlier in reversed(self.effective):
            if earlier.kind == "hand_started":
                return True
            if earlier.kind == "card_seen" and earlier.data.get("early") and earlier.seat == event.seat:
                return False  # the seat has a card of the new deal already
        return True

    def _flag(self, text: str) -> None:
        if text not in self.flags:
            self.flags.append(text)

    # -- rebuild ----------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        self.version += 1
        starts = [i for i, e in enumerate(self.effective) if e.kind == "hand_started"]
        if not starts:
            self.hand = None
            return
        start = starts[-1]
        previous = starts[-2] if len(starts) > 1 else -1
        early = [e for e in self.effective[previous + 1:start] if e.kind == "card_seen" and e.data.get("early")]
        events = [e for e in self.effective[start + 1:] if not (e.kind == "card_seen" and e.data.get("early"))]
        misdeals = [i for i, e in enumerate(events) if e.kind == "misdeal"]
        if misdeals:
            events, early = events[misdeals[-1] + 1:], []
        setup = HandSetup(**self.effective[start].data["setup"])
        try:
            self.hand = replay_hand(setup, early + events)
        except (ValueError, KeyError, AssertionError) as error:  # pokerkit refused: report, keep the table up
            self._flag(f"hand {setup.hand_number} cannot start: {error}")
            self.hand = None

    def graphics_hidden(self) -> bool:
        """Whether the operator last hid the graphics."""
        for event in reversed(self.effective):
            if event.kind == "graphics":
                return bool(event.data.get("hidden"))
        return False

    def cues(self) -> dict[str, Any]:
        """The operator's last ticker, lower-third and leaderboard cues (absent when never sent)."""
        cues: dict[str, Any] = {}
        for event in reversed(self.log):
            if event.kind in ("ticker", "lower_third") and event.kind not in cues:
                cues[event.kind] = str(event.data.get("note") or "")
            elif event.kind == "leaderboard" and "leaderboard_shown" not in cues and "shown" in event.data:
                cues["leaderboard_shown"] = bool(event.data["shown"])
            if len(cues) == 3:
                break
        return cues

    # -- output -----------------------------------------------------------------------------------

    def table_state(self) -> TableState:
        """The renderer's view of the table now."""
        base = TableState(table=self.table, version=self.version, pts=self._pts, graphics_hidden=self.graphics_hidden(),
                          flags=list(self.flags), **self.cues())
        hand = self.hand
        if hand is None:
            return base
        setup, state = hand.setup, hand.state
        chosen = variant(setup.game)
        board = hand.book.board[:hand.board_dealt]
        folded = hand.folded_seats()
        shown = hand.shown_seats()
        stacks = hand.stacks()
        in_hand = [seat for seat in hand.order if seat not in folded]
        street: Street
        if hand.complete:
            street = "complete"
        elif state.showdown_index is not None or state.street_index is None:
            street = "showdown"
        else:
            street = STREETS[min(state.street_index, 3)]
        runout = (not hand.complete and state.actor_index is None and state.showdown_index is None and len(in_hand) > 1
                  and not state.can_deal_hole() and sum(stacks[s] > 0 for s in in_hand) <= 1)
        to_act = hand.seat_of(state.actor_index) if not hand.complete else None
        seats = []
        for seat_setup in sorted(setup.seats, key=lambda s: s.seat):
            seat = seat_setup.seat
            index = hand.index(seat)
            hole = hand.book.known_hole(seat)
            status: SeatStatus = "folded" if seat in folded else "active"
            if status == "active" and stacks[seat] == 0 and not hand.complete:
                status = "all_in"
            live = seat in shown or seat in hand.tabled or (runout and seat in in_hand)
            label = None
            if len(hole) == chosen.hole_cards and seat not in folded:
                label = describe(hole, board, chosen)
            seats.append(SeatState(
                seat=seat, name=seat_setup.name, stack=stacks[seat],
                bet=int(state.bets[index]) if index is not None and not hand.complete else 0,
                status=status, hole_cards=hole, revealed_to="live" if live else ("delayed" if hole else "none"),
                hand_label=label, last_action=hand.seat_actions.get(seat), is_to_act=seat == to_act,
                is_button=seat == setup.button))
        pots = [] if hand.complete else [PotState(amount=int(p.amount), eligible_seats=[hand.order[i] for i in p.player_indices])
                                         for p in state.pots]
        total = sum(p.amount for p in pots) + sum(s.bet for s in seats)
        return base.model_copy(update={
            "hand_number": setup.hand_number, "game": setup.game, "street": street, "board": board, "pots": pots,
            "total_pot": total, "button": setup.button, "to_act": to_act, "small_blind": setup.small_blind,
            "big_blind": setup.big_blind, "ante": setup.ante, "last_action": hand.last_action, "seats": seats,
            "flags": list(self.flags) + hand.book.flags + hand.flags, "winnings": hand.winnings()})

    def dead_cards(self) -> list[str]:
        """Cards out of play for equity: mucked or burned reads and the known cards of folded seats."""
        if self.hand is None:
            return []
        folded = self.hand.folded_seats()
        dead = list(self.hand.book.dead)
        for seat in folded:
            dead += self.hand.book.known_hole(seat)
        return dead

    # -- persistence ------------------------------------------------------------------------------

    def snapshot(self) -> list[dict[str, Any]]:
        """The whole log as JSON-ready dicts (replaying it restores the exact state)."""
        return [event.model_dump() for event in self.log]

    @classmethod
    def restore(cls, events: Iterable[dict[str, Any]], table: str = "table-1") -> TableTracker:
        """A tracker rebuilt from a snapshot."""
        tracker = cls(table)
        for event in events:
            tracker.apply_event(GameEvent(**event))
        return tracker

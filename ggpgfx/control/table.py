"""One table under live control: verbs checked against a replica of the game, journaled, then acked.

The replica is the same event-sourced `TableTracker` that `rules.poker` runs, fed only with the
operator's accepted actions, so a request is judged by the rules before anything reaches the graph.
A request either changes nothing and is rejected with the rule it broke, or is written to the journal
(durably) and acknowledged with the new version. A retried id gets its first ack again.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ggpgfx.control.journal import JournalWriter, read_entries
from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup
from ggpgfx.poker.tracker import TableTracker

CARD = re.compile(r"^[2-9TJQKA][cdhs]$")
BOARD_STEPS = {0: ("flop", 3), 3: ("turn", 1), 4: ("river", 1)}
STATE_VERSION_LIMIT = 10_000  # idempotency memory: the newest ids kept


class Reject(Exception):  # noqa: N818 - a reply, not a failure
    """A request refused with a protocol error code and a one-line reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def reply(self, request_id: str | None) -> dict[str, Any]:
        """The protocol's reject message."""
        return {"type": "reject", "id": request_id, "error": {"code": self.code, "message": self.message}}


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewHandArgs(_Args):
    hand_number: int | None = Field(None, ge=1)
    button: int
    small_blind: int = Field(ge=0)
    big_blind: int = Field(ge=0)
    ante: int = Field(0, ge=0)
    big_blind_ante: int = Field(0, ge=0)
    straddles: list[int] = Field(default_factory=list)
    seats: list[SeatSetup] = Field(min_length=2)
    game: str = "nlhe"  # a game code of ggpgfx.poker.variants (HandSetup checks it)


class SeatArgs(_Args):
    seat: int


class BetArgs(_Args):
    seat: int
    amount: int = Field(ge=0)


class DealArgs(_Args):
    seat: int
    cards: list[str] = Field(min_length=1)


class BoardArgs(_Args):
    cards: list[str] = Field(min_length=1)


class UndoArgs(_Args):
    steps: int = Field(1, ge=1, le=1000)


class NoArgs(_Args):
    pass


class AdjustArgs(_Args):
    seat: int
    amount: int = Field(ge=0)


class TagArgs(_Args):
    note: str = Field(min_length=1, max_length=500)


class GraphicsArgs(_Args):
    hidden: bool


class TickerArgs(_Args):
    text: str = Field(max_length=500)


class LowerThirdArgs(_Args):
    text: str | None = Field(None, max_length=200)


class LeaderboardArgs(_Args):
    shown: bool


VERB_ARGS: dict[str, type[_Args]] = {
    "new_hand": NewHandArgs, "deal": DealArgs, "board": BoardArgs, "fold": SeatArgs, "check_call": SeatArgs,
    "bet": BetArgs, "all_in": SeatArgs, "show": SeatArgs, "muck": SeatArgs, "undo": UndoArgs, "misdeal": NoArgs,
    "next_hand": NoArgs, "adjust_stack": AdjustArgs, "chop": NoArgs, "tag": TagArgs, "graphics": GraphicsArgs,
    "ticker": TickerArgs, "lower_third": LowerThirdArgs, "leaderboard": LeaderboardArgs,
}
VERBS = tuple(VERB_ARGS)


def parse_args(verb: str, args: Any) -> Any:
    """The verb's arguments as a model, or a `bad_request` Reject naming the first bad field."""
    if verb not in VERB_ARGS:
        raise Reject("unknown_verb", f"unknown verb {verb!r}; verbs: {', '.join(VERBS)}")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise Reject("bad_request", f"{verb}: args must be a JSON object")
    try:
        return VERB_ARGS[verb].model_validate(args)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "args"
        raise Reject("bad_request", f"{verb}: {where}: {first['msg']}") from None


class ControlTable:
    """The replica, the version counter, the idempotency memory and the journal of one table."""

    def __init__(self, table: str, journal: JournalWriter | None = None) -> None:
        self.table = table
        self.journal = journal
        self.tracker = TableTracker(table)
        self.version = 0
        self.acks: dict[str, dict[str, Any]] = {}
        self.undo_weights: list[int] = []  # tracker undo steps of each undoable request, oldest first
        self.tags: list[str] = []
        self.ticker = ""
        self.lower_third: str | None = None
        self.leaderboard = False
        self.history_length = 0
        self.lock = threading.RLock()

    # -- requests ---------------------------------------------------------------------------------

    def handle(self, request_id: str, verb: str, args: Any, expect_version: int | None = None) -> dict[str, Any]:
        """Judge one request; journal and apply it when legal. Returns the ack or reject message."""
        with self.lock:
            if request_id in self.acks:
                return self.acks[request_id]
            try:
                parsed = parse_args(verb, args)
                if expect_version is not None and expect_version != self.version:
                    raise Reject("conflict", f"the table is at version {self.version}, not {expect_version}: "
                                             "it changed under you (refresh and try again)")
                actions, weight = self._plan(verb, parsed)
            except Reject as reject:
                return reject.reply(request_id)
            entry = {"id": request_id, "table": self.table, "verb": verb, "args": parsed.model_dump(exclude_none=True),
                     "version": self.version + 1, "time": time.time(), "weight": weight,
                     "actions": [a.model_dump(exclude_defaults=True) for a in actions]}
            if self.journal is not None:
                self.journal.append(entry)  # durable before the ack
            self._commit(entry, actions)
            return self.acks[request_id]

    def _commit(self, entry: dict[str, Any], actions: list[OperatorAction]) -> None:
        verb, args = entry["verb"], entry["args"]
        for action in actions:
            self.tracker.apply_action(action)
        self.version = int(entry["version"])
        weight = int(entry.get("weight", 0))
        if verb == "undo":
            steps = int(args.get("steps", 1))
            del self.undo_weights[len(self.undo_weights) - steps:]
            self.history_length = max(0, self.history_length - steps)
        elif weight:
            self.undo_weights.append(weight)
        if verb == "new_hand":
            self.tags, self.history_length = [], 0
        if verb not in ("undo", "tag", "ticker", "lower_third", "leaderboard"):
            self.history_length += 1
        if verb == "tag":
            self.tags.append(str(args["note"]))
        elif verb == "ticker":
            self.ticker = str(args["text"])
        elif verb == "lower_third":
            self.lower_third = args.get("text")
        elif verb == "leaderboard":
            self.leaderboard = bool(args["shown"])
        self.acks[str(entry["id"])] = {"type": "ack", "id": entry["id"], "version": self.version}
        if len(self.acks) > STATE_VERSION_LIMIT:
            for key in list(self.acks)[: len(self.acks) - STATE_VERSION_LIMIT]:
                del self.acks[key]

    def apply_reads(self, rows: list[dict[str, Any]]) -> bool:
        """Take card reads (RFID, vision) the graph's rules.poker received, so the console shows the cards
        the graph knows and judges against them. Not a request: the version stays; True when the table
        changed."""
        with self.lock:
            return bool(self.tracker.apply_reads(rows))

    def load(self, path: Any) -> int:
        """Replay a journal written earlier (a restarted server); returns the number of entries."""
        entries, _ = read_entries(path)
        for entry in entries:
            self._commit(entry, [OperatorAction(**a) for a in entry.get("actions", [])])
        return len(entries)

    # -- judging ----------------------------------------------------------------------------------

    def _hand(self) -> Any:
        hand = self.tracker.hand
        if hand is None or hand.complete:
            raise Reject("no_hand", "no hand is running: start one with new_hand")
        return hand

    def _last_hand(self) -> Any:
        hand = self.tracker.hand
        if hand is None:
            raise Reject("no_hand", "no hand yet: start one with new_hand")
        return hand

    def _seat(self, hand: Any, seat: int) -> None:
        if seat not in hand.order:
            seats = ", ".join(str(s) for s in sorted(hand.order))
            raise Reject("unknown_seat", f"seat {seat} is not in this hand (seats: {seats})")

    @staticmethod
    def _cards(cards: list[str]) -> list[str]:
        out = []
        for card in cards:
            norm = card[0].upper() + card[1].lower() if len(card) == 2 else card
            if not CARD.match(norm):
                raise Reject("bad_request", f"{card!r} is not a card (rank 2-9TJQKA then suit cdhs, e.g. 'Ah')")
            out.append(norm)
        if len(set(out)) != len(out):
            raise Reject("bad_request", f"a card is repeated in {', '.join(out)}")
        return out

    def _unseen(self, hand: Any, cards: list[str]) -> None:
        for card in cards:
            seen = hand.book.where.get(card)
            if seen is not None:
                place = f"seat {seen[1]}" if seen[0] == "seat" else seen[0]
                raise Reject("illegal_action", f"{card} is already on the table ({place})")

    def _plan(self, verb: str, args: Any) -> tuple[list[OperatorAction], int]:
        """The actions a legal request becomes and its undo weight; raises Reject otherwise."""
        if verb == "new_hand":
            return self._new_hand(args), 1
        if verb in ("fold", "check_call", "bet", "all_in"):
            return [self._betting(verb, args)], 1
        if verb == "deal":
            hand = self._hand()
            self._seat(hand, args.seat)
            cards = self._cards(args.cards)
            have = hand.book.known_hole(args.seat)
            if len(have) + len(cards) > hand.book.hole_count:
                raise Reject("illegal_action", f"seat {args.seat} gets {hand.book.hole_count} hole cards and "
                                               f"already has {len(have)}")
            self._unseen(hand, cards)
            return [OperatorAction(kind="deal", seat=args.seat, cards=cards)], len(cards)
        if verb == "board":
            hand = self._hand()
            cards = self._cards(args.cards)
            have = len(hand.book.board)
            if have not in BOARD_STEPS:
                raise Reject("illegal_action", "the board already has 5 cards")
            street, count = BOARD_STEPS[have]
            if len(cards) != count:
                raise Reject("bad_request", f"the {street} is {count} card{'s' if count > 1 else ''}, "
                                            f"not {len(cards)}")
            self._unseen(hand, cards)
            return [OperatorAction(kind="board", cards=cards)], len(cards)
        if verb in ("show", "muck"):
            hand = self._last_hand()
            self._seat(hand, args.seat)
            if args.seat in hand.folded_seats() | hand.pending_folds:
                raise Reject("illegal_action", f"seat {args.seat} has folded")
            if verb == "muck":
                actor = None if hand.complete else self._actor(hand)
                if actor is not None:
                    raise Reject("illegal_action", f"seat {args.seat} cannot muck while seat {actor} is to act: "
                                                   "muck is for the showdown (use fold)")
                return [OperatorAction(kind="fold", seat=args.seat, note="muck")], 1
            return [OperatorAction(kind="showdown", seat=args.seat)], 1
        if verb == "undo":
            if len(self.undo_weights) < args.steps:
                raise Reject("illegal_action", f"cannot undo {args.steps} step{'s' if args.steps > 1 else ''}: "
                                               f"{len(self.undo_weights)} to undo")
            total = sum(self.undo_weights[len(self.undo_weights) - args.steps:])
            return [OperatorAction(kind="undo") for _ in range(total)], 0
        if verb == "misdeal":
            self._hand()
            return [OperatorAction(kind="misdeal")], 1
        if verb == "next_hand":
            hand = self._last_hand()
            actor = None if hand.complete else self._actor(hand)
            if actor is not None:
                raise Reject("illegal_action", f"seat {actor} is still to act: finish the betting, or misdeal")
            return [OperatorAction(kind="end_hand")], 1
        if verb == "adjust_stack":
            hand = self.tracker.hand
            if hand is None:
                raise Reject("no_hand", "no hand yet: the stacks come with new_hand")
            self._seat(hand, args.seat)
            return [OperatorAction(kind="adjust_stack", seat=args.seat, amount=args.amount)], 1
        if verb == "chop":
            hand = self._hand()
            actor = self._actor(hand)
            if actor is not None:
                raise Reject("illegal_action", f"seat {actor} is still to act: chop once the betting is over")
            out = hand.folded_seats() | hand.pending_folds  # a muck waits for its turn at showdown
            live = [seat for seat in hand.order if seat not in out]
            return [OperatorAction(kind="award_pot", seat=seat) for seat in live], len(live)
        if verb == "graphics":
            return [OperatorAction(kind="hide_graphics" if args.hidden else "show_graphics")], 1
        if verb == "tag":
            return [OperatorAction(kind="tag", note=args.note)], 0
        if verb == "ticker":
            return [OperatorAction(kind="ticker", note=args.text)], 0
        if verb == "lower_third":
            return [OperatorAction(kind="lower_third", note=args.text or "")], 0
        assert verb == "leaderboard"
        return [OperatorAction(kind="leaderboard", shown=args.shown)], 0

    def _new_hand(self, args: NewHandArgs) -> list[OperatorAction]:
        hand = self.tracker.hand
        if hand is not None and not hand.complete:
            raise Reject("illegal_action", f"hand {hand.setup.hand_number} is still running: next_hand or misdeal "
                                           "first")
        numbers = [s.seat for s in args.seats]
        if len(set(numbers)) != len(numbers):
            raise Reject("bad_request", "new_hand: a seat number is repeated")
        if args.button not in numbers:
            raise Reject("unknown_seat", f"the button (seat {args.button}) is not one of the seats "
                                         f"({', '.join(map(str, sorted(numbers)))})")
        number = args.hand_number or ((hand.setup.hand_number + 1) if hand is not None else 1)
        setup = HandSetup(hand_number=number, game=args.game, seats=args.seats, button=args.button,
                          small_blind=args.small_blind, big_blind=args.big_blind, ante=args.ante,
                          big_blind_ante=args.big_blind_ante, straddles=args.straddles)
        from ggpgfx.poker.replay import replay_hand

        try:
            replay_hand(setup, [])
        except (ValueError, KeyError, AssertionError) as error:
            raise Reject("illegal_action", f"this hand cannot start: {error}") from None
        return [OperatorAction(kind="start_hand", hand=setup)]

    @staticmethod
    def _advanced(hand: Any) -> Any:
        trial = copy.deepcopy(hand)
        trial.advance(force_board=True)
        return trial

    def _actor(self, hand: Any) -> int | None:
        trial = self._advanced(hand)
        return trial.seat_of(trial.state.actor_index)  # type: ignore[no-any-return]

    def _betting(self, verb: str, args: Any) -> OperatorAction:
        hand = self._hand()
        seat = args.seat
        self._seat(hand, seat)
        trial = self._advanced(hand)
        state = trial.state
        actor = trial.seat_of(state.actor_index)
        if actor is None:
            raise Reject("illegal_action", f"seat {seat} cannot act: nobody is to act now (the betting is over)")
        if seat != actor:
            raise Reject("out_of_turn", f"seat {seat} cannot act: seat {actor} is to act")
        call = int(state.checking_or_calling_amount or 0)
        amount: int | None = None
        if verb == "fold":
            kind = "fold"
        elif verb == "check_call":
            kind = "call" if call else "check"
        elif verb == "all_in":
            kind = "all_in"
        else:
            amount = int(args.amount)
            facing = bool(call) or state.street_index == 0
            word = "raise" if facing else "bet"
            kind = word
            index = state.actor_index
            behind, put_in = int(state.stacks[index]), int(state.bets[index])
            if amount > behind + put_in:
                raise Reject("not_enough_chips", f"seat {seat} cannot {word} to {amount:,}: it has {behind:,} "
                                                 f"behind (all-in is to {behind + put_in:,})")
            if not state.can_complete_bet_or_raise_to():
                raise Reject("illegal_action", f"seat {seat} cannot {word}: betting is not open to it "
                                               f"(check_call or fold)")
            low = int(state.min_completion_betting_or_raising_to_amount or 0)
            high = int(state.max_completion_betting_or_raising_to_amount or 0)
            if amount < low and amount != high:
                raise Reject("illegal_action", f"seat {seat} cannot {word} to {amount:,}: the minimum {word} is "
                                               f"to {low:,}")
            if amount > high:
                raise Reject("illegal_action", f"seat {seat} cannot {word} to {amount:,}: the maximum is {high:,}")
        try:
            trial._perform(kind, amount)
        except ValueError as error:
            raise Reject("illegal_action", f"seat {seat} cannot {verb.replace('_', ' ')}: {error}") from None
        return OperatorAction(kind=kind, seat=seat, amount=amount)  # type: ignore[arg-type]

    # -- state ------------------------------------------------------------------------------------

    def predict(self) -> dict[str, Any]:
        """Amounts the console offers for the player to act (None when nobody is)."""
        empty: dict[str, Any] = {"seat": None, "call": 0, "min_raise_to": None, "half_pot": None, "pot": None,
                                 "all_in": None, "can_check": False, "can_raise": False}
        hand = self.tracker.hand
        if hand is None or hand.complete:
            return empty
        trial = self._advanced(hand)
        state = trial.state
        index = state.actor_index
        if index is None:
            return empty
        call = int(state.checking_or_calling_amount or 0)
        behind, put_in = int(state.stacks[index]), int(state.bets[index])
        can_raise = bool(state.can_complete_bet_or_raise_to())
        result = {**empty, "seat": trial.seat_of(index), "call": call, "can_check": call == 0,
                  "can_raise": can_raise, "all_in": behind + put_in}
        if can_raise:
            low = int(state.min_completion_betting_or_raising_to_amount or 0)
            high = int(state.max_completion_betting_or_raising_to_amount or 0)
            facing = max(int(b) for b in state.bets)
            pot_after_call = sum(int(p.amount) for p in state.pots) + sum(int(b) for b in state.bets) + call
            result.update({"min_raise_to": low, "all_in": high,
                           "half_pot": min(max(facing + pot_after_call // 2, low), high),
                           "pot": min(max(facing + pot_after_call, low), high)})
        return result

    def state(self) -> dict[str, Any]:
        """The protocol's `state` object: TableState fields plus predict, ticker, tags, history_length."""
        with self.lock:
            table_state = self.tracker.table_state().model_dump(mode="json")
            table_state.update({"version": self.version, "predict": self.predict(), "ticker": self.ticker,
                                "lower_third": self.lower_third, "leaderboard_shown": self.leaderboard,
                                "tags": list(self.tags), "history_length": self.history_length})
            return table_state

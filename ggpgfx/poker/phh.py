"""Hand histories in PHH (pokerkit reads, replays and writes them) and JSON export of our event log.

One correction on load: files that record a big-blind ante (one non-zero ante, on the big blind) with
`ante_trimming_status = true` would have pokerkit refund that ante as unmatched; the recorded finishing
stacks show it was paid, so trimming is turned off for them.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pokerkit import ChipsPushing, HandHistory, HoleCardsShowingOrMucking, State

from ggpgfx.errors import ConfigError, MediaError
from ggpgfx.poker.tracker import TableTracker
from ggpgfx.poker.variants import create_game


def _fix(history: HandHistory) -> HandHistory:
    antes = list(history.antes) if isinstance(history.antes, list | tuple) else []
    if history.ante_trimming_status and sum(1 for a in antes if a) == 1 and len(antes) > 2 and antes[1]:
        history.ante_trimming_status = False
    return history


def load_hands(path: str | Path) -> list[HandHistory]:
    """Every hand of a .phh (one hand) or .phhs (many) file."""
    source = Path(path)
    if not source.is_file():
        raise MediaError(f"no hand-history file at {source}")
    try:
        with warnings.catch_warnings(), source.open("rb") as handle:
            warnings.simplefilter("ignore")  # unknown optional fields are fine to carry along
            if source.suffix == ".phhs":
                return [_fix(h) for h in HandHistory.load_all(handle)]
            return [_fix(HandHistory.load(handle))]
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{source}: not a valid PHH file: {error}") from None


def loads_hands(text: str) -> list[HandHistory]:
    """Every hand of PHHS text (a slice of a .phhs file that starts at a `[n]` header works too)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [_fix(h) for h in HandHistory.loads_all(text)]
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"not valid PHH text: {error}") from None


def segments(path: str | Path, target_bytes: int = 8 << 20) -> list[tuple[int, int]]:
    """Byte ranges of a .phhs file, each about `target_bytes` and starting at a hand header `[n]`."""
    source = Path(path)
    size = source.stat().st_size
    if source.suffix != ".phhs" or size <= target_bytes:
        return [(0, size)]
    cuts = [0]
    with source.open("rb") as handle:
        while cuts[-1] + target_bytes < size:
            handle.seek(cuts[-1] + target_bytes)
            tail = handle.read(1 << 20)
            found = re.search(rb"\n\[\d+\]\s*\n", tail)
            if found is None:
                break
            cuts.append(cuts[-1] + target_bytes + found.start() + 1)
    return list(zip(cuts, [*cuts[1:], size], strict=True))


class PhhError(ConfigError):
    """A hand history that cannot be replayed (a bad card, an impossible action): names the hand and action."""


def final_state(history: HandHistory, hand: int | None = None) -> State:
    """Replay a hand to its end with pokerkit; a hand that cannot be played is a PhhError naming it."""
    applied = 0
    state: State | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for state, action in history.state_actions:  # noqa: B007 - the last state is the answer
                if action is not None:
                    applied += 1
    except (ValueError, KeyError, TypeError, IndexError, ArithmeticError) as error:
        raise PhhError(_replay_problem(history, hand, applied, error)) from None
    if state is None:
        raise PhhError(f"{_hand_name(hand)}: no game state (check variant, stacks and blinds)")
    return state


def _hand_name(hand: int | None) -> str:
    return f"hand {hand}" if hand is not None else "hand"


def _replay_problem(history: HandHistory, hand: int | None, applied: int, error: Exception) -> str:
    """'hand 3: action 12 'p7 cbr 999': not possible at that point' and the like."""
    from pokerkit import Card

    actions = [str(a) for a in (history.actions or [])]
    if applied >= len(actions):
        return f"{_hand_name(hand)}: cannot be replayed: {error}"
    action = actions[applied]
    reason = "not possible at that point of the hand" if "Unable to repair" in str(error) else str(error)
    words = action.split()
    if len(words) >= 3 and (words[1] in ("dh", "db") or words[1] == "sm"):
        try:
            list(Card.parse(words[-1]))
        except ValueError:
            reason = f"bad card(s) '{words[-1]}'"
    return f"{_hand_name(hand)}: action {applied + 1} '{action}': {reason}"


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass
class HandResult:
    """The outcome of one replayed hand and how it compares with what the file recorded."""

    index: int
    players: list[str]
    starting_stacks: list[int | float]
    final_stacks: list[int | float]
    pot_winners: list[dict[str, int | float]]  # per pot: player name -> amount
    shown: dict[str, list[str]] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"index": self.index, "players": self.players, "starting_stacks": self.starting_stacks,
                "final_stacks": self.final_stacks, "pots": self.pot_winners, "shown": self.shown,
                "mismatches": self.mismatches}


def replay(history: HandHistory, index: int = 0) -> HandResult:
    """Replay one hand and check it against recorded finishing stacks and winners."""
    state = final_state(history, index + 1)
    count = state.player_count
    names = list(history.players) if history.players else [f"p{i + 1}" for i in range(count)]
    pots: list[dict[str, int | float]] = []
    pushed = [0] * count
    for operation in state.operations:
        if isinstance(operation, ChipsPushing):
            pots.append({names[i]: _number(a) for i, a in enumerate(operation.amounts) if a})
            for i, amount in enumerate(operation.amounts):
                pushed[i] += amount
    shown = {names[op.player_index]: [repr(c) for c in op.hole_cards] for op in state.operations
             if isinstance(op, HoleCardsShowingOrMucking) and op.hole_cards}
    result = HandResult(index, names, [_number(s) for s in state.starting_stacks],
                        [_number(s) for s in state.stacks], pots, shown)
    recorded = history.finishing_stacks
    if recorded is not None and [_number(s) for s in recorded] != result.final_stacks:
        result.mismatches.append(f"finishing stacks {list(map(_number, recorded))} != {result.final_stacks}")
    winnings = history.winnings
    if winnings is not None and any(winnings):
        # PHH winnings are gross pot collections (rake and returned bets differ by site): compare winners
        if [w > 0 for w in winnings] != [p > 0 for p in pushed]:
            result.mismatches.append(f"winners {[n for n, w in zip(names, winnings, strict=True) if w > 0]} "
                                     f"!= {[n for n, p in zip(names, pushed, strict=True) if p > 0]}")
    return result


def tracker_phh(tracker: TableTracker) -> str:
    """The tracker's current hand as PHH text (pokerkit writes it)."""
    hand = tracker.hand
    if hand is None:
        raise ConfigError("no hand to write: the table has not started one")
    game, _, _ = create_game(hand.setup)
    history = HandHistory.from_game_state(game, hand.state)
    history.players = [next(s.name for s in hand.setup.seats if s.seat == seat) for seat in hand.order]
    history.seats = list(hand.order)
    history.hand = hand.setup.hand_number
    return history.dumps()


def events_json(tracker: TableTracker, indent: int | None = 2) -> str:
    """The tracker's full event log as JSON (replayable with `TableTracker.restore`)."""
    return json.dumps({"table": tracker.table, "events": tracker.snapshot()}, indent=indent)

"""A recorded studio session: manifest, frame index, scene calls, game events, corrections and hands.

Layout of a session folder (written by `publish.studio`):

    manifest.json   format, fps, frames, first/last pts, ISO and program file names, skin, size
    iso.mp4         the clean camera feed; frame i has pts i in a 1/fps time base
    log/            EventLog (WAL + Parquet parts): Frame rows (index -> live pts), SceneCall rows (what the
                    overlay drew), GameEvent rows, and Correction rows appended by `ggp studio fix`
    skins/NAME/     a copy of the skin the overlay used
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ggpgfx.errors import ConfigError
from ggpgfx.media.event_log import EventLog
from ggpgfx.poker.messages import GameEvent, TableState
from ggpgfx.render.record import SceneCall

MANIFEST = "manifest.json"
_CARD_RANKS, _CARD_SUITS = "23456789TJQKA", "cdhs"


def _now_us() -> int:
    return int(time.time() * 1e6)


def frame_record(index: int, pts: int) -> dict[str, Any]:
    """The log row that says ISO frame `index` was the live frame at `pts`."""
    return {"key": f"frame/{index}", "kind": "frame", "type": "Frame", "pts": int(pts), "hand_number": None,
            "payload": json.dumps({"index": index}), "logged_at": _now_us()}


def scene_record(call: SceneCall) -> dict[str, Any]:
    """The log row of one overlay scene call."""
    return {"key": f"scene/{call.index}", "kind": call.kind, "type": "SceneCall", "pts": call.pts,
            "hand_number": call.state.hand_number if call.state is not None else None,
            "payload": call.model_dump_json(), "logged_at": _now_us()}


def skin_folder(name: str) -> Path | None:
    """The folder of a skin (bundled name or path); None when it cannot be loaded."""
    from ggpgfx.render.skins import load_skin

    try:
        return load_skin(name).folder  # type: ignore[no-any-return]
    except (ConfigError, OSError):
        return None


def _check_card(card: str) -> str:
    if len(card) != 2 or card[0] not in _CARD_RANKS or card[1] not in _CARD_SUITS:
        raise ValueError(f"{card!r} is not a card: rank {_CARD_RANKS} then suit {_CARD_SUITS}, e.g. Ah")
    return card


class Correction(BaseModel):
    """One correction to a hand, appended to the log (the recorded events are never edited)."""

    model_config = ConfigDict(extra="forbid")
    number: int = 0  # 1, 2, ... in the order made
    hand: int
    kind: Literal["card", "stack", "name", "action", "tag", "bet", "play"]
    seat: int | None = Field(None, ge=1, le=10)
    #: card: the seat's hole cards (all of them), or with `board_index` one board card
    cards: list[str] = Field(default_factory=list)
    board_index: int | None = Field(None, ge=0, le=4)
    amount: int | None = Field(None, ge=0)  # stack: the seat's stack at hand start; bet: the corrected total
    text: str | None = None  # name / action label / tag
    at_s: float | None = Field(None, ge=0)  # action: seconds into the hand from which the label shows
    #: bet: the key of the recorded betting action it corrects, and the amount it had
    event: str | None = None
    replaces: int | None = None
    #: play: the betting action the seat really made (fold, check, call, bet, raise, all_in); `amount` for bet/raise
    play: Literal["fold", "check", "call", "bet", "raise", "all_in"] | None = None
    note: str = ""
    made_at: float = Field(default_factory=time.time)

    @field_validator("cards")
    @classmethod
    def _cards(cls, value: list[str]) -> list[str]:
        return [_check_card(c) for c in value]

    def describe(self) -> str:
        """One line for `ggp studio diff` and the clips' notes."""
        seat = f" seat {self.seat}" if self.seat is not None else ""
        what = {
            "card": f"board card {self.board_index + 1} -> {''.join(self.cards)}" if self.board_index is not None
            else f"hole cards -> {' '.join(self.cards)}",
            "stack": f"stack at hand start -> {self.amount}",
            "name": f"name -> {self.text!r}",
            "action": f"action label -> {self.text!r} from {self.at_s or 0:g} s",
            "tag": f"tag {self.text!r}",
            "bet": f"{self.text or 'bet'} to {self.replaces or 0:,} -> {self.amount or 0:,} "
                   f"(at {self.at_s or 0:.1f} s)",
            "play": f"{self.text or 'action'}" + (f" to {self.replaces:,}" if self.replaces else "")
                    + f" -> {self.play}" + (f" to {self.amount:,}" if self.amount else "") + f" (at {self.at_s or 0:.1f} s)",
        }[self.kind]
        return f"#{self.number} hand {self.hand}{seat}: {what}" + (f" ({self.note})" if self.note else "")


@dataclass
class Hand:
    """One hand of the session: its frames, what it showed and what makes it a highlight."""

    number: int
    start_frame: int
    end_frame: int  # exclusive
    start_pts: int
    end_pts: int
    players: list[str] = field(default_factory=list)
    cards: dict[str, list[str]] = field(default_factory=dict)  # name -> hole cards seen
    board: list[str] = field(default_factory=list)
    pot: int = 0
    showdown: bool = False
    all_ins: list[str] = field(default_factory=list)
    winners: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    corrections: int = 0

    @property
    def frames(self) -> int:
        """Number of frames."""
        return self.end_frame - self.start_frame

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"hand": self.number, "start_frame": self.start_frame, "end_frame": self.end_frame,
                "start_pts": self.start_pts, "end_pts": self.end_pts, "players": self.players, "cards": self.cards,
                "board": self.board, "pot": self.pot, "showdown": self.showdown, "all_ins": self.all_ins,
                "winners": self.winners, "tags": self.tags, "corrections": self.corrections}


class Session:
    """A session folder opened for reading (and for appending corrections)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        if not path.is_file():
            raise ConfigError(f"{self.folder}: not a studio session (no {MANIFEST}); record one with publish.studio")
        self.manifest: dict[str, Any] = json.loads(path.read_text())
        log = EventLog(self.folder / str(self.manifest.get("log", "log")))
        try:
            rows = log.read_all().select(["type", "pts", "payload"]).to_pylist()
        finally:
            log.wal.close()
        frames: dict[int, int] = {}
        self.calls: list[SceneCall] = []
        self.events: list[GameEvent] = []
        self.corrections: list[Correction] = []
        self._corrected: tuple[tuple[str, ...], list[SceneCall]] | None = None
        for row in rows:
            kind = row["type"]
            if kind == "Frame":
                frames[json.loads(row["payload"])["index"]] = row["pts"]
            elif kind == "SceneCall":
                self.calls.append(SceneCall.model_validate_json(row["payload"]))
            elif kind == "GameEvent":
                self.events.append(GameEvent.model_validate_json(row["payload"]))
            elif kind == "Correction":
                self.corrections.append(Correction.model_validate_json(row["payload"]))
        self.calls.sort(key=lambda c: c.index)
        self.corrections.sort(key=lambda c: c.number)
        #: live pts of each ISO frame, by index
        self.frame_pts = np.array([frames[i] for i in sorted(frames)], dtype=np.int64)
        if len(self.frame_pts) and sorted(frames) != list(range(len(frames))):
            raise ConfigError(f"{self.folder}: the frame index has gaps (a damaged log)")

    @property
    def fps(self) -> float:
        """The graph's frame rate."""
        return float(self.manifest.get("fps") or 30.0)

    @property
    def iso_path(self) -> Path:
        """The clean camera recording."""
        return self.folder / str(self.manifest.get("iso", "iso.mp4"))

    @property
    def first_pts(self) -> int | None:
        """pts of the first live frame (the ticker's clock starts there)."""
        return int(self.frame_pts[0]) if len(self.frame_pts) else None

    def frame_at(self, pts: int) -> int:
        """Index of the first frame at or after `pts`."""
        return int(np.searchsorted(self.frame_pts, pts, side="left"))

    # -- corrections ------------------------------------------------------------------------------------
    def add_correction(self, correction: Correction) -> Correction:
        """Append a correction to the log (numbered after the others); the original events stay."""
        hands = {h.number for h in self.hands(corrected=False)}
        if correction.hand not in hands:
            raise ConfigError(f"hand {correction.hand} is not in this session (hands: "
                              f"{', '.join(map(str, sorted(hands))) or 'none'})")
        if correction.kind in ("stack", "name", "action", "bet", "play") or (correction.kind == "card" and correction.board_index
                                                               is None):
            seats = self._seats_of(correction.hand)
            if correction.seat not in seats:
                raise ConfigError(f"hand {correction.hand} has no seat {correction.seat} "
                                  f"(seats: {', '.join(map(str, sorted(seats)))})")
        if correction.kind in ("bet", "play"):
            correction = self._resolve_bet(correction)
        from ggpgfx.studio.chips import CHIP_KINDS

        numbered = correction.model_copy(update={"number": len(self.corrections) + 1})
        if numbered.kind in CHIP_KINDS and any(e.kind == "hand_started" and e.hand_number == numbered.hand
                                                     for e in self.events):
            self._check_replay(numbered)
        log = EventLog(self.folder / str(self.manifest.get("log", "log")))
        try:
            log.append({"key": f"fix/{numbered.number}", "kind": numbered.kind, "type": "Correction",
                        "pts": 0, "hand_number": numbered.hand, "payload": numbered.model_dump_json(),
                        "logged_at": _now_us()})
        finally:
            log.close()
        self.corrections.append(numbered)
        return numbered

    def _resolve_bet(self, correction: Correction) -> Correction:
        """Name the recorded betting action a `bet` correction changes (the seat's bet nearest `at_s`)."""
        from ggpgfx.studio.chips import find_bet

        hand = next(h for h in self.hands(corrected=False) if h.number == correction.hand)
        if not any(e.kind == "hand_started" and e.hand_number == correction.hand for e in self.events):
            raise ConfigError(f"hand {correction.hand}: the session has no game events for it, so a bet cannot be "
                              f"replayed (record rules.events into publish.studio's events)")
        if correction.kind == "bet" and (correction.amount is None or correction.amount <= 0):
            raise ConfigError("a bet correction needs the amount the bet or raise goes to (a whole number > 0)")
        if correction.kind == "play" and correction.play is None:
            raise ConfigError("an action correction needs the action made: fold, check, call, bet, raise or all_in")
        event = find_bet(self.events, correction.hand, correction.seat or 0, hand.start_pts, correction.at_s,
                         any_action=correction.kind == "play")
        at_s = max(0.0, (event.pts - hand.start_pts) / 1e6)
        return correction.model_copy(update={"event": event.key, "replaces": event.amount, "at_s": round(at_s, 3),
                                             "text": str(event.data.get("action", "bet"))})

    def _check_replay(self, correction: Correction) -> None:
        """Refuse a correction the poker core cannot replay the session with (a bet under the minimum, a card
        already in play, a later hand whose carried stacks cannot pay what was bet in it ...)."""
        from ggpgfx.studio.chips import replay_corrected

        replays = replay_corrected(self.events, [*self.corrections, correction])
        problems = [f"hand {hand}: {flag}" if hand != correction.hand else flag
                    for hand, replay in sorted(replays.items()) for flag in replay.flags]
        if problems:
            raise ConfigError(f"hand {correction.hand} does not replay with this correction (nothing was saved): "
                              + "; ".join(problems))

    def actions(self, hand: int) -> list[dict[str, Any]]:
        """The hand's betting actions as recorded: seconds into the hand, seat, player, action, amount."""
        from ggpgfx.studio.chips import ordered

        start = next((h.start_pts for h in self.hands(corrected=False) if h.number == hand), None)
        if start is None:
            raise ConfigError(f"hand {hand} is not in this session")
        names = {s.seat: s.name for c in self.calls if c.state is not None and c.state.hand_number == hand
                 for s in c.state.seats}
        return [{"at_s": round((e.pts - start) / 1e6, 3), "seat": e.seat, "player": names.get(e.seat or 0, ""),
                 "action": e.data.get("action"), "amount": e.amount, "event": e.key}
                for e in ordered(self.events) if e.hand_number == hand and e.kind == "action"]

    def _seats_of(self, hand: int) -> set[int]:
        return {s.seat for c in self.calls if c.state is not None and c.state.hand_number == hand
                for s in c.state.seats}

    def corrected_calls(self, corrections: list[Correction] | None = None) -> list[SceneCall]:
        """The scene calls with every correction applied to the states they carry."""
        from ggpgfx.studio.corrections import apply_corrections

        if corrections is not None:
            return apply_corrections(self.calls, corrections, self.events)
        # the session's own corrections: kept until one is added (a chip correction replays its hand, and
        # hands(), hand() and the renderer all ask)
        key = tuple(c.model_dump_json() for c in self.corrections)
        cached = self._corrected
        if cached is None or cached[0] != key:
            cached = self._corrected = (key, apply_corrections(self.calls, self.corrections, self.events))
        return list(cached[1])

    # -- hands -------------------------------------------------------------------------------------------
    def hands(self, corrected: bool = True) -> list[Hand]:
        """Every hand that showed on air, in order, with its frame range (a hand runs until the next starts)."""
        calls = self.corrected_calls() if corrected else self.calls
        starts: dict[int, int] = {}
        states: dict[int, list[TableState]] = {}
        for call in calls:
            state = call.state
            if state is None or state.hand_number <= 0:
                continue
            pts = call.pts if call.kind == "frame" else call.pts + 1  # a between-call shows from the next frame
            starts.setdefault(state.hand_number, pts)
            states.setdefault(state.hand_number, []).append(state)
        order = sorted(starts, key=lambda n: starts[n])
        total = len(self.frame_pts)
        hands: list[Hand] = []
        for position, number in enumerate(order):
            start = self.frame_at(starts[number])
            end = self.frame_at(starts[order[position + 1]]) if position + 1 < len(order) else total
            if end <= start:
                continue
            hand = Hand(number, start, end, int(self.frame_pts[start]), int(self.frame_pts[end - 1]))
            _summarise(hand, states[number])
            hand.tags += [e.data.get("note") or e.data.get("text") or "tag" for e in self.events
                          if e.kind == "tag" and e.hand_number == number]
            hand.tags += [c.text or "tag" for c in self.corrections if c.kind == "tag" and c.hand == number]
            hand.corrections = sum(1 for c in self.corrections if c.hand == number)
            hands.append(hand)
        return hands

    def hand(self, number: int) -> Hand:
        """One hand by number (a clear error when it is not in the session)."""
        for hand in self.hands():
            if hand.number == number:
                return hand
        raise ConfigError(f"hand {number} is not in this session")


def _summarise(hand: Hand, states: list[TableState]) -> None:
    names: dict[int, str] = {}
    for state in states:
        hand.pot = max(hand.pot, state.total_pot, sum(state.winnings.values()))
        if len(state.board) >= len(hand.board):
            hand.board = list(state.board)
        for seat in state.seats:
            if seat.status == "empty":
                continue
            names.setdefault(seat.seat, seat.name)
            if seat.hole_cards:
                hand.cards[seat.name] = list(seat.hole_cards)
            if seat.status == "all_in" and seat.name not in hand.all_ins:
                hand.all_ins.append(seat.name)
        if state.street == "showdown":
            hand.showdown = True
        if state.winnings:
            by_seat = {s.seat: s.name for s in state.seats}
            hand.winners = [by_seat.get(seat, str(seat)) for seat, won in state.winnings.items() if won > 0]
    hand.players = [names[s] for s in sorted(names)]

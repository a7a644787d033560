"""A corrected card decides the showdown again (state and pixels), and what a seat ends a corrected hand with
carries into the later hands whose recorded stacks follow on from it."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest
from studio_session import decoded
from typer.testing import CliRunner

from ggpgfx.errors import ConfigError
from ggpgfx.poker.evaluator import evaluate
from ggpgfx.poker.messages import GameEvent, TableState
from ggpgfx.studio import chips
from ggpgfx.studio.chips import replay_corrected
from ggpgfx.studio.cli import studio_app
from ggpgfx.studio.render import RenderSettings, render_hand
from ggpgfx.studio.session import Correction, Session

RANKS, SUITS = "23456789TJQKA", "cdhs"


def _showdown(session: Session) -> tuple[int, TableState, int, int]:
    """A hand that ended at a showdown of two seats: (hand, its last recorded state, winner, loser)."""
    for hand in session.hands(corrected=False):
        states = [c.state for c in session.calls if c.state is not None and c.state.hand_number == hand.number]
        last = states[-1]
        shown = [s for s in last.seats if s.status != "folded" and len(s.hole_cards) == 2]
        if len(last.winnings) == 1 and len(shown) == 2 and len(last.board) == 5:
            winner = next(iter(last.winnings))
            loser = next(s.seat for s in shown if s.seat != winner)
            return hand.number, last, winner, loser
    raise AssertionError("the recorded session has no two-seat showdown")


def _beating_cards(state: TableState, winner: int, loser: int) -> list[str]:
    """The first two unused cards that give the loser a better hand than the winner's on this board."""
    used = {c for s in state.seats for c in s.hole_cards} | set(state.board)
    won = next(s for s in state.seats if s.seat == winner)
    target = evaluate([*won.hole_cards, *state.board])
    deck = [r + s for r in RANKS for s in SUITS if r + s not in used]
    for pair in itertools.combinations(deck, 2):
        if evaluate([*pair, *state.board]) > target:
            return list(pair)
    raise AssertionError("no two cards beat the winner")


def test_a_corrected_card_changes_who_won(session_folder: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "session"
    shutil.copytree(session_folder, copy)
    session = Session(copy)
    hand, last, winner, loser = _showdown(session)
    pot = last.winnings[winner]
    cards = _beating_cards(last, winner, loser)
    out = CliRunner().invoke(studio_app, ["fix", str(copy), "--hand", str(hand), "--card", f"{loser}={''.join(cards)}"])
    assert out.exit_code == 0, out.output
    assert f"hand {hand} won: seat {winner} {pot:,} -> seat {loser} {pot:,}" in out.output
    reopened = Session(copy)
    pairs = [(a.state, b.state) for a, b in zip(reopened.calls, reopened.corrected_calls(), strict=True)
             if a.state is not None and b.state is not None and a.state.hand_number == hand]
    before, after = pairs[-1]
    assert after.winnings == {loser: pot}
    was = {s.seat: s.stack for s in before.seats}
    now = {s.seat: s.stack for s in after.seats}
    assert now[loser] == was[loser] + pot and now[winner] == was[winner] - pot
    assert all(now[s] == was[s] for s in was if s not in (winner, loser))
    names = {s.seat: s.name for s in last.seats}
    assert next(h for h in reopened.hands() if h.number == hand).winners == [names[loser]]
    # pixels: against the same card correction without the replay (cards and labels only, the old behaviour),
    # the re-render changes exactly from the frame that shows the pot awarded
    settings = RenderSettings(lossless=True, preset="ultrafast")
    replayed = decoded(render_hand(copy, hand, tmp_path / "replayed", settings).path)
    monkeypatch.setattr("ggpgfx.studio.corrections.CHIP_KINDS", ("stack", "bet", "play"))
    cards_only = decoded(render_hand(Session(copy).folder, hand, tmp_path / "cards_only", settings).path)
    same = [all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
            for a, b in zip(replayed, cards_only, strict=True)]
    award = next(c.pts for c in reopened.calls if c.state is not None and c.state.hand_number == hand
                 and c.state.winnings)
    first = reopened.hand(hand).start_frame
    award_frame = reopened.frame_at(award) - first
    changed = same.index(False)
    assert all(same[:changed]) and award_frame - 1 <= changed <= award_frame + 1
    assert not any(same[changed:changed + 5])


def test_a_card_already_in_play_is_refused(session_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "session"
    shutil.copytree(session_folder, copy)
    session = Session(copy)
    hand, last, _winner, loser = _showdown(session)
    with pytest.raises(ConfigError, match=f"{last.board[0]} is already in play"):
        session.add_correction(Correction(hand=hand, kind="card", seat=loser, cards=[last.board[0], "2c"]))
    assert Session(copy).corrections == []


def _following_on(session: Session) -> tuple[int, int, TableState, dict[int, int], list[GameEvent]]:
    """The session's first two hands, the first's last state and its seats' stacks at the start, and the events
    with the second hand's recorded stacks what the first ended with (a session whose chips follow on from
    hand to hand, as a real table's do)."""
    first, second = (h.number for h in session.hands(corrected=False)[:2])
    end = [c.state for c in session.calls if c.state is not None and c.state.hand_number == first][-1]
    ends = {s.seat: s.stack for s in end.seats}
    starts: dict[int, int] = {}
    events = []
    for event in session.events:
        if event.kind == "hand_started" and event.hand_number == first:
            starts = {s["seat"]: s["stack"] for s in event.data["setup"]["seats"]}
        if event.kind == "hand_started" and event.hand_number == second:
            setup = dict(event.data["setup"])
            setup["seats"] = [dict(s, stack=ends.get(s["seat"], s["stack"])) for s in setup["seats"]]
            event = event.model_copy(update={"data": dict(event.data, setup=setup)})
        events.append(event)
    return first, second, end, starts, events


def test_a_stack_correction_carries_into_the_next_hand(session_folder: Path) -> None:
    session = Session(session_folder)
    first, second, end, starts, events = _following_on(session)
    folded = next(s.seat for s in end.seats if s.status == "folded")
    fix = Correction(number=1, hand=first, kind="stack", seat=folded, amount=starts[folded] + 12_345)
    replays = replay_corrected(events, [fix])
    assert replays[second].carried == {folded: 12_345} and not replays[second].not_carried
    # the whole next hand: the seat has 12,345 more, nothing else moves
    original = replays[second].original
    for recorded_step, corrected_step in zip(original, replays[second].corrected, strict=True):
        stacks = {seat: stack for seat, stack, *_ in recorded_step[6]}
        assert corrected_step.seat(folded) is not None
        assert corrected_step.seat(folded).stack == stacks[folded] + 12_345  # type: ignore[union-attr]
        assert all(s.stack == stacks[s.seat] for s in corrected_step.seats if s.seat != folded)
    # as recorded (the table sim's hands do not follow on) the change is reported, not carried
    plain = replay_corrected(session.events, [fix])
    assert second in plain and plain[second].not_carried[folded][1] == end.seat(folded).stack  # type: ignore[union-attr]
    assert any("is not carried" in line for line in chips.replay_notes(plain))


def test_a_carry_that_leaves_a_seat_nothing_is_refused(session_folder: Path) -> None:
    first, second, end, starts, events = _following_on(Session(session_folder))
    ends = {s.seat: s.stack for s in end.seats}
    # a seat that folded after putting chips in (a blind): starting it with exactly what it put in ends the hand
    # with nothing, so the next hand would start it with nothing
    folded, spent = max(((s.seat, starts[s.seat] - ends[s.seat]) for s in end.seats if s.status == "folded"),
                        key=lambda pair: pair[1])
    assert spent > 0
    fix = Correction(number=1, hand=first, kind="stack", seat=folded, amount=spent)
    with pytest.raises(ConfigError, match=f"hand {second}: seat {folded} would start with 0 chips"):
        replay_corrected(events, [fix])

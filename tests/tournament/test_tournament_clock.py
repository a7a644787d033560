"""The blind clock: computed from stored times only, so a restart changes nothing."""

from __future__ import annotations

import pytest

from ggpgfx.tournament.clock import BlindLevel, add_time, clock_position, jump_to_level, pause, resume, start

LEVELS = [BlindLevel(small_blind=100, big_blind=200, duration_s=600),
          BlindLevel(duration_s=300, is_break=True),
          BlindLevel(small_blind=200, big_blind=400, big_blind_ante=400, duration_s=600)]
T0 = 1_800_000_000.0


def test_levels_advance_with_time() -> None:
    anchor = start(0, T0)
    assert clock_position(LEVELS, anchor, T0 + 100).remaining_s == 500
    pos = clock_position(LEVELS, anchor, T0 + 650)
    assert (pos.level_index, pos.remaining_s, pos.level_started_at) == (1, 250, T0 + 600)
    end = clock_position(LEVELS, anchor, T0 + 5000)
    assert end.level_index == 2 and end.finished and end.remaining_s == 0 and not end.running


def test_pause_resume_add_and_remove_time() -> None:
    anchor = pause(start(0, T0), T0 + 100)
    assert clock_position(LEVELS, anchor, T0 + 10_000).remaining_s == 500  # frozen while paused
    anchor = resume(anchor, T0 + 400)  # paused 300 s
    assert clock_position(LEVELS, anchor, T0 + 500).remaining_s == 400
    assert clock_position(LEVELS, add_time(anchor, 60), T0 + 500).remaining_s == 460
    pos = clock_position(LEVELS, add_time(anchor, -450), T0 + 500)  # removing past zero starts the break
    assert (pos.level_index, pos.remaining_s) == (1, 250)


def test_jump_to_level_keeps_the_pause() -> None:
    anchor = jump_to_level(LEVELS, pause(start(0, T0), T0 + 10), 2, T0 + 20)
    pos = clock_position(LEVELS, anchor, T0 + 999)
    assert (pos.level_index, pos.remaining_s, pos.running) == (2, 600, False)
    with pytest.raises(ValueError, match="no level 3: the structure has levels 0..2"):
        jump_to_level(LEVELS, anchor, 3, T0)


def test_a_restart_recomputes_the_same_position() -> None:
    # What a server stores is the anchor; a new process computing at the same instant agrees exactly.
    anchor = add_time(resume(pause(start(0, T0), T0 + 30), T0 + 90), 15)
    stored = dict(anchor.__dict__)
    again = type(anchor)(**stored)
    assert clock_position(LEVELS, again, T0 + 777) == clock_position(LEVELS, anchor, T0 + 777)


def test_bad_levels_are_refused() -> None:
    with pytest.raises(ValueError, match="needs a big_blind > 0"):
        BlindLevel(duration_s=60)
    with pytest.raises(ValueError, match="small_blind 500 is larger than big_blind 200"):
        BlindLevel(small_blind=500, big_blind=200, duration_s=60)
    with pytest.raises(ValueError, match="at least one level"):
        clock_position([], start(0, T0), T0)

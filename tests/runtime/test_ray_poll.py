"""The Ray driver polls its fragments fast while a graph starts or needs it, slower once it runs (issue #21)."""

from __future__ import annotations

from ggpgfx.runtime.ray_executor import FAST_POLL_FOR_S, POLL_IDLE_S, POLL_S, poll_interval


def test_polls_are_fast_at_the_start_and_while_taps_or_mirrors_need_the_driver() -> None:
    assert poll_interval(0.0, needs_driver=False) == POLL_S
    assert poll_interval(FAST_POLL_FOR_S - 0.01, needs_driver=False) == POLL_S
    assert poll_interval(FAST_POLL_FOR_S + 60, needs_driver=True) == POLL_S


def test_polls_slow_down_once_the_graph_runs() -> None:
    assert poll_interval(FAST_POLL_FOR_S, needs_driver=False) == POLL_IDLE_S
    assert POLL_S < POLL_IDLE_S <= 0.25  # an error, a crash or the end is still noticed within a quarter second

"""A PHH file with a bad card or an impossible action is a user error naming the hand, never an internal one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggpgfx.errors import ConfigError
from ggpgfx.poker import phh

HAND = (Path(__file__).parent / "data" / "wsop-2019-42-3-00-01-07.phh").read_text(encoding="utf-8")
REPO = Path(__file__).resolve().parents[2]


def session(*hands: str) -> str:
    """A .phhs text of the given hands, numbered from 1."""
    return "\n".join(f"[{n}]\n{text.strip()}\n" for n, text in enumerate(hands, start=1))


def first_action(text: str) -> str:
    start = text.index("actions = [") + len("actions = [")
    return text[start:text.index(",", start)].strip("'")


def replay_all(text: str) -> list[phh.HandResult]:
    return [phh.replay(h, i) for i, h in enumerate(phh.loads_hands(text))]


def test_bad_card_names_the_hand_and_action() -> None:
    action = first_action(HAND)
    broken = HAND.replace(action, action[:-2] + "Xz", 1)
    with pytest.raises(phh.PhhError, match=r"^hand 2: action 1 '.*Xz': bad card\(s\)"):
        replay_all(session(HAND, broken))


def test_impossible_action_names_the_hand() -> None:
    broken = HAND.replace("actions = [", "actions = ['p1 cbr 999999999999', ", 1)
    with pytest.raises(phh.PhhError, match="^hand 1: action 1 'p1 cbr 999999999999': not possible"):
        replay_all(session(broken))


def test_cli_replay_exit_code_of_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.phhs"
    action = first_action(HAND)
    path.write_text(session(HAND, HAND, HAND.replace(action, action[:-2] + "Xz", 1)))
    proc = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "hands", "replay", str(path)], capture_output=True,
                          text=True, timeout=120, cwd=REPO)
    assert proc.returncode == ConfigError.exit_code, proc.stderr
    assert f"{path}: hand 3: action 1" in proc.stderr and "bad card" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


edits = st.lists(st.tuples(st.integers(0, len(HAND) - 1), st.integers(0, 6),
                           st.sampled_from(["", "X", "9", "'", ",", "]", "[", " ", "\n", "=", "cbr 1", "f", "??"])),
                 min_size=1, max_size=4)


@settings(max_examples=150, deadline=2000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_fuzzed_hands_fail_only_with_input_errors(changes: list[tuple[int, int, str]]) -> None:
    """Random edits of a real hand: it replays, or the reader or replay says why (a ConfigError)."""
    text = HAND
    for at, length, insert in changes:
        text = text[:at] + insert + text[at + length:]
    try:
        replay_all(session(text))
    except ConfigError:
        pass

"""`ggp equity` and `ggp hands` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WSOP = Path(__file__).parent / "data" / "wsop-2019-42-3-00-01-07.phh"  # from the PHH dataset (MIT, see LICENSE)


def ggp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ggpgfx.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=REPO)


def test_equity_json_exact() -> None:
    done = ggp("equity", "AhKh", "QsQd", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["method"] == "exact" and result["total"] == 1_712_304
    assert [p["wins"] for p in result["players"]] == [787_966, 917_606]


def test_equity_monte_carlo_table() -> None:
    done = ggp("equity", "AhKh", "QsQd", "7c7d", "--board", "2h7h", "--trials", "5000")
    assert done.returncode == 2 and done.stderr.startswith("error: board must have 0, 3, 4 or 5 cards")
    done = ggp("equity", "AhKhQd2c", "JsTs9d8d", "--game", "omaha", "--trials", "5000")
    assert done.returncode == 0 and "monte-carlo ±" in done.stdout and "AhKhQd2c" in done.stdout


def test_equity_user_mistake_is_one_line() -> None:
    done = ggp("equity", "AhKh", "AhQs")
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "twice" in done.stderr


def test_games_lists_the_registry_and_a_bad_game_is_one_line() -> None:
    done = ggp("games", "--json")
    assert done.returncode == 0, done.stderr
    games = {g["code"]: g for g in json.loads(done.stdout)}
    assert games["plo"]["hole_cards"] == 4 and games["plo"]["phh"] == "PO" and "omaha" in games["plo"]["aliases"]
    assert games["shortdeck"]["deck"] == 36 and games["plo8"]["hi_lo"]
    done = ggp("equity", "AhKh", "QsQd", "--game", "stud")
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "unknown game 'stud'" in done.stderr


def test_hands_replay_and_stats() -> None:
    done = ggp("hands", "replay", str(WSOP), "--json")
    assert done.returncode == 0, done.stderr
    hand = json.loads(done.stdout)[0]
    assert hand["final_stacks"][0] == 18_100_000 and hand["mismatches"] == []
    stats = ggp("hands", "stats", str(WSOP), "--json", "--local")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["Dan Matsuzuki"]["hands"] == 1


def test_hands_replay_missing_file() -> None:
    done = ggp("hands", "replay", "no-such.phh")
    assert done.returncode == 1 and "no hand-history file" in done.stderr

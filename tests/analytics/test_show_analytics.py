"""Show analytics: a scripted show's event log -> hand summaries -> figures, checked against counts made
directly from the raw log and the pots the tracker paid out live; Ray Data gives the same as one table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from log_counts import assert_players_match, direct_counts

from ggpgfx.analytics.hands import hands_from_log, log_events, write_hands
from ggpgfx.analytics.show import analytics_of_table, export, show_analytics
from ggpgfx.analytics.simulate import simulate_show
from ggpgfx.errors import ConfigError

HANDS = 12


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("show") / "log"
    return folder, simulate_show(folder, HANDS, seed=11)


def test_totals_equal_direct_counts(show: tuple[Path, list[dict[str, Any]]]) -> None:
    folder, truth = show
    result = analytics_of_table(hands_from_log(folder))
    direct = direct_counts(folder)
    assert result["hands"] == direct["hands"] == HANDS
    assert result["showdowns"] == direct["showdowns"] == sum(t["plan"] in ("limp_checkdown", "raise_call_showdown")
                                                             for t in truth)
    assert result["total_pot"] == sum(t["pot"] for t in truth)
    assert result["average_pot"] == pytest.approx(sum(t["pot"] for t in truth) / HANDS)
    assert_players_match(result, direct)
    players = {p["player"]: p for p in result["players"]}
    # table time: the summed duration of the hands each player was dealt in
    for name, p in players.items():
        expected = sum(t["end_us"] - t["start_us"] for t in truth if name in t["players"]) / 1e6
        assert p["table_time_s"] == pytest.approx(expected), name
    biggest = max(truth, key=lambda t: t["pot"])
    assert result["biggest_pots"][0]["pot"] == biggest["pot"]
    assert sum(h["hands"] for h in result["by_hour"]) == HANDS
    assert sum(d["count"] for d in result["distributions"]["vpip"]) == len(players)
    assert result["hands_per_hour"] == pytest.approx(HANDS / result["played_hours"])


def test_undo_and_misdeal_are_not_counted(tmp_path: Path, show: tuple[Path, list[dict[str, Any]]]) -> None:
    """An undone raise and a misdealt hand change the summaries as they changed the live table."""
    folder, _ = show
    events = log_events(folder)
    first_hand = [e for e in events if e["hand_number"] == 1]
    undone = dict(first_hand[-1], key="table-1/1/undo-test", kind="undo", seat=None, amount=None, data={})
    from ggpgfx.analytics.hands import hand_rows

    rows = hand_rows(first_hand + [undone], "table-1")
    assert rows == []  # the last action undone: hand 1 is no longer finished
    assert len(hand_rows(first_hand, "table-1")) == 3


@pytest.mark.ray
def test_ray_data_equals_in_memory_and_exports(tmp_path: Path, show: tuple[Path, list[dict[str, Any]]],
                                               ray_session: Any) -> None:
    folder, _ = show
    path = write_hands(folder, tmp_path / "hands" / "table-1.parquet")
    expected = analytics_of_table(pq.read_table(path))
    assert show_analytics(tmp_path / "hands", batch_rows=7) == expected  # several blocks, added up exactly
    csv_path = export(expected, tmp_path / "players.csv")
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("player,hands,vpip,pfr,aggression") and len(lines) == 1 + len(expected["players"])
    table = pq.read_table(export(expected, tmp_path / "players.parquet"))
    assert table.column("player").to_pylist() == [p["player"] for p in expected["players"]]
    with pytest.raises(ConfigError, match=r"\.csv or \.parquet"):
        export(expected, tmp_path / "players.xlsx")
    with pytest.raises(ConfigError, match="no hand summaries"):
        show_analytics(tmp_path / "missing")
    assert json.dumps(expected)  # plain JSON for the API


def test_cli_hands(tmp_path: Path, show: tuple[Path, list[dict[str, Any]]]) -> None:
    import subprocess
    import sys

    folder, _ = show
    out = tmp_path / "hands.parquet"
    ggp = [sys.executable, "-m", "ggpgfx.cli", "analytics", "hands"]
    done = subprocess.run([*ggp, str(folder), str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(out).num_rows == 3 * HANDS
    missing = subprocess.run([*ggp, str(tmp_path / "nope"), str(out)], capture_output=True, text=True, timeout=120)
    assert missing.returncode != 0 and "error: no event log" in missing.stderr and "Traceback" not in missing.stderr


def test_a_log_fed_in_pieces_gives_the_rows_of_the_whole(show: tuple[Path, list[dict[str, Any]]]) -> None:
    """LogReplay fed chunk by chunk (cut anywhere, also mid-hand and around an undo) equals one whole replay."""
    import random

    from ggpgfx.analytics.hands import LogReplay, hand_rows

    folder, _ = show
    events = log_events(folder)[:200]
    undo_at = next(i for i, e in enumerate(events) if e["kind"] == "action" and e["hand_number"] == 2)
    events.insert(undo_at + 1, dict(events[undo_at], key="table-1/2/undo-test", kind="undo", seat=None, amount=None,
                                    data={}))
    whole = hand_rows(events, "table-1")
    assert whole
    rng = random.Random(3)
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, len(events)), 6))
        replay = LogReplay("table-1")
        for lo, hi in zip([0, *cuts], [*cuts, len(events)], strict=True):
            replay.feed(events[lo:hi])
            assert replay.rows() == hand_rows(events[:hi], "table-1")
        assert replay.rows() == whole

"""Player statistics on a hand with known answers, and the Ray Data path equal to the local one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pokerkit import HandHistory

from ggpgfx.poker.stats import PlayerStats, file_stats, from_dicts, hand_stats, session_stats

HAND = """variant = 'NT'
ante_trimming_status = true
antes = [0, 0, 0]
blinds_or_straddles = [1, 2, 0]
min_bet = 2
starting_stacks = [200, 200, 200]
actions = ['d dh p1 AcAd', 'd dh p2 KcKd', 'd dh p3 7h2s', 'p3 cbr 6', 'p1 cbr 18', 'p2 f', 'p3 cc', 'd db 2c3c4c', 'p1 cbr 20', 'p3 cc', 'd db 5h', 'p1 cc', 'p3 cbr 40', 'p1 cc', 'd db 9s', 'p1 cc', 'p3 cc', 'p3 sm 7h2s', 'p1 sm AcAd']
players = ['A', 'B', 'C']
"""
_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "data" / "phh"  # ../shared next to the repository
DATA = _BESIDE if _BESIDE.exists() else Path("/work/shared/data/phh")


def test_known_hand() -> None:
    stats = hand_stats(HandHistory.load(io.BytesIO(HAND.encode())))
    a, b, c = stats["A"], stats["B"], stats["C"]
    assert (a.vpip, a.pfr, a.three_bet, a.three_bet_chances) == (1, 1, 1, 1)
    assert (a.postflop_aggressive, a.postflop_calls, a.saw_flop, a.showdowns, a.showdowns_won) == (1, 1, 1, 1, 1)
    assert (b.vpip, b.pfr, b.three_bet_chances, b.saw_flop, b.showdowns) == (0, 0, 0, 0, 0)
    assert (c.vpip, c.pfr, c.three_bet_chances, c.postflop_aggressive, c.postflop_calls) == (1, 1, 0, 1, 1)
    assert (c.showdowns, c.showdowns_won) == (1, 0)
    assert a.ratios()["af"] == 1.0 and b.ratios()["wtsd"] is None


def test_session_adds_hands() -> None:
    hand = HandHistory.load(io.BytesIO(HAND.encode()))
    total = session_stats([hand, hand])
    assert total["A"] == PlayerStats(2, 2, 2, 2, 2, 2, 2, 2, 2, 2)


@pytest.mark.ray
@pytest.mark.skipif(not DATA.is_dir(), reason="shared PHH data not present")
def test_ray_data_equals_local(ray_session: object) -> None:
    from ggpgfx.runtime.ray_stats import stats_on_ray

    files = sorted(DATA.glob("*.phh*"))
    seen: list[tuple[int, int]] = []
    on_ray, errors = stats_on_ray(files, progress=lambda done, total: seen.append((done, total)),
                                  segment_bytes=300_000)  # the big files go out in pieces
    local: dict[str, PlayerStats] = {}
    for f in files:
        for name, stats in from_dicts(file_stats(f)).items():
            local.setdefault(name, PlayerStats()).add(stats)
    assert errors == [] and seen[-1][0] == seen[-1][1] > len(files)
    assert on_ray == local and sum(s.hands for s in local.values()) > 10_000


@pytest.mark.skipif(not DATA.is_dir(), reason="shared PHH data not present")
def test_segments_of_a_big_file_add_up_to_the_whole() -> None:
    from ggpgfx.poker.phh import segments

    path = DATA / "handhq-abs-100nlh-1.phhs"
    pieces = segments(path, target_bytes=200_000)
    assert len(pieces) >= 3 and pieces[0][0] == 0 and pieces[-1][1] == path.stat().st_size
    parts: dict[str, PlayerStats] = {}
    for start, end in pieces:
        for name, stats in from_dicts(file_stats(path, start, end)).items():
            parts.setdefault(name, PlayerStats()).add(stats)
    assert parts == from_dicts(file_stats(path))

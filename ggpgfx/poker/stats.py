"""Player statistics from hand histories: VPIP, PFR, 3-bet, AF, WTSD, W$SD.

Counts are plain integers per player so partial results (one per file, on Ray workers) add up exactly.
Definitions follow common tracker software: VPIP counts a preflop call or raise (not a big blind
check); 3-bet is a preflop re-raise of exactly one raise, out of the times a player acted facing one;
AF is postflop (bets + raises) / calls; WTSD is showdowns out of flops seen; W$SD is showdowns won.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from pokerkit import (
    BoardDealing,
    CheckingOrCalling,
    ChipsPushing,
    CompletionBettingOrRaisingTo,
    Folding,
    HandHistory,
)

from ggpgfx.poker.phh import final_state, load_hands, loads_hands


@dataclass
class PlayerStats:
    """Counters for one player."""

    hands: int = 0
    vpip: int = 0
    pfr: int = 0
    three_bet: int = 0
    three_bet_chances: int = 0
    postflop_aggressive: int = 0
    postflop_calls: int = 0
    saw_flop: int = 0
    showdowns: int = 0
    showdowns_won: int = 0

    def add(self, other: PlayerStats) -> None:
        """Add another player's counters into these."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def ratios(self) -> dict[str, float | None]:
        """The percentages (and AF as a ratio); None where there is no denominator."""
        def share(part: int, whole: int) -> float | None:
            return 100.0 * part / whole if whole else None

        return {"vpip": share(self.vpip, self.hands), "pfr": share(self.pfr, self.hands),
                "three_bet": share(self.three_bet, self.three_bet_chances),
                "af": self.postflop_aggressive / self.postflop_calls if self.postflop_calls else None,
                "wtsd": share(self.showdowns, self.saw_flop), "wsd": share(self.showdowns_won, self.showdowns)}


def hand_stats(history: HandHistory) -> dict[str, PlayerStats]:
    """Counters of each player in one hand."""
    state = final_state(history)
    count = state.player_count
    names = list(history.players) if history.players else [f"p{i + 1}" for i in range(count)]
    stats = [PlayerStats(hands=1) for _ in range(count)]
    folded = [False] * count
    street = 0
    raises = 0
    faced: set[int] = set()
    flop_players: set[int] = set()
    winners: set[int] = set()
    for op in state.operations:
        if isinstance(op, BoardDealing):
            if street == 0:
                flop_players = {i for i in range(count) if not folded[i]}
            street += 1
        elif isinstance(op, Folding | CheckingOrCalling | CompletionBettingOrRaisingTo):
            i = op.player_index
            if street == 0:
                if raises == 1 and i not in faced:
                    stats[i].three_bet_chances += 1
                    faced.add(i)
                if isinstance(op, CompletionBettingOrRaisingTo):
                    stats[i].pfr = 1
                    stats[i].vpip = 1
                    if raises == 1:
                        stats[i].three_bet += 1
                    raises += 1
                elif isinstance(op, CheckingOrCalling) and op.amount:
                    stats[i].vpip = 1
            elif isinstance(op, CompletionBettingOrRaisingTo):
                stats[i].postflop_aggressive += 1
            elif isinstance(op, CheckingOrCalling) and op.amount:
                stats[i].postflop_calls += 1
            if isinstance(op, Folding):
                folded[i] = True
        elif isinstance(op, ChipsPushing):
            winners |= {i for i, amount in enumerate(op.amounts) if amount}
    remaining = [i for i in range(count) if not folded[i]]
    for i in flop_players:
        stats[i].saw_flop = 1
    if len(remaining) > 1 and flop_players:
        for i in remaining:
            stats[i].showdowns = 1
            stats[i].showdowns_won = int(i in winners)
    return dict(zip(names, stats, strict=True))


def merge(into: dict[str, PlayerStats], more: dict[str, PlayerStats]) -> dict[str, PlayerStats]:
    """Add per-player counters of `more` into `into` (returned)."""
    for name, stats in more.items():
        into.setdefault(name, PlayerStats()).add(stats)
    return into


def session_stats(histories: Iterable[HandHistory]) -> dict[str, PlayerStats]:
    """Counters per player over many hands."""
    total: dict[str, PlayerStats] = {}
    for history in histories:
        merge(total, hand_stats(history))
    return total


def file_stats(path: str | Path, start: int = 0, end: int | None = None) -> dict[str, dict[str, int]]:
    """Counters per player of one file (or a byte range from `phh.segments`), as plain dicts."""
    if start == 0 and end is None:
        histories = load_hands(path)
    else:
        with Path(path).open("rb") as handle:
            handle.seek(start)
            text = handle.read(None if end is None else end - start).decode("utf-8")
        histories = loads_hands(text)
    return {name: asdict(s) for name, s in session_stats(histories).items()}


def from_dicts(rows: dict[str, dict[str, Any]]) -> dict[str, PlayerStats]:
    """PlayerStats from plain dicts."""
    return {name: PlayerStats(**row) for name, row in rows.items()}

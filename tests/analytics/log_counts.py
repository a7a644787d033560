"""Counts made straight from an event log's GameEvents (no tracker, no pokerkit): the oracle the show
analytics are checked against (tests/analytics and the two-hour show in tests/services)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from ggpgfx.analytics.hands import log_events


def direct_counts(folder: Path) -> dict[str, Any]:
    """Counts straight from the logged events (no tracker, no pokerkit): hands, players dealt in, preflop
    voluntary money and raises, postflop bets/raises and calls, folds, showdowns."""
    seats: dict[int, dict[int, str]] = {}
    board: dict[int, int] = defaultdict(int)
    vpip: set[tuple[int, str]] = set()
    pfr: set[tuple[int, str]] = set()
    aggressive: dict[str, int] = defaultdict(int)
    calls: dict[str, int] = defaultdict(int)
    folds: dict[int, int] = defaultdict(int)
    for event in log_events(folder):
        hand = event["hand_number"]
        if event["kind"] == "hand_started":
            seats[hand] = {s["seat"]: s["name"] for s in event["data"]["setup"]["seats"]}
        elif event["kind"] == "card_seen" and event["seat"] is None and event["data"].get("zone", "board") == "board":
            board[hand] += 1
        elif event["kind"] == "action":
            name, action = seats[hand][event["seat"]], event["data"]["action"]
            if board[hand] == 0:
                if action in ("call", "raise", "bet"):
                    vpip.add((hand, name))
                if action == "raise":
                    pfr.add((hand, name))
            elif action in ("bet", "raise"):
                aggressive[name] += 1
            elif action == "call":
                calls[name] += 1
            if action == "fold":
                folds[hand] += 1
    dealt: dict[str, int] = defaultdict(int)
    for names in seats.values():
        for name in names.values():
            dealt[name] += 1
    return {"hands": len(seats), "dealt": dict(dealt), "vpip": _count(vpip), "pfr": _count(pfr),
            "aggressive": dict(aggressive), "calls": dict(calls),
            "showdowns": sum(1 for hand, names in seats.items() if len(names) - folds[hand] > 1)}


def _count(pairs: set[tuple[int, str]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for _, name in pairs:
        out[name] += 1
    return dict(out)


def assert_players_match(result: dict[str, Any], direct: dict[str, Any]) -> None:
    """Per player, the analytics' hands dealt, VPIP, PFR, postflop aggression and calls equal the direct counts."""
    players = {p["player"]: p for p in result["players"]}
    assert {name: p["hands"] for name, p in players.items()} == direct["dealt"]
    for name, p in players.items():
        assert round(p["vpip"] * p["hands"]) == direct["vpip"].get(name, 0), name
        assert round(p["pfr"] * p["hands"]) == direct["pfr"].get(name, 0), name
        assert p["aggressive_actions"] == direct["aggressive"].get(name, 0), name
        assert p["calls"] == direct["calls"].get(name, 0), name

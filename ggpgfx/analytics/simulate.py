"""Simulated shows for tests and benchmarks: real tracker event logs, and synthetic hand summaries in bulk."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ggpgfx.analytics.hands import HAND_SCHEMA

RANKS = "23456789TJQKA"
SUITS = "cdhs"
# Preflop order with the button on seat 6: 6, 1 (small blind), 4 (big blind); after the flop: 1, 4, 6.
PLANS = ("steal", "limp_checkdown", "raise_bet_fold", "raise_call_showdown")


def simulate_show(folder: str | Path, hands: int, seed: int = 7, hand_s: float = 90.0,
                  table: str = "table-1") -> list[dict[str, Any]]:
    """Play `hands` scripted hands through `TableTracker` into an event log at `folder`.

    Cid leaves after half the hands and Dee takes seat 6. Returns, per hand, what the script did and the pot
    the tracker paid out live (the ground truth the analytics are checked against).
    """
    from ggpgfx.media.event_log import EventLog, event_record
    from ggpgfx.poker.messages import HandSetup, OperatorAction, SeatSetup
    from ggpgfx.poker.tracker import TableTracker

    rng = random.Random(seed)
    tracker = TableTracker(table)
    log = EventLog(folder)
    truth: list[dict[str, Any]] = []
    pts = 0
    step_us = int(hand_s * 1e6 / 20)
    try:
        for number in range(1, hands + 1):
            third = "Cid" if number <= hands // 2 else "Dee"
            names = {1: "Ann", 4: "Bob", 6: third}
            setup = HandSetup(hand_number=number, seats=[SeatSetup(seat=s, name=n, stack=20_000) for s, n in names.items()],
                              button=6, small_blind=50, big_blind=100)
            deck = [r + s for r in RANKS for s in SUITS]
            rng.shuffle(deck)
            plan = PLANS[rng.randrange(len(PLANS))]
            script: list[Any] = [OperatorAction(kind="start_hand", hand=setup)]
            reads = [{"zone": "seat", "seat": seat, "card": deck.pop()} for seat in (1, 4, 6) for _ in range(2)]
            board = [[deck.pop() for _ in range(3)], [deck.pop()], [deck.pop()]]
            bet = 200 + 100 * rng.randrange(5)

            def acts(*moves: tuple[Any, ...]) -> None:
                script.extend(OperatorAction(kind=m[0], seat=m[1], amount=m[2] if len(m) > 2 else None)  # noqa: B023
                              for m in moves)

            def street(cards: list[str]) -> None:
                script.append([{"zone": "board", "seat": -1, "card": c} for c in cards])  # noqa: B023

            if plan == "steal":
                acts(("raise", 6, 300), ("fold", 1), ("fold", 4))
            elif plan == "limp_checkdown":
                acts(("call", 6), ("call", 1), ("check", 4))
                for cards in board:
                    street(cards)
                    acts(("check", 1), ("check", 4), ("check", 6))
            elif plan == "raise_bet_fold":
                acts(("raise", 6, 300), ("call", 1), ("fold", 4))
                street(board[0])
                acts(("check", 1), ("bet", 6, bet), ("fold", 1))
            else:
                acts(("raise", 6, 300), ("fold", 1), ("call", 4))
                street(board[0])
                acts(("check", 4), ("bet", 6, bet), ("call", 4))
                for cards in board[1:]:
                    street(cards)
                    acts(("check", 4), ("check", 6))
            start = pts
            for index, item in enumerate(script):
                if isinstance(item, list):
                    events = tracker.apply_reads([{**r, "pts": pts} for r in item])
                else:
                    events = tracker.apply_action(item.model_copy(update={"pts": pts}))
                if index == 0:
                    events += tracker.apply_reads([{**r, "pts": pts} for r in reads])
                for event in events:
                    log.append(event_record(event, pts))
                pts += step_us
            state = tracker.table_state()
            truth.append({"hand_number": number, "plan": plan, "players": list(names.values()),
                          "pot": sum(state.winnings.values()), "complete": state.street == "complete",
                          "start_us": start, "end_us": pts - step_us})
            pts += int(hand_s * 1e6) - len(script) * step_us
            if number % 50 == 0:
                log.compact()
    finally:
        log.close()
    return truth


def synthetic_hands(path: str | Path, hands: int, players_per_table: int = 6, tables: int = 8,
                    seed: int = 1, hand_s: float = 120.0) -> int:
    """Write `hands` random hand summaries (one row per player) as Parquet, fast (numpy); returns rows."""
    rng = np.random.default_rng(seed)
    per_table = -(-hands // tables)
    hand_index = np.arange(hands, dtype=np.int64)
    table_ids = hand_index % tables
    numbers = hand_index // tables + 1
    start = (numbers - 1) * int(hand_s * 1e6) + rng.integers(0, 1_000_000, hands)
    end = start + rng.integers(30, int(hand_s), hands) * 1_000_000
    n = hands * players_per_table
    seat = np.tile(np.arange(1, players_per_table + 1, dtype=np.int32), hands)
    rep = np.repeat
    pool = 9 * tables  # a player sits at one table; some leave and are replaced
    player_ids = rep(table_ids, players_per_table) * 9 + (seat - 1 + rep(numbers // max(1, per_table // 3), players_per_table)) % 9
    vpip = rng.random(n) < 0.28
    pfr = vpip & (rng.random(n) < 0.6)
    saw_flop = vpip & (rng.random(n) < 0.7)
    aggressive = np.where(saw_flop, rng.integers(0, 4, n), 0).astype(np.int32)
    calls = np.where(saw_flop, rng.integers(0, 3, n), 0).astype(np.int32)
    pot = rng.integers(150, 40_000, hands)
    showdown = rng.random(hands) < 0.25
    winner = rng.integers(0, players_per_table, hands)
    won = np.where(seat - 1 == rep(winner, players_per_table), rep(pot, players_per_table), 0)
    names = np.array([f"player-{i:03d}" for i in range(pool)], dtype=object)
    table = pa.table({
        "table": pa.array(np.array([f"table-{t}" for t in range(tables)], dtype=object)[rep(table_ids, players_per_table)]),
        "hand_number": rep(numbers, players_per_table), "start_us": rep(start, players_per_table),
        "end_us": rep(end, players_per_table), "player": pa.array(names[player_ids]), "seat": seat,
        "first": seat == 1, "vpip": vpip, "pfr": pfr, "aggressive": aggressive, "calls": calls,
        "saw_flop": saw_flop, "showdown": rep(showdown, players_per_table), "won": won.astype(np.int64),
        "pot": rep(pot, players_per_table),
    }, schema=HAND_SCHEMA)
    pq.write_table(table, path, row_group_size=1 << 20)
    return n

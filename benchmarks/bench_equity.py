"""Equity and evaluation, ours side by side with phevaluator and eval7 on the same spots, in one run.

(a) 7-card evaluations per second (ours batched on all cores; the baselines called per hand from Python)
(b) exact heads-up preflop AhKh vs QsQd over all 1,712,304 boards
(c) 6-way preflop Monte Carlo, 100,000 trials

Every baseline loop is bounded by `--budget` seconds: when it would take longer, its rate over the
part it ran is extrapolated to the whole job and marked "projected". Writes benchmarks/results/equity.json.

    .venv/bin/python benchmarks/bench_equity.py [--budget 10] [--repeat 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import time
from pathlib import Path
from typing import Any

import eval7
import numba
import numpy as np
from phevaluator import evaluate_cards

from ggpgfx.poker import evaluator
from ggpgfx.poker.cards import FULL_DECK, card_to_int
from ggpgfx.poker.equity import exact_equity, monte_carlo_equity, warm_up

HEADS_UP = ["AhKh", "QsQd"]
SIX_WAY = ["AhKh", "QsQd", "7c7d", "JsTs", "9h8h", "AcKd"]
RESULTS = Path(__file__).parent / "results" / "equity.json"


@numba.njit(cache=True)
def _random_hands(count: int, seed: int) -> np.ndarray:  # pragma: no cover - compiled
    np.random.seed(seed)
    out = np.empty((count, 7), dtype=np.int8)
    deck = np.arange(52, dtype=np.int8)
    for h in range(count):
        for j in range(7):
            r = j + np.random.randint(52 - j)
            deck[j], deck[r] = deck[r], deck[j]
            out[h, j] = deck[j]
    return out


def _best(function: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


def _bounded(step: Any, items: Any, total: int, budget: float) -> tuple[float, int, bool]:
    """Run step(item) over items until done or out of budget: (seconds for the whole job, items run, projected)."""
    began = time.perf_counter()
    done = 0
    for item in items:
        step(item)
        done += 1
        if done % 1024 == 0 and time.perf_counter() - began > budget:
            break
    spent = time.perf_counter() - began
    return spent * total / done, done, done < total


def bench_evals(budget: float, repeat: int) -> dict[str, Any]:
    hands = _random_hands(4_000_000, 1)
    ours = _best(lambda: evaluator.evaluate_batch(hands), repeat)
    sample = hands[:300_000].tolist()
    phe_s, phe_n, _ = _bounded(lambda h: evaluate_cards(*h), sample, len(sample), budget)
    deck = [eval7.Card(c) for c in FULL_DECK]
    e7_hands = [[deck[c] for c in h] for h in sample]
    e7_s, e7_n, _ = _bounded(eval7.evaluate, e7_hands, len(e7_hands), budget)
    return {"ours_per_s": len(hands) / ours, "phevaluator_per_s": len(sample) / phe_s,
            "eval7_per_s": len(sample) / e7_s, "hands": len(hands), "baseline_hands": min(phe_n, e7_n)}


def bench_exact(budget: float, repeat: int) -> dict[str, Any]:
    result = exact_equity(HEADS_UP)
    ours = _best(lambda: exact_equity(HEADS_UP), repeat)
    hero, villain = [[card_to_int(h[i:i + 2]) for i in (0, 2)] for h in HEADS_UP]
    rest = [c for c in range(52) if c not in hero + villain]
    boards = itertools.combinations(rest, 5)
    total = 1_712_304
    wins = [0, 0, 0]

    def phe_board(board: tuple[int, ...]) -> None:
        a = evaluate_cards(*hero, *board)
        b = evaluate_cards(*villain, *board)  # lower is better in phevaluator
        wins[0 if a < b else 1 if b < a else 2] += 1

    phe_s, phe_n, phe_projected = _bounded(phe_board, boards, total, budget)
    deck = [eval7.Card(c) for c in FULL_DECK]
    e7_hero, e7_villain = [[deck[c] for c in h] for h in (hero, villain)]

    e7_wins = [0, 0, 0]

    def e7_board(board: tuple[int, ...]) -> None:
        cards = [deck[c] for c in board]
        a, b = eval7.evaluate(e7_hero + cards), eval7.evaluate(e7_villain + cards)  # higher is better
        e7_wins[0 if a > b else 1 if b > a else 2] += 1

    e7_s, _, e7_projected = _bounded(e7_board, itertools.combinations(rest, 5), total, budget)
    if not phe_projected:
        assert wins[:2] == result.wins, "phevaluator's full enumeration must agree with ours"
    return {"ours_s": ours, "phevaluator_s": phe_s, "phevaluator_projected": phe_projected, "eval7_s": e7_s,
            "eval7_projected": e7_projected, "boards": result.total, "equity": result.equity,
            "phevaluator_boards_run": phe_n}


def bench_monte_carlo(budget: float, repeat: int) -> dict[str, Any]:
    trials = 100_000
    ours = _best(lambda: monte_carlo_equity(SIX_WAY, trials=trials, seed=7), repeat)
    result = monte_carlo_equity(SIX_WAY, trials=trials, seed=7)
    holes = [[card_to_int(h[i:i + 2]) for i in (0, 2)] for h in SIX_WAY]
    rest = [c for c in range(52) if all(c not in h for h in holes)]
    rng = random.Random(7)
    deck = [eval7.Card(c) for c in FULL_DECK]
    e7_holes = [[deck[c] for c in h] for h in holes]

    def e7_trial(_: int) -> None:
        board = [deck[c] for c in rng.sample(rest, 5)]
        max(eval7.evaluate(h + board) for h in e7_holes)

    def phe_trial(_: int) -> None:
        board = rng.sample(rest, 5)
        min(evaluate_cards(*h, *board) for h in holes)

    e7_s, _, e7_projected = _bounded(e7_trial, range(trials), trials, budget)
    phe_s, _, phe_projected = _bounded(phe_trial, range(trials), trials, budget)
    return {"ours_s": ours, "eval7_s": e7_s, "eval7_projected": e7_projected, "phevaluator_s": phe_s,
            "phevaluator_projected": phe_projected, "trials": trials, "equity": result.equity,
            "std_error": result.std_error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per baseline loop before projecting")
    parser.add_argument("--repeat", type=int, default=5, help="runs of ours (best is kept)")
    args = parser.parse_args()
    startup = warm_up()
    warm_up("omaha")
    _random_hands(10, 1)
    evals = bench_evals(args.budget, args.repeat)
    exact = bench_exact(args.budget, args.repeat)
    mc = bench_monte_carlo(args.budget, args.repeat)
    report = {
        "machine": {"cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "startup_s": startup,
        "evals": evals, "exact_heads_up_preflop": exact, "monte_carlo_6_way": mc,
        "targets": {"evals_per_s": 50e6, "exact_heads_up_s": 0.050, "monte_carlo_6_way_s": 0.030},
    }
    print(f"(a) 7-card evals/s   ours {evals['ours_per_s'] / 1e6:8.1f} M   phevaluator {evals['phevaluator_per_s'] / 1e6:6.2f} M"
          f" ({evals['ours_per_s'] / evals['phevaluator_per_s']:.0f}x)   eval7 {evals['eval7_per_s'] / 1e6:6.2f} M"
          f" ({evals['ours_per_s'] / evals['eval7_per_s']:.0f}x)   target >= 50 M")
    for label, key, row in (("(b) exact HU preflop", "exact", exact), ("(c) 6-way MC 100k  ", "mc", mc)):
        target = 50 if key == "exact" else 30
        parts = [f"{label} ours {1000 * row['ours_s']:7.1f} ms"]
        for name in ("phevaluator", "eval7"):
            note = " projected" if row[f"{name}_projected"] else ""
            parts.append(f"{name} {1000 * row[f'{name}_s']:8.0f} ms{note} ({row[f'{name}_s'] / row['ours_s']:.0f}x)")
        print("   ".join(parts) + f"   target <= {target} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"wrote {RESULTS} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()

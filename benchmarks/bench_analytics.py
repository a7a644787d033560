"""Show analytics for 1 million hands with Ray Data, side by side with the same reduction in one process.

1. Writes 1,000,000 synthetic hand summaries (6 players a hand: 6,000,000 player-hand rows) as Parquet
   with numpy (timed, not part of the analytics).
2. Ray Data: `show_analytics` (read_parquet -> map_batches(partials) -> combine) on a local Ray with the
   machine's CPUs; the Ray start is timed separately.
3. Baseline: the same `partials` + `combine` over the whole table read with pyarrow in this process.
4. The replay stage (event log -> hand summaries through TableTracker) on a small simulated show, as
   hands/s, since it is what a real show's summaries cost.
Prints time, rows/s and the ratio; the analytics must finish within --limit-s (60 s). Writes
benchmarks/results/analytics.json.
"""

from __future__ import annotations

import argparse
import os
import time

import pyarrow.parquet as pq
from analytics_setup import cpu_s, scratch, simulated_log, write_results

from ggpgfx.analytics.hands import hands_from_log
from ggpgfx.analytics.show import analytics_of_table, show_analytics
from ggpgfx.analytics.simulate import synthetic_hands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hands", type=int, default=1_000_000)
    parser.add_argument("--limit-s", type=float, default=60.0)
    parser.add_argument("--replay-hands", type=int, default=20)
    args = parser.parse_args()
    import ray

    work = scratch("analytics")
    path = work / "hands.parquet"
    t0 = time.perf_counter()
    rows = synthetic_hands(path, args.hands)
    gen_s = time.perf_counter() - t0
    print(f"generated {args.hands:,} hands ({rows:,} rows, {path.stat().st_size / 1e6:.0f} MB) in {gen_s:.1f} s")

    t0 = time.perf_counter()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             _temp_dir="/tmp/ggpray-bench")
    ray.data.DataContext.get_current().enable_progress_bars = False
    start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = show_analytics(path)
    ray_s = time.perf_counter() - t0
    ray.shutdown()

    t0, c0 = time.perf_counter(), cpu_s()
    baseline = analytics_of_table(pq.read_table(path))
    base_s, base_cpu = time.perf_counter() - t0, cpu_s() - c0
    assert result == baseline, "Ray Data and the in-process reduction disagree"
    assert result["hands"] == args.hands

    log = work / "log"
    sim_s = simulated_log(log, args.replay_hands)
    t0 = time.perf_counter()
    replayed = hands_from_log(log)
    replay_s = time.perf_counter() - t0

    out = {
        "hands": args.hands, "rows": rows, "generate_s": gen_s, "ray_start_s": start_s, "ray_data_s": ray_s,
        "ray_rows_per_s": rows / ray_s, "ray_hands_per_s": args.hands / ray_s,
        "in_process_s": base_s, "in_process_cpu_s": base_cpu, "ratio_ray_vs_in_process": ray_s / base_s,
        "within_limit": ray_s <= args.limit_s, "limit_s": args.limit_s,
        "replay_hands": args.replay_hands, "replay_s": replay_s, "replay_hands_per_s": args.replay_hands / replay_s,
        "simulate_s": sim_s, "replay_rows": replayed.num_rows, "cpus": os.cpu_count(),
    }
    print(f"Ray Data:    {ray_s:6.1f} s  {rows / ray_s:12,.0f} rows/s  {args.hands / ray_s:10,.0f} hands/s"
          f"  (+ Ray start {start_s:.1f} s)")
    print(f"in process:  {base_s:6.1f} s  {rows / base_s:12,.0f} rows/s  (CPU {base_cpu:.1f} s)")
    print(f"ratio Ray Data / in process: {ray_s / base_s:.2f}x; limit {args.limit_s:.0f} s: "
          f"{'met' if ray_s <= args.limit_s else 'MISSED'}")
    print(f"replay (event log -> summaries): {args.replay_hands / replay_s:.1f} hands/s")
    write_results("analytics", out)


if __name__ == "__main__":
    main()

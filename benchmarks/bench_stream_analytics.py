"""A stream's show analytics polled during a live show: incremental replay vs replaying the whole log.

A simulated show of --hands hands is logged; then --extra hands are appended one at a time and after
each the analytics are asked for, the way a console polls a running stream:
* incremental: one `StreamAnalytics` instance, which continues its replays with the new events only;
* baseline: a fresh replay of the whole log each time (`hands_by_table` + `analytics_of_table`, what a
  cache-less implementation does).
Both give the same figures (checked). Prints CPU and wall time per poll and the ratio; writes
benchmarks/results/stream_analytics.json.
"""

from __future__ import annotations

import argparse
import time

from analytics_setup import cpu_s, scratch, simulated_log, write_results

from ggpgfx.analytics.hands import hands_by_table, log_events
from ggpgfx.analytics.show import analytics_of_table
from ggpgfx.services.stream_analytics import StreamAnalytics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hands", type=int, default=40, help="hands logged before polling starts")
    parser.add_argument("--extra", type=int, default=4, help="hands appended, one poll after each")
    args = parser.parse_args()
    storage = scratch("stream-analytics")
    folder = storage / "events" / "streams" / "bench" / "log"
    simulated_log(folder, args.hands, seed=2, table="table-0")
    analytics = StreamAnalytics(max_bytes=1 << 40)
    analytics.compute("bench", storage, {"log": str(folder)})  # the first poll replays everything in both
    polls: dict[str, list[tuple[float, float]]] = {"incremental": [], "full_replay": []}
    for extra in range(1, args.extra + 1):
        simulated_log(folder, 1, seed=100 + extra, table=f"table-{extra}")  # one more hand (on its own table)
        c, w = cpu_s(), time.perf_counter()
        incremental = analytics.compute("bench", storage, {"log": str(folder)})
        polls["incremental"].append((cpu_s() - c, time.perf_counter() - w))
        c, w = cpu_s(), time.perf_counter()
        full = analytics_of_table(hands_by_table(log_events(folder)))
        polls["full_replay"].append((cpu_s() - c, time.perf_counter() - w))
        assert {k: v for k, v in incremental.items() if k != "event_logs"} == full, "figures differ"
    mean = {name: (sum(c for c, _ in p) / len(p), sum(w for _, w in p) / len(p)) for name, p in polls.items()}
    ratio_cpu = mean["full_replay"][0] / max(mean["incremental"][0], 1e-9)
    ratio_wall = mean["full_replay"][1] / max(mean["incremental"][1], 1e-9)
    print(f"log of {args.hands + args.extra} hands, {args.extra} polls after one new hand each")
    for name, (c, w) in mean.items():
        print(f"  {name:12s} {c * 1000:9.1f} ms CPU {w * 1000:9.1f} ms wall per poll")
    print(f"  incremental is {ratio_cpu:.1f}x less CPU ({ratio_wall:.1f}x less wall) than a full replay")
    write_results("stream_analytics", {
        "hands": args.hands, "extra": args.extra, "mean_cpu_s": {k: v[0] for k, v in mean.items()},
        "mean_wall_s": {k: v[1] for k, v in mean.items()}, "ratio_cpu": ratio_cpu, "ratio_wall": ratio_wall})


if __name__ == "__main__":
    main()

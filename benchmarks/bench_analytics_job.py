"""A big stream log's show analytics: the background job on Ray Data against the in-process replay.

A simulated show of --hands hands on --tables tables is logged into --logs folders (a stream with several
publish.events nodes). Then, side by side, in this process:
* in-process: `StreamAnalytics.compute` with the cap lifted (what the API did before the job existed: the
  request's thread replays every hand);
* job: `AnalyticsJobs.submit` and polling until done (one Ray task per log folder, then Ray Data), the path
  the API takes over the cap. Ray's start is timed apart.
Both give the same figures (checked). Prints wall time, this process's CPU time (the API process's cost;
the job's Ray workers are other processes) and the ratios; writes benchmarks/results/analytics_job.json.
"""

from __future__ import annotations

import argparse
import os
import time

from analytics_setup import cpu_s, scratch, simulated_log, write_results

from ggpgfx.analytics.hands import log_size
from ggpgfx.services.analytics_jobs import AnalyticsJobs
from ggpgfx.services.stream_analytics import StreamAnalytics, confined_folders, logs_signature


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hands", type=int, default=20, help="hands per table")
    parser.add_argument("--tables", type=int, default=4)
    parser.add_argument("--logs", type=int, default=2, help="log folders (tables are spread over them)")
    parser.add_argument("--limit-s", type=float, default=600.0, help="the job's time limit")
    args = parser.parse_args()
    import ray

    storage = scratch("analytics-job")
    folders = {f"log{i}": str(storage / "events" / f"log{i}") for i in range(args.logs)}
    sim_s = sum(simulated_log(storage / "events" / f"log{t % args.logs}", args.hands, seed=t, table=f"table-{t}")
                for t in range(args.tables))
    paths = confined_folders(storage, folders)
    size = sum(log_size(p) for p in paths.values())
    print(f"{args.tables} tables x {args.hands} hands in {args.logs} logs: {size / 1e6:.1f} MB (simulated in {sim_s:.0f} s)")

    c, w = cpu_s(), time.perf_counter()
    direct = StreamAnalytics(max_bytes=1 << 40).compute("bench", storage, folders)
    in_process = (cpu_s() - c, time.perf_counter() - w)

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    w = time.perf_counter()
    ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             _temp_dir="/tmp/ggpray-bench")
    ray_start_s = time.perf_counter() - w
    jobs = AnalyticsJobs(scratch("analytics-job-work"), args.limit_s)
    c, w = cpu_s(), time.perf_counter()
    job = jobs.submit("org", "bench", paths, logs_signature(paths), size)
    deadline = time.monotonic() + args.limit_s + 30
    while job.active and time.monotonic() < deadline:
        time.sleep(0.1)
    in_job = (cpu_s() - c, time.perf_counter() - w)
    ray.shutdown()
    assert job.status == "done" and job.result is not None, job.view()
    assert {k: v for k, v in direct.items() if k != "event_logs"} == job.result, "figures differ"

    hands = direct["hands"]
    print(f"  in-process  {in_process[1]:7.1f} s wall  {in_process[0]:7.1f} s CPU here  {hands / in_process[1]:6.1f} hands/s")
    print(f"  job         {in_job[1]:7.1f} s wall  {in_job[0]:7.1f} s CPU here  {hands / in_job[1]:6.1f} hands/s"
          f"  (+ Ray start {ray_start_s:.1f} s)")
    print(f"  job / in-process: {in_job[1] / in_process[1]:.2f}x wall, {in_job[0] / max(in_process[0], 1e-9):.3f}x "
          "CPU in the API process")
    write_results("analytics_job", {
        "hands": hands, "tables": args.tables, "logs": args.logs, "log_bytes": size, "ray_start_s": ray_start_s,
        "in_process_wall_s": in_process[1], "in_process_cpu_s": in_process[0],
        "job_wall_s": in_job[1], "job_cpu_here_s": in_job[0],
        "ratio_wall": in_job[1] / in_process[1], "ratio_cpu_here": in_job[0] / max(in_process[0], 1e-9),
        "cpus": os.cpu_count()})


if __name__ == "__main__":
    main()

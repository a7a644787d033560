"""A short run of benchmarks/bench_console.py: actions, toggles and load run, stages are timed, nothing lost or twice."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_console.py"


def test_short_console_benchmark(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_console", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = bench.main(["--sizes", "720p", "--actions", "8", "--toggles", "2", "--interval", "0.5",
                         "--load-seconds", "2", "--json", str(tmp_path / "console.json")])
    actions, toggles = report["latency"]
    assert actions["kind"] == "actions" and toggles["kind"] == "toggles"
    for row in (actions, toggles):
        assert row["missed"] == 0 and row["action_p50_frames"] > 0
    assert actions["requests"] == 8 and actions["hands"] >= 1
    stages = actions["stages_ms"]
    assert stages["journal fsync"]["n"] == 8 and stages["sent -> packet at consumer (total)"]["n"] >= 6
    load = report["load"]
    assert load["requests_acked"] >= 20 and load["received"] == load["requests_acked"]
    assert load["lost"] == 0 and load["applied_twice"] == 0 and load["in_version_order"] is True
    assert load["retries_same_ack"] is True and load["errors"] == []
    assert (tmp_path / "console.json").exists()

"""Set-up shared by the show-analytics benchmarks (bench_analytics.py, bench_stream_analytics.py): the results
folder, CPU time of this process, a scratch folder, a simulated event log and writing the results file."""

from __future__ import annotations

import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from ggpgfx.analytics.simulate import simulate_show

RESULTS = Path(__file__).parent / "results"


def cpu_s() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def scratch(name: str) -> Path:
    """A fresh scratch folder (resolved: the storage checks compare real paths)."""
    return Path(tempfile.mkdtemp(prefix=f"ggp-bench-{name}-")).resolve()


def simulated_log(folder: Path, hands: int, seed: int = 7, table: str = "table-1") -> float:
    """Play `hands` scripted hands into an event log at `folder`; the wall seconds it took."""
    t0 = time.perf_counter()
    simulate_show(folder, hands, seed=seed, table=table)
    return time.perf_counter() - t0


def write_results(name: str, results: dict[str, Any]) -> Path:
    """benchmarks/results/<name>.json."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2))
    return path

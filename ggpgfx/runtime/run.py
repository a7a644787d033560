"""Entry points to run a graph on an executor, in the foreground or as a managed background run."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.graph.model import GraphSpec
from ggpgfx.graph.validate import ResolvedGraph, resolve_spec
from ggpgfx.runtime.local import LocalExecutor, RunOptions, RunResult

EXECUTORS = ("local", "ray")


def resolve_any(graph: ResolvedGraph | GraphSpec | str | Path) -> ResolvedGraph:
    """A ResolvedGraph from a resolved graph, a model, or a YAML path."""
    if isinstance(graph, ResolvedGraph):
        return graph
    if isinstance(graph, GraphSpec):
        return resolve_spec(graph)
    from ggpgfx.graph.load import load_graph

    resolved: ResolvedGraph = load_graph(graph)
    return resolved


def make_executor(graph: ResolvedGraph, executor: str, options: RunOptions, **kwargs: Any) -> Any:
    """An executor instance by name ('local' or 'ray')."""
    if executor == "local":
        return LocalExecutor(graph, options)
    if executor == "ray":
        try:
            from ggpgfx.runtime.ray_executor import RayExecutor
        except ImportError as exc:
            raise ConfigError(f"the ray executor is not available ({exc}); install 'ggpgfx[ray]'") from None
        return RayExecutor(graph, options, **kwargs)
    raise ConfigError(f"unknown executor '{executor}'; choose one of: {', '.join(EXECUTORS)}")


def run_graph(graph: ResolvedGraph | GraphSpec | str | Path, *, executor: str = "local",
              executor_options: dict[str, Any] | None = None, **options: Any) -> RunResult:
    """Run a graph to its end and return the result (errors are in `result.error`)."""
    resolved = resolve_any(graph)
    result: RunResult = make_executor(resolved, executor, RunOptions(**options), **(executor_options or {})).run()
    return result


class RunHandle:
    """A graph running in the background: stop it, ask its status and live metrics."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.result: RunResult | None = None
        self.started = time.time()
        self._thread = threading.Thread(target=self._run, name="ggp-run", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.result = self.executor.run()

    def status(self) -> str:
        """'running', 'finished', 'failed' or 'stopped'."""
        if self._thread.is_alive():
            return "running"
        if self.result is None or self.result.error is not None:
            return "failed"
        return "stopped" if self.result.interrupted or self.executor.sources_stop.is_set() else "finished"

    def stats(self) -> dict[str, Any]:
        """Live per-node metrics (asks Ray fragments for fresh numbers while the run is alive)."""
        stats: dict[str, Any] = self.executor.stats(refresh=self._thread.is_alive())
        return stats

    def stop(self, timeout: float = 5.0) -> RunResult | None:
        """Stop sources, let the graph drain, wait up to `timeout`."""
        self.executor.stop(drain=True)
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.executor.stop(drain=False)
            self._thread.join(timeout)
        return self.result

    def wait(self, timeout: float | None = None) -> RunResult | None:
        """Wait for the run to end."""
        self._thread.join(timeout)
        return self.result


def start_run(graph: ResolvedGraph | GraphSpec | str | Path, *, executor: str = "local",
              executor_options: dict[str, Any] | None = None, **options: Any) -> RunHandle:
    """Start a graph in the background and return its handle."""
    resolved = resolve_any(graph)
    return RunHandle(make_executor(resolved, executor, RunOptions(**options), **(executor_options or {})))

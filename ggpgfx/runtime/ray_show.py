"""A show: N tables, each its own copy of one table graph, run side by side on one Ray cluster.

A show file names a table graph, how many tables, and per-table parameter overrides (`{n}` is the table's
number, 1-based):

    name: festival
    table: demo.yaml            # relative to the show file
    tables: 4                   # `ggp show-run --tables N` overrides it
    per_table:
      rules: {table: "table-{n}"}
      mp4: {path: "out/show/table-{n}.mp4"}

Each table runs as its own Ray executor (its own namespace, actors, edges and driver thread), so one
table's failure — a node error, or its fragment actor dying past its restart policy — ends that table only.
Placement: the planner puts every table whole on one raylet (its frame hops stay on the shared-memory ring)
and deals tables over the raylets by free CPU (most CPUs per table placed so far first); each table's CPU
shares are scaled to its raylet's CPUs divided by the tables placed there.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ggpgfx.errors import ConfigError, GraphError
from ggpgfx.graph.load import parse_yaml
from ggpgfx.graph.validate import ResolvedGraph, resolve_text
from ggpgfx.runtime.local import RunOptions, RunResult
from ggpgfx.runtime.ray_cluster import ClusterView, RayConnection, live_view
from ggpgfx.runtime.ray_executor import RayExecutor

SHOW_KEYS = {"name", "description", "table", "tables", "per_table"}


@dataclass
class ShowSpec:
    """What a show file says."""

    name: str
    table_path: Path
    tables: int
    per_table: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""


def load_show(path: str | Path, tables: int | None = None) -> ShowSpec:
    """Read a show file (clear ConfigError on anything wrong with it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read show file '{path}': {getattr(exc, 'strerror', None) or exc}") from None
    data, _, diags = parse_yaml(text, str(path))  # the bounded reader (alias bombs, deep nesting)
    if diags:
        raise GraphError(diags)
    if not isinstance(data, dict):
        raise ConfigError(f"show file '{path}' must be a mapping with 'table' and 'tables'")
    unknown = sorted(set(data) - SHOW_KEYS)
    if unknown:
        raise ConfigError(f"show file '{path}': unknown key(s) {', '.join(unknown)}; allowed: "
                          f"{', '.join(sorted(SHOW_KEYS))}")
    if not isinstance(data.get("table"), str):
        raise ConfigError(f"show file '{path}': 'table' must name the table graph file")
    count = tables if tables is not None else data.get("tables", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ConfigError(f"show file '{path}': 'tables' must be a whole number >= 1 (got {count!r})")
    per_table = data.get("per_table") or {}
    if not isinstance(per_table, dict) or not all(isinstance(v, dict) for v in per_table.values()):
        raise ConfigError(f"show file '{path}': 'per_table' maps node ids to parameter mappings")
    return ShowSpec(str(data.get("name") or path.stem), (path.parent / data["table"]).resolve(), count,
                    per_table, str(data.get("description") or ""))


def _fill(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, list):
        return [_fill(v, n) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, n) for k, v in value.items()}
    return value


def table_graphs(spec: ShowSpec) -> list[ResolvedGraph]:
    """The show's tables: the table graph once per table, renamed `<graph>-t<n>`, with its overrides."""
    try:
        text = spec.table_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read table graph '{spec.table_path}': {exc.strerror or exc}") from None
    data, _, diags = parse_yaml(text, str(spec.table_path))  # bounded, like the show file itself
    if diags:
        raise GraphError(diags)
    base = data
    if not isinstance(base, dict) or not isinstance(base.get("nodes"), dict):
        raise ConfigError(f"table graph '{spec.table_path}' has no 'nodes' mapping")
    missing = sorted(set(spec.per_table) - set(base["nodes"]))
    if missing:
        raise ConfigError(f"per_table names node(s) {', '.join(missing)} that table graph "
                          f"'{spec.table_path.name}' does not have")
    out = []
    for n in range(1, spec.tables + 1):
        data = copy.deepcopy(base)
        data["name"] = f"{base.get('name', spec.table_path.stem)}-t{n}"
        for node_id, params in spec.per_table.items():
            node = data["nodes"][node_id]
            node["params"] = {**(node.get("params") or {}), **_fill(params, n)}
        resolved, diagnostics = resolve_text(yaml.safe_dump(data, sort_keys=False), str(spec.table_path))
        if resolved is None:
            raise GraphError(diagnostics)
        out.append(resolved)
    return out


def deal_tables(count: int, cluster: ClusterView) -> list[tuple[str, float]]:
    """(Ray node id, CPU budget) per table: each next table to the raylet with the most CPUs per table."""
    nodes = [n for n in cluster.nodes if n.resources.get("CPU", 0.0) > 0]
    if not nodes:
        raise ConfigError("the Ray cluster has no node with CPUs to place tables on")
    placed = {n.node_id: 0 for n in nodes}
    choice = []
    for _ in range(count):
        best = max(nodes, key=lambda n: (n.resources["CPU"] / (placed[n.node_id] + 1), n.is_head))
        placed[best.node_id] += 1
        choice.append(best)
    return [(n.node_id, n.resources["CPU"] / placed[n.node_id]) for n in choice]


@dataclass
class ShowResult:
    """Every table's run result and where it ran."""

    name: str
    tables: list[RunResult]
    nodes: list[str]
    wall_s: float

    @property
    def failed(self) -> list[int]:
        """Table numbers (1-based) whose run ended with an error."""
        return [i + 1 for i, r in enumerate(self.tables) if r.error is not None]


class ShowRunner:
    """Runs a show's tables as independent Ray executors on one cluster connection."""

    def __init__(self, name: str, tables: list[ResolvedGraph], options: RunOptions | None = None, *,
                 address: str | None = None, num_cpus: int | None = None, **executor_kwargs: Any) -> None:
        if not tables:
            raise ConfigError("a show needs at least one table")
        self.name = name
        self.tables = tables
        self.options = options or RunOptions()
        self.connection = RayConnection(address, num_cpus=num_cpus)
        self.executor_kwargs = executor_kwargs
        self.executors: list[RayExecutor] = []
        self.nodes: list[str] = []
        self.results: list[RunResult | None] = []
        self._threads: list[threading.Thread] = []
        self.started_at = 0.0
        #: Per table: monotonic time its fragments were all running, and when its run ended.
        self.running_at: list[float | None] = []
        self.ended_at: list[float | None] = []

    def start(self) -> None:
        """Connect, deal the tables over the raylets, start every table's executor in its own thread."""
        self.started_at = time.monotonic()
        self.connection.connect()
        placement = deal_tables(len(self.tables), live_view())
        self.results = [None] * len(self.tables)
        self.running_at = [None] * len(self.tables)
        self.ended_at = [None] * len(self.tables)
        for i, (graph, (node_id, budget)) in enumerate(zip(self.tables, placement, strict=True)):
            ex = RayExecutor(graph, self.options, node_id=node_id, cpu_budget=budget, **self.executor_kwargs)
            ex.on_started = lambda _url, i=i: self._mark_running(i)
            self.executors.append(ex)
            self.nodes.append(node_id)
            thread = threading.Thread(target=self._run_table, args=(i, ex), name=f"ggp-show-t{i + 1}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _mark_running(self, index: int) -> None:
        self.running_at[index] = time.monotonic()

    def _run_table(self, index: int, ex: RayExecutor) -> None:
        try:
            self.results[index] = ex.run()
        except Exception as exc:  # a Ray-level failure of this table's driver ends this table only
            text = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self.results[index] = RunResult(ex.graph.name, time.monotonic() - self.started_at, {},
                                            ConfigError(f"table {index + 1} failed: {text}"), False, {})
        finally:
            self.ended_at[index] = time.monotonic()

    def wait(self, timeout: float | None = None) -> ShowResult | None:
        """Wait for every table to end; None on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return None
        results = [r for r in self.results if r is not None]
        self.connection.close()
        return ShowResult(self.name, results, list(self.nodes), time.monotonic() - self.started_at)

    def stop(self, drain: bool = True) -> None:
        """Stop every table."""
        for ex in self.executors:
            ex.stop(drain)

    def run(self) -> ShowResult:
        """Start, wait for the end (Ctrl-C drains every table)."""
        self.start()
        try:
            result = self.wait()
        except KeyboardInterrupt:
            self.stop(drain=True)
            result = self.wait(60)
        if result is None:
            raise ConfigError(f"show '{self.name}': tables did not stop within 60 s")
        return result

"""Attach a control endpoint to a graph with `ingest.operator` nodes, and run such a graph in the background."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ggpgfx.control.journal import JournalWriter, journal_path
from ggpgfx.errors import ConfigError

if TYPE_CHECKING:
    from ggpgfx.control.server import ControlServer

log = logging.getLogger("ggpgfx.control")
OPERATOR_TYPE = "ingest.operator"


def operator_nodes(graph: Any) -> dict[str, Any]:
    """Node id -> resolved node of every `ingest.operator` in a resolved graph."""
    return {node_id: node for node_id, node in graph.nodes.items() if node.spec.type == OPERATOR_TYPE}


def journal_of(graph: Any, node_id: str, home: Path | None = None) -> Path:
    """The journal file an operator node of this graph reads."""
    from ggpgfx.config import ggp_home

    node = graph.nodes[node_id]
    if node.params.journal:
        return Path(node.params.journal)
    if home is None:  # the node's own home: a run policy's (a platform tenant's storage), else GGP_HOME
        policy = getattr(graph, "policy", None)
        home = policy.home if policy is not None and policy.home is not None else ggp_home()
    return journal_path(home, graph.name, node_id)


def control_server(graph: Any, *, host: str = "127.0.0.1", port: int = 0, resume: bool = False,
                   token: str | None = None) -> ControlServer | None:
    """A (not yet started) control server for the graph's operator nodes, or None when it has none.

    Each table gets a fresh journal (an earlier one is kept beside it with a time suffix) unless
    `resume`, which replays it so the table carries on where the last run stopped.
    """
    nodes = operator_nodes(graph)
    if not nodes:
        return None
    # Imported here: the server, the table replica (pokerkit) and aiohttp cost a second of start-up
    # that graphs without an operator node must not pay.
    from ggpgfx.control.health import HealthSampler
    from ggpgfx.control.server import ControlServer
    from ggpgfx.control.table import ControlTable

    tables: dict[str, ControlTable] = {}
    for node_id, node in nodes.items():
        name = str(node.params.table)
        if name in tables:
            raise ConfigError(f"two ingest.operator nodes control table {name!r}: give each its own `table` param")
        path = journal_of(graph, node_id)
        if path.exists() and path.stat().st_size and not resume:
            kept = path.with_name(f"{path.stem}.{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
            path.rename(kept)
            log.info("control journal of the last run kept as %s", kept)
        table = ControlTable(name)
        if resume and path.exists():
            count = table.load(path)
            log.info("table %s resumed from %d journal entries", name, count)
        table.journal = JournalWriter(path)
        tables[name] = table
    threading.Thread(target=_warm_up, name="ggp-control-warmup", daemon=True).start()
    return ControlServer(tables, host=host, port=port, health=HealthSampler(graph), token=token)


def attach(server: ControlServer, graph: Any, runner: Any) -> None:
    """Wire a control server to the executor that runs the graph (before it starts): health reads its
    stats, and card reads that reach a `rules.poker` of a controlled table also reach that table's
    replica, so the console shows RFID/vision cards. Local executor: its step hooks; Ray executor: the
    fragment holding the rules.poker taps its `reads` input and the rows come to the driver in the
    answers to the executor's polls (any machine of the cluster, no shared file system)."""
    from ggpgfx.runtime.local import StepHooks

    server.health.stats = lambda: runner.stats(refresh=True)
    if hasattr(runner, "mirror"):  # Ray: each operator node's fragment gets the journal, on any machine
        from ggpgfx.config import ggp_home

        policy = getattr(graph, "policy", None)  # the node's own choice of home (LocalExecutor's context)
        home = policy.home if policy is not None and policy.home is not None else (
            Path(runner.worker_home) if runner.worker_home else ggp_home())
        for node_id, node in operator_nodes(graph).items():
            target = Path(node.params.journal) if node.params.journal else journal_path(home, graph.name, node_id)
            runner.mirror(node_id, str(journal_of(graph, node_id)), str(target))
    tables = {node_id: str(node.params.table) for node_id, node in graph.nodes.items()
              if node.spec.type == "rules.poker" and str(node.params.table) in server.tables}
    if not tables:
        return

    def forward(table: str, rows: Any) -> None:
        try:
            server.card_reads(table, list(rows))
        except Exception:  # the console's view must never stop the graph
            log.exception("control: card reads for table %s not applied to the console's table", table)

    if hasattr(runner, "tap"):  # the Ray executor
        for node_id, table in tables.items():
            runner.tap(node_id, "reads", lambda rows, table=table: forward(table, rows))
        return
    if not hasattr(runner, "add_hooks"):
        return

    class CardReads(StepHooks):
        def after_message(self, hooked: Any, port: str, msg: Any) -> None:
            table = tables.get(hooked.rnode.id) if port == "reads" else None
            if table is not None:
                payload = msg.payload
                forward(table, payload.to_pylist() if hasattr(payload, "to_pylist") else payload)

    runner.add_hooks(CardReads())


def _warm_up() -> None:
    """Load the hand evaluator's compiled kernels now, not on the first dealt card (seconds on a small machine)."""
    from ggpgfx.poker.evaluator import describe

    describe(["Ah", "Kd"], ["2c", "3d", "4h"])


class LiveRun:
    """A graph running in the background with its control endpoint (tests, benchmarks, the platform)."""

    def __init__(self, handle: Any, server: ControlServer) -> None:
        self.handle = handle
        self.server = server

    @property
    def url(self) -> str:
        """Base URL of the control endpoint."""
        return self.server.url

    def stop(self, timeout: float = 10.0) -> Any:
        """Stop the graph (draining) and then the endpoint; returns the run result."""
        result = self.handle.stop(timeout)
        self.server.stop()
        return result


def start_live(graph: Any, *, executor: str = "local", host: str = "127.0.0.1", port: int = 0,
               resume: bool = False, executor_options: dict[str, Any] | None = None, **options: Any) -> LiveRun:
    """Start the control endpoint, then the graph in the background (see `ggpgfx.runtime.run.start_run`)."""
    from ggpgfx.runtime.local import RunOptions
    from ggpgfx.runtime.run import RunHandle, make_executor, resolve_any

    resolved = resolve_any(graph)
    server = control_server(resolved, host=host, port=port, resume=resume)
    if server is None:
        raise ConfigError(f"graph '{resolved.name}' has no {OPERATOR_TYPE} node to control")
    server.start()
    try:
        runner = make_executor(resolved, executor, RunOptions(**options), **(executor_options or {}))
        attach(server, resolved, runner)
        handle = RunHandle(runner)
    except BaseException:
        server.stop()
        raise
    return LiveRun(handle, server)

"""`ggp run`: its options and the run itself, parsed with argparse rather than typer.

Typer and the pydantic adapters it builds for each option cost ~0.2 CPU-s of every start (issue #21: a
media graph's first frame within 0.5 s), so `ggp run` is parsed here and `ggpgfx.cli` reaches this module
without importing typer; the typer app's `run` command hands its arguments here too, so the options are
declared once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

SUMMARY = "Run a graph until its sources end (or Ctrl-C), with a live table of per-node stats."


class UsageError(Exception):
    """A bad `ggp run` command line: printed with the usage, exit code 2."""


def run_parser() -> argparse.ArgumentParser:
    """The `ggp run` options (the single declaration of them)."""
    parser = argparse.ArgumentParser(prog="ggp run", description=SUMMARY, allow_abbrev=False)
    parser.add_argument("file", type=Path, help="Graph YAML file.")
    parser.add_argument("--executor", help="local or ray (default: the graph's settings.executor, else local).")
    parser.add_argument("--set", dest="set_", action="append", default=[], metavar="NODE.PARAM=VALUE",
                        help="Override a param (repeatable).")
    parser.add_argument("--max-frames", type=int, help="Stop each video source after N frames (sources without "
                        "video, like ingest.operator, run until those end).")
    parser.add_argument("--duration", type=float, help="Stop sources after this many seconds of media time.")
    parser.add_argument("--realtime", action=argparse.BooleanOptionalAction, default=None,
                        help="Pace sources by pts, or run flat out.")
    parser.add_argument("--stats-json", type=Path, help="Write per-node metrics as JSON here at the end.")
    parser.add_argument("--address", help="Ray cluster: auto, HOST:PORT or ray://... (ray executor).")
    parser.add_argument("--policy", help="Run policy: 'strict' (files under this folder, public hosts only) or "
                        "a policy YAML file; default: unrestricted.")
    parser.add_argument("--control-port", type=int, default=0, help="Port of the control endpoint and console "
                        "(graphs with ingest.operator; 0: any free port).")
    parser.add_argument("--host", default="127.0.0.1", help="Address the control endpoint listens on (anything "
                        "but 127.0.0.1 opens it to the network).")
    parser.add_argument("--resume-control", action=argparse.BooleanOptionalAction, default=False,
                        help="Carry on the tables of the last run from their control journal.")
    parser.add_argument("--metrics-port", type=int, help="Serve Prometheus metrics of this run at "
                        "http://127.0.0.1:PORT/metrics (0: any free port).")
    parser.add_argument("--dashboard", action="store_true", help="Ray executor: start the embedded cluster with "
                        "the Ray dashboard on and print its URL.")
    return parser


#: pydantic's plugin loader: imported by the first model that builds its validator, it imports
#: importlib.metadata (email, zipfile, csv...) and reads the entry points of every installed distribution
PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"
#: the values of PYDANTIC_DISABLE_PLUGINS with which pydantic loads no plugin at all
PLUGINS_OFF = ("__all__", "1", "true")


def skip_pydantic_plugin_discovery() -> bool:
    """Spare `ggp run` pydantic's search for validation plugins (~15-25 ms of every start; ggpgfx uses none).

    Unless the user set PYDANTIC_DISABLE_PLUGINS, it is set to `__all__` (so pydantic itself loads none, also
    in child processes) and the loader module is replaced by one that answers "no plugins" without importing
    importlib.metadata. `PYDANTIC_DISABLE_PLUGINS=` (empty) or a list of plugin names keeps pydantic's own
    discovery. True when the search is skipped.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] not in PLUGINS_OFF:
        return False
    if PYDANTIC_PLUGIN_LOADER not in sys.modules:
        import types

        loader = types.ModuleType(PYDANTIC_PLUGIN_LOADER, "pydantic plugins are off (PYDANTIC_DISABLE_PLUGINS)")
        loader.get_plugins = tuple  # type: ignore[attr-defined]  # pydantic's only use: get_plugins() -> ()
        sys.modules[PYDANTIC_PLUGIN_LOADER] = loader
    return True


def main(argv: list[str]) -> int:
    """Parse `ggp run`'s arguments and run; the exit code (user mistakes raise GgpError or exit 2)."""
    skip_pydantic_plugin_discovery()
    parser = run_parser()
    args = parser.parse_args(argv)
    try:
        return run(**vars(args))
    except UsageError as exc:
        parser.error(str(exc))  # exits 2 with the usage line
        raise  # pragma: no cover - parser.error does not return


def parse_sets(values: list[str]) -> list[tuple[str, str, Any]]:
    """`--set NODE.PARAM=VALUE` overrides as (node, param, YAML value)."""
    import yaml

    result = []
    for item in values:
        key, sep, raw = item.partition("=")
        node, dot, param = key.partition(".")
        if not sep or not dot or not node or not param:
            raise UsageError(f"--set {item!r}: use NODE.PARAM=VALUE")
        result.append((node, param, yaml.safe_load(raw) if raw else ""))
    return result


def load_with_sets(file: Path, sets: list[str], policy: str | None = None) -> Any:
    """Load a graph file applying --set overrides before validation, so errors still point at the file;
    with a policy (`strict` or a policy file), check it too and attach it to the run."""
    from ggpgfx.errors import GraphError
    from ggpgfx.graph.load import parse_yaml, read_graph_text
    from ggpgfx.graph.validate import resolve_data

    data, smap, diags = parse_yaml(read_graph_text(file), str(file))
    if not diags and isinstance(data, dict):
        for node, param, value in parse_sets(sets):
            nodes = data.get("nodes") or {}
            if node not in nodes:
                raise GraphError(f"--set {node}.{param}: no node '{node}' in {file}")
            nodes[node].setdefault("params", {})[param] = value
        resolved, diags = resolve_data(data, smap)
        if not diags and policy is not None:
            from ggpgfx.policy import check_graph, load_policy

            resolved, diags = check_graph(resolved, load_policy(policy), smap)
        if not diags:
            return resolved
    raise GraphError(diags)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _announce_dashboard(url: str | None) -> None:
    """Print the Ray dashboard's URL and where its metrics view looks for Prometheus and Grafana."""
    if not url:
        _say("ray dashboard: not available (the connected cluster runs without it)")
        return
    _say(f"ray dashboard: {url}  (actors ggp/<graph>/<fragment>)")
    prometheus = os.environ.get("RAY_PROMETHEUS_HOST", "http://localhost:9090")
    grafana = os.environ.get("RAY_GRAFANA_HOST", "http://localhost:3000")
    _say(f"ray dashboard metrics view: Prometheus {prometheus}, Grafana {grafana} "
         "(cluster/prometheus, cluster/grafana; RAY_PROMETHEUS_HOST / RAY_GRAFANA_HOST)")


def run(file: Path, executor: str | None = None, set_: list[str] | None = None, max_frames: int | None = None,
        duration: float | None = None, realtime: bool | None = None, stats_json: Path | None = None,
        address: str | None = None, policy: str | None = None, control_port: int = 0, host: str = "127.0.0.1",
        resume_control: bool = False, metrics_port: int | None = None, dashboard: bool = False) -> int:
    """Run a graph until its sources end (or Ctrl-C); the exit code (0, or 130/143 when interrupted)."""
    from ggpgfx.runtime.display import StatsDisplay
    from ggpgfx.runtime.local import RunOptions
    from ggpgfx.runtime.run import make_executor

    resolved = load_with_sets(file, set_ or [], policy)
    chosen = executor or resolved.spec.settings.executor or "local"
    if dashboard and chosen != "ray":
        raise UsageError("--dashboard needs --executor ray (the local executor has no Ray dashboard)")
    display = StatsDisplay(resolved.name, chosen)
    # one graph per process: what setup allocated can be frozen out of the collector's way (RunOptions)
    options = RunOptions(realtime=realtime, max_frames=max_frames, duration_s=duration, on_stats=display.update,
                         stats_interval_s=0.5 if display.live else 5.0, freeze_gc=True)
    kwargs: dict[str, Any] = {"address": address} if chosen == "ray" and address else {}
    if dashboard:
        kwargs["include_dashboard"] = True
    from ggpgfx.control.live import attach, control_server

    server = control_server(resolved, host=host, port=control_port, resume=resume_control)
    metrics_server: Any = None
    if server is not None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            _say(f"warning: the control endpoint listens on {host}: anyone who can reach it and has the "
                 "token can drive the table")
        server.start()
        _say(f"console: {server.console_url}")
    try:
        runner = make_executor(resolved, chosen, options, **kwargs)
        if server is not None:
            attach(server, resolved, runner)
        if metrics_port is not None:
            from ggpgfx.telemetry.prom import GraphSource, serve_graph_metrics

            # the Ray executor's stats are refreshed by the run loop (on_stats): a scrape never calls actors
            metrics_server, bound = serve_graph_metrics(metrics_port, GraphSource(
                resolved.name, lambda: runner.stats(refresh=False)))
            _say(f"metrics: http://127.0.0.1:{bound}/metrics")
        if dashboard:
            runner.on_started = _announce_dashboard
        terminated = _stop_on_sigterm()
        with display:
            result = runner.run()
    finally:
        if server is not None:
            server.stop()
        if metrics_server is not None:
            metrics_server.shutdown()
            metrics_server.server_close()
    display.final(result)
    if stats_json:
        stats_json.parent.mkdir(parents=True, exist_ok=True)
        stats_json.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    if result.error is not None:
        raise result.error
    if result.interrupted:
        return 143 if terminated.is_set() else 130
    return 0


def _stop_on_sigterm() -> threading.Event:
    """Make SIGTERM (`timeout`, systemd, a supervisor, `docker stop`) stop the run like Ctrl-C: sources stop,
    the graph drains, recordings are finished and renamed into place, the metrics are written. Without it
    the process died at once and left its half-written `.part` files behind. A second SIGTERM is ignored
    (the stop is bounded by the graph's stop timeout); SIGKILL remains the hard stop."""
    terminated = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return terminated

    def handler(signum: int, frame: Any) -> None:
        if not terminated.is_set():
            terminated.set()
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    return terminated

"""The `ggp` command: run, validate, show and inspect graphs; areas add their own commands."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from ggpgfx.errors import GgpError

app = typer.Typer(help="GGP-GFX: dataflow graphs for live game-broadcast graphics.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
state: dict[str, Any] = {"debug": False}

#: Modules that add commands of their area; each defines register(app). Imported when present.
AREA_MODULES = ["ggpgfx.runtime.cli_ray", "ggpgfx.poker.cli", "ggpgfx.services.cli", "ggpgfx.cards.cli",
                "ggpgfx.render.cli", "ggpgfx.media.cli", "ggpgfx.rfid.cli", "ggpgfx.studio.cli", "ggpgfx.analytics.cli"]


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False) -> None:
    state["debug"] = debug
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("numba", "matplotlib", "PIL", "asyncio", "aioice", "aiortc", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _parse_sets(values: list[str]) -> list[tuple[str, str, Any]]:
    import yaml

    result = []
    for item in values:
        key, sep, raw = item.partition("=")
        node, dot, param = key.partition(".")
        if not sep or not dot or not node or not param:
            raise typer.BadParameter(f"--set {item!r}: use NODE.PARAM=VALUE")
        result.append((node, param, yaml.safe_load(raw) if raw else ""))
    return result


def _load_with_sets(file: Path, sets: list[str], policy: str | None = None) -> Any:
    """Load a graph file applying --set overrides before validation, so errors still point at the file;
    with a policy (`strict` or a policy file), check it too and attach it to the run."""
    from ggpgfx.errors import GraphError
    from ggpgfx.graph.load import parse_yaml, read_graph_text
    from ggpgfx.graph.validate import resolve_data

    data, smap, diags = parse_yaml(read_graph_text(file), str(file))
    if not diags and isinstance(data, dict):
        for node, param, value in _parse_sets(sets):
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


def _announce_dashboard(url: str | None) -> None:
    """Print the Ray dashboard's URL and where its metrics view looks for Prometheus and Grafana."""
    if not url:
        typer.echo("ray dashboard: not available (the connected cluster runs without it)", err=True)
        return
    typer.echo(f"ray dashboard: {url}  (actors ggp/<graph>/<fragment>)", err=True)
    prometheus = os.environ.get("RAY_PROMETHEUS_HOST", "http://localhost:9090")
    grafana = os.environ.get("RAY_GRAFANA_HOST", "http://localhost:3000")
    typer.echo(f"ray dashboard metrics view: Prometheus {prometheus}, Grafana {grafana} "
               "(cluster/prometheus, cluster/grafana; RAY_PROMETHEUS_HOST / RAY_GRAFANA_HOST)", err=True)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Graph YAML file.")],
    executor: Annotated[str | None, typer.Option(help="local or ray (default: the graph's settings.executor, else local).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a param: NODE.PARAM=VALUE (repeatable).")] = None,
    max_frames: Annotated[int | None, typer.Option(help="Stop each video source after N frames (sources without video, like ingest.operator, run until those end).")] = None,
    duration: Annotated[float | None, typer.Option(help="Stop sources after this many seconds of media time.")] = None,
    realtime: Annotated[bool | None, typer.Option("--realtime/--no-realtime", help="Pace sources by pts, or run flat out.")] = None,
    stats_json: Annotated[Path | None, typer.Option(help="Write per-node metrics as JSON here at the end.")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster: auto, HOST:PORT or ray://... (ray executor).")] = None,
    policy: Annotated[str | None, typer.Option(
        help="Run policy: 'strict' (files under this folder, public hosts only) or a policy YAML file; "
             "default: unrestricted.")] = None,
    control_port: Annotated[int, typer.Option(help="Port of the control endpoint and console (graphs with ingest.operator; 0: any free port).")] = 0,
    host: Annotated[str, typer.Option(help="Address the control endpoint listens on (anything but 127.0.0.1 opens it to the network).")] = "127.0.0.1",
    resume_control: Annotated[bool, typer.Option(help="Carry on the tables of the last run from their control journal.")] = False,
    metrics_port: Annotated[int | None, typer.Option(
        help="Serve Prometheus metrics of this run at http://127.0.0.1:PORT/metrics (0: any free port).")] = None,
    dashboard: Annotated[bool, typer.Option(
        "--dashboard", help="Ray executor: start the embedded cluster with the Ray dashboard on and print its URL.")] = False,
) -> None:
    """Run a graph until its sources end (or Ctrl-C), with a live table of per-node stats."""
    from ggpgfx.runtime.display import StatsDisplay
    from ggpgfx.runtime.local import RunOptions
    from ggpgfx.runtime.run import make_executor

    resolved = _load_with_sets(file, set_ or [], policy)
    chosen = executor or resolved.spec.settings.executor or "local"
    display = StatsDisplay(resolved.name, chosen)
    options = RunOptions(realtime=realtime, max_frames=max_frames, duration_s=duration, on_stats=display.update,
                         stats_interval_s=0.5 if display.live else 5.0)
    kwargs: dict[str, Any] = {"address": address} if chosen == "ray" and address else {}
    if dashboard:
        if chosen != "ray":
            raise typer.BadParameter("--dashboard needs --executor ray (the local executor has no Ray dashboard)")
        kwargs["include_dashboard"] = True
    from ggpgfx.control.live import attach, control_server

    server = control_server(resolved, host=host, port=control_port, resume=resume_control)
    metrics_server: Any = None
    if server is not None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo(f"warning: the control endpoint listens on {host}: anyone who can reach it and has the "
                       "token can drive the table", err=True)
        server.start()
        typer.echo(f"console: {server.console_url}", err=True)
    try:
        runner = make_executor(resolved, chosen, options, **kwargs)
        if server is not None:
            attach(server, resolved, runner)
        if metrics_port is not None:
            from ggpgfx.telemetry.prom import GraphSource, serve_graph_metrics

            # the Ray executor's stats are refreshed by the run loop (on_stats): a scrape never calls actors
            metrics_server, bound = serve_graph_metrics(metrics_port, GraphSource(
                resolved.name, lambda: runner.stats(refresh=False)))
            typer.echo(f"metrics: http://127.0.0.1:{bound}/metrics", err=True)
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
        raise typer.Exit(143 if terminated.is_set() else 130)


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


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Graph YAML files.")]) -> None:
    """Check graph files; print every problem as FILE:LINE:COL: error: ... and exit non-zero if any."""
    from ggpgfx.graph.load import read_graph_text, show_table
    from ggpgfx.graph.validate import resolve_text

    failed = 0
    for file in files:
        if show_table(file) is not None:
            failed += _validate_show(file)
            continue
        try:
            _, diags = resolve_text(read_graph_text(file), str(file))
        except GgpError as exc:
            typer.echo(f"{file}:1:1: error: {exc}", err=True)
            failed += 1
            continue
        for d in diags:
            typer.echo(d.format(), err=True)
        if diags:
            failed += 1
        else:
            typer.echo(f"{file}: ok")
    if failed:
        raise typer.Exit(1)


def _validate_show(file: Path) -> int:
    """Check a show file and each of its tables (the table graph with that table's overrides): 1 if not ok."""
    from ggpgfx.runtime.ray_show import load_show, table_graphs

    try:
        spec = load_show(file)
        table_graphs(spec)
    except GgpError as exc:
        for line in [d.format() for d in getattr(exc, "diagnostics", [])] or [f"{file}:1:1: error: {exc}"]:
            typer.echo(line, err=True)
        return 1
    typer.echo(f"{file}: ok (a show: {spec.tables} tables of {spec.table_path.name})")
    return 0


@app.command()
def nodes(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List every node type with its ports and params."""
    from ggpgfx.graph.describe import describe_all
    from ggpgfx.graph.registry import broken_modules

    described = describe_all()
    if as_json:
        typer.echo(json.dumps({"nodes": described, "unavailable": broken_modules()}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="node types")
    for col in ("type", "inputs", "outputs", "params", "summary"):
        table.add_column(col)
    for d in described:
        ins = ", ".join(f"{p['name']}:{p['type']}" + (f"({p['policy']})" if p["policy"] != "queue" else "") for p in d["inputs"])
        outs = ", ".join(f"{p['name']}:{p['type']}" for p in d["outputs"])
        params = ", ".join(p["name"] + ("*" if p["required"] else "") for p in d["params"])
        table.add_row(d["type"], ins, outs, params, d["summary"])
    console = Console()
    console.print(table)
    for module, why in broken_modules().items():
        console.print(f"[yellow]unavailable[/]: {module}: {why}")


@app.command()
def show(file: Annotated[Path, typer.Argument(help="Graph YAML file.")],
         format: Annotated[str, typer.Option("--format", "-f", help="text, dot or svg")] = "text",
         output: Annotated[Path | None, typer.Option("-o", help="Write here instead of stdout.")] = None) -> None:
    """Print a picture of the graph: text, Graphviz dot, or SVG (needs the `dot` program)."""
    from ggpgfx.graph.describe import graph_dot, graph_svg, graph_text
    from ggpgfx.graph.load import load_graph

    resolved = load_graph(file)
    renderers = {"text": graph_text, "dot": graph_dot, "svg": graph_svg}
    if format not in renderers:
        raise typer.BadParameter(f"--format must be one of {', '.join(renderers)}")
    from ggpgfx.runtime import devices

    placements = devices.place(resolved)  # as `ggp run` would resolve them on this machine
    node_notes = {nid: p.describe() for nid, p in placements.items() if p.requested is not None}
    edge_notes = {b.edge.index: f"{b.kind} {b.source} -> {b.target}" for b in devices.boundaries(resolved, placements)}
    text = renderers[format](resolved, node_notes, edge_notes)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


@app.command()
def schema() -> None:
    """Print the JSON Schema of graph files."""
    from ggpgfx.graph.model import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def _register_areas() -> None:
    for name in AREA_MODULES:
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            continue
        module = importlib.import_module(name)
        module.register(app)


def _core_command(argv: list[str]) -> bool:
    """True when the command line names one of this module's own commands (`run`, `validate`, ...): then the
    areas' commands are not registered, since typer turns every registered command into a click command
    with all its parameters on each start (~0.07 CPU-s of `ggp run`'s start-up). Global options come first
    and take no value, so the first word not starting with '-' is the command."""
    from typer.main import get_command_name

    words = [word for word in argv if not word.startswith("-")]
    if not words:
        return False
    names = {info.name or get_command_name(info.callback.__name__) for info in app.registered_commands
             if info.callback is not None}
    return words[0] in names


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and an exit code."""
    if not _core_command(sys.argv[1:]):
        _register_areas()
    debug = "--debug" in sys.argv or os.environ.get("GGP_DEBUG") == "1"
    try:
        code = app(standalone_mode=False)  # click returns the code of typer.Exit here
        if isinstance(code, int) and code:
            sys.exit(code)
    except GgpError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own formatting
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if debug:
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()

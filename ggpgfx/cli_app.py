"""The typer app of `ggp`: validate, show and inspect graphs, `run` (parsed by `ggpgfx.cli_run`); areas add
their own commands through `register(app)`."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ggpgfx.cli import AREA_MODULES, configure_logging
from ggpgfx.errors import GgpError

app = typer.Typer(help="GGP-GFX: dataflow graphs for live game-broadcast graphics.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
state: dict[str, Any] = {"debug": False}


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False) -> None:
    state["debug"] = debug
    configure_logging(debug, quiet)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True}, add_help_option=False)
def run(ctx: typer.Context) -> None:
    """Run a graph until its sources end (or Ctrl-C), with a live table of per-node stats (ggp run --help)."""
    from ggpgfx.cli_run import main as run_main

    code = run_main(list(ctx.args))
    if code:
        raise typer.Exit(code)


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


def register_areas() -> None:
    """Add the commands of every installed area module to the app."""
    for name in AREA_MODULES:
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            continue
        module = importlib.import_module(name)
        module.register(app)


def main() -> int:
    """Run the typer app on sys.argv: typer's and click's own exits and usage errors become exit codes."""
    try:
        code = app(standalone_mode=False)  # click returns the code of typer.Exit here
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 130
    except GgpError:
        raise
    except Exception as exc:  # click usage errors carry their own formatting
        if _is_click_error(exc):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise


def _is_click_error(exc: BaseException) -> bool:
    """A usage error of click, or of the copy of click that typer 0.17+ carries (`typer._click`, whose
    exceptions are not `click.ClickException`s): a bad option must print usage and exit 2, never reach the
    "internal error" catch-all."""
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__) and hasattr(exc, "show")

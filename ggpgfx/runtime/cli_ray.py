"""`ggp plan`: how the Ray executor would cut a graph into fragments and where each would run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `ggp plan` to the main app."""

    @app.command()
    def plan(
        file: Annotated[Path, typer.Argument(help="Graph YAML file.")],
        address: Annotated[str | None, typer.Option(help="Plan against a running cluster: auto, HOST:PORT or ray://...")] = None,
        split: Annotated[str, typer.Option(help="auto (fragments by resources) or node (one fragment per node).")] = "auto",
        resources: Annotated[str | None, typer.Option(help="Without --address: custom resources this machine offers, as JSON.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Print fragments, their nodes, resources and target Ray node; fail when the cluster can never host them."""
        from ggpgfx.errors import ConfigError
        from ggpgfx.graph.load import load_graph
        from ggpgfx.runtime.planner import make_plan
        from ggpgfx.runtime.ray_cluster import RayConnection, live_view, local_view

        graph = load_graph(file)
        if split not in ("auto", "node"):
            raise ConfigError(f"--split must be 'auto' or 'node', got '{split}'")
        extra: dict[str, float] = {}
        if resources:
            try:
                extra = {str(k): float(v) for k, v in json.loads(resources).items()}
            except (ValueError, AttributeError) as exc:
                raise ConfigError(f"--resources must be a JSON object of numbers: {exc}") from None
        if address:
            connection = RayConnection(address)
            connection.connect()
            try:
                view = live_view()
            finally:
                connection.close()
        else:
            view = local_view(resources=extra)
        result = make_plan(graph, view, split)  # type: ignore[arg-type]
        typer.echo(json.dumps(result.to_json(), indent=2) if as_json else result.text())
        result.check()

    @app.command("show-run")
    def show_run(
        file: Annotated[Path, typer.Argument(help="Show YAML file (a table graph, N tables, per-table overrides).")],
        tables: Annotated[int | None, typer.Option(help="Number of tables (overrides the file's 'tables').")] = None,
        address: Annotated[str | None, typer.Option(help="Ray cluster: auto, HOST:PORT or ray://... (default: embedded).")] = None,
        duration: Annotated[float | None, typer.Option(help="Stop every table after this many seconds.")] = None,
    ) -> None:
        """Run a show: every table its own Ray executor, dealt over the raylets; one table's failure ends only it."""
        from ggpgfx.runtime.local import RunOptions
        from ggpgfx.runtime.ray_show import ShowRunner, load_show, table_graphs

        spec = load_show(file, tables)
        runner = ShowRunner(spec.name, table_graphs(spec), RunOptions(duration_s=duration), address=address)
        result = runner.run()
        for i, (table, node) in enumerate(zip(result.tables, result.nodes, strict=True)):
            state = f"error: {table.error}" if table.error else "ok"
            typer.echo(f"table {i + 1} ({table.graph}) on Ray node {node[:8]}: {table.elapsed_s:.1f} s, {state}")
        if result.failed:
            raise typer.Exit(1)

"""`ggp analytics ...`: hand summaries from event logs, show analytics with Ray Data, CSV/Parquet and HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

analytics_app = typer.Typer(help="Show analytics: hand summaries from event logs, figures, exports, reports.",
                            no_args_is_help=True)


@analytics_app.command()
def hands(log: Annotated[Path, typer.Argument(help="event-log folder of publish.events")],
          out: Annotated[Path, typer.Argument(help="hand-summary Parquet file to write")],
          table: Annotated[str | None, typer.Option(help="table name (default: from the events' keys)")] = None) -> None:
    """Replay an event log into one row per player per finished hand (Parquet)."""
    from ggpgfx.analytics.hands import write_hands
    from ggpgfx.errors import ConfigError

    if not log.is_dir():
        raise ConfigError(f"no event log at '{log}'")
    path = write_hands(log, out, table)
    typer.echo(f"wrote {path}")


@analytics_app.command()
def show(summaries: Annotated[list[Path], typer.Argument(help="hand-summary Parquet files or folders")],
         export: Annotated[Path | None, typer.Option(help="write the per-player table (.csv or .parquet)")] = None,
         html: Annotated[Path | None, typer.Option(help="write an HTML report")] = None,
         title: Annotated[str, typer.Option(help="the report's title")] = "Show analytics") -> None:
    """Figures of the hands with Ray Data (JSON on stdout)."""
    from ggpgfx.analytics import show as show_module
    from ggpgfx.analytics.report import html_report

    result = show_module.show_analytics(summaries)
    if export is not None:
        show_module.export(result, export)
    if html is not None:
        html.write_text(html_report(result, title))
    typer.echo(json.dumps(result, indent=2))


def register(app: typer.Typer) -> None:
    """Add `ggp analytics`."""
    app.add_typer(analytics_app, name="analytics")

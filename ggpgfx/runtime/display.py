"""The live per-node table `ggp run` shows (rich on a terminal, plain log lines otherwise)."""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger("ggpgfx.run")


COLUMNS = ("node", "type", "state", "in", "out", "fps", "proc p50 ms", "latency p50 ms", "drops")
LEFT = 3  # the first three columns are text, aligned left


def _rows(stats: dict[str, dict[str, Any]]) -> list[tuple[str, ...]]:
    return [(nid, s["type"], s["state"], str(s["messages_in"]), str(s["messages_out"]), f"{s['fps_out']:.1f}",
             f"{s['process_us']['p50'] / 1000:.2f}", f"{s['latency_us']['p50'] / 1000:.2f}", str(s["drops"]))
            for nid, s in stats.items()]


def _table(title: str, stats: dict[str, dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title, expand=False)
    for index, col in enumerate(COLUMNS):
        table.add_column(col, justify="left" if index < LEFT else "right")
    for row in _rows(stats):
        table.add_row(*row)
    return table


def plain_table(title: str, stats: dict[str, dict[str, Any]]) -> str:
    """The summary as aligned plain text: for logs and pipes, without importing rich (~40 ms of start-up)."""
    rows = [COLUMNS, *_rows(stats)]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) if index < LEFT else cell.rjust(width)
                       for index, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join([title, *lines])


class StatsDisplay:
    """Shows metrics while a graph runs and a summary when it ends."""

    def __init__(self, graph_name: str, executor: str) -> None:
        self.title = f"ggp run {graph_name} ({executor})"
        self.live = sys.stderr.isatty()
        self._live: Any = None

    def __enter__(self) -> StatsDisplay:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(console=Console(stderr=True), refresh_per_second=4, transient=False)
            self._live.__enter__()
        else:
            log.info("%s: started", self.title)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def update(self, stats: dict[str, dict[str, Any]]) -> None:
        """New metrics arrived."""
        if self._live is not None:
            self._live.update(_table(self.title, stats))
            return
        parts = [f"{nid} {s['messages_out']} out {s['fps_out']:.1f}/s drops {s['drops']}" for nid, s in stats.items()]
        log.info("%s", "; ".join(parts))

    def final(self, result: Any) -> None:
        """Print the summary table at the end (rich on a terminal, plain text otherwise)."""
        title = self.title + f" — {result.elapsed_s:.1f}s"
        if not self.live:
            print(plain_table(title, result.nodes), file=sys.stderr, flush=True)
            return
        from rich.console import Console

        console = Console(stderr=True)
        if self._live is None:
            console.print(_table(title, result.nodes))
        else:
            console.print(f"finished in {result.elapsed_s:.1f}s")

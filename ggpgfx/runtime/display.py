"""The live per-node table `ggp run` shows (rich on a terminal, plain log lines otherwise)."""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger("ggpgfx.run")


def _table(title: str, stats: dict[str, dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title, expand=False)
    for col in ("node", "type", "state", "in", "out", "fps", "proc p50 ms", "latency p50 ms", "drops"):
        table.add_column(col, justify="right" if col not in ("node", "type", "state") else "left")
    for nid, s in stats.items():
        table.add_row(nid, s["type"], s["state"], str(s["messages_in"]), str(s["messages_out"]),
                      f"{s['fps_out']:.1f}", f"{s['process_us']['p50'] / 1000:.2f}",
                      f"{s['latency_us']['p50'] / 1000:.2f}", str(s["drops"]))
    return table


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
        """Print the summary table at the end."""
        from rich.console import Console

        console = Console(stderr=True)
        if self._live is None:
            console.print(_table(self.title + f" — {result.elapsed_s:.1f}s", result.nodes))
        else:
            console.print(f"finished in {result.elapsed_s:.1f}s")

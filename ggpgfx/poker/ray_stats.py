"""`ggp hands stats` for large sets: one Ray Data task per file, counters merged as they stream back.

Ray is imported inside the function (it is heavy); the cluster is the project's usual connection: an
embedded local one without dashboard unless an address is given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ggpgfx.poker.stats import PlayerStats, file_stats, from_dicts, merge


def _file_row(row: dict[str, Any]) -> dict[str, Any]:
    path = row["path"]
    try:
        return {"path": path, "counts": json.dumps(file_stats(path)), "error": ""}
    except Exception as error:  # a bad file is reported, the others still count
        return {"path": path, "counts": "{}", "error": f"{type(error).__name__}: {error}"}


def stats_on_ray(paths: Sequence[str | Path], address: str | None = None,
                 on_file: Callable[[str, str], None] | None = None) -> tuple[dict[str, PlayerStats], list[str]]:
    """Per-player counters over every file, computed in parallel; also the per-file errors."""
    import ray

    from ggpgfx.runtime.ray_cluster import RayConnection

    connection = RayConnection(address)
    connection.connect()
    try:
        dataset = ray.data.from_items([{"path": str(Path(p).resolve())} for p in paths],
                                      override_num_blocks=max(1, len(paths)))
        total: dict[str, PlayerStats] = {}
        errors: list[str] = []
        for row in dataset.map(_file_row).iter_rows():
            merge(total, from_dicts(json.loads(row["counts"])))
            if row["error"]:
                errors.append(f"{row['path']}: {row['error']}")
            if on_file is not None:
                on_file(str(row["path"]), str(row["error"]))
        return total, errors
    finally:
        connection.close()

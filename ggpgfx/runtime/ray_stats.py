"""`ggp hands stats` for large sets: one Ray Data task per file segment, counters merged as they stream back.

Large .phhs files are cut into ~8 MB byte ranges at hand headers, so one big file spreads over workers too.

Ray is imported inside the function (it is heavy); the cluster is the project's usual connection: an
embedded local one without dashboard unless an address is given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ggpgfx.poker.phh import segments
from ggpgfx.poker.stats import PlayerStats, file_stats, from_dicts, merge


def _file_row(row: dict[str, Any]) -> dict[str, Any]:
    path = row["path"]
    try:
        counts = file_stats(path) if row["whole"] else file_stats(path, row["start"], row["end"])
        return {"path": path, "counts": json.dumps(counts), "error": ""}
    except Exception as error:  # a bad file is reported, the others still count
        return {"path": path, "counts": "{}", "error": f"{type(error).__name__}: {error}"}


def stats_on_ray(paths: Sequence[str | Path], address: str | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 segment_bytes: int = 8 << 20) -> tuple[dict[str, PlayerStats], list[str]]:
    """Per-player counters over every file, computed in parallel; also the errors per file segment.

    `progress(done, total)` is called as each segment's result arrives.
    """
    import ray

    from ggpgfx.runtime.ray_cluster import RayConnection

    connection = RayConnection(address)
    connection.connect()
    try:
        items = []
        for p in paths:
            pieces = segments(p, segment_bytes)
            for start, end in pieces:
                items.append({"path": str(Path(p).resolve()), "start": start, "end": end,
                              "whole": int(len(pieces) == 1)})
        dataset = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
        total: dict[str, PlayerStats] = {}
        errors: list[str] = []
        for done, row in enumerate(dataset.map(_file_row).iter_rows(), start=1):
            merge(total, from_dicts(json.loads(row["counts"])))
            if row["error"]:
                errors.append(f"{row['path']}: {row['error']}")
            if progress is not None:
                progress(done, len(items))
        return total, errors
    finally:
        connection.close()

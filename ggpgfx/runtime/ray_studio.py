"""`ggp studio render --workers N`: hands are independent, so each is one Ray Data task (one block per hand);
results stream back as hands finish, a failed hand comes back as a failed result and the rest go on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from ggpgfx.studio.jobs import render_one
from ggpgfx.studio.render import ClipResult


def _render_row(row: dict[str, Any]) -> dict[str, Any]:
    import json

    result = render_one(row["folder"], int(row["hand"]), row["out"], json.loads(row["settings"]))
    return {"result": json.dumps(asdict(result))}


def render_on_ray(folder: str, hands: list[int], out: str, settings: dict[str, Any], workers: int = 2,
                  address: str | None = None) -> Iterator[ClipResult]:
    """Yield each hand's result as it finishes, rendering at most `workers` hands at a time."""
    import json

    import ray

    from ggpgfx.runtime.ray_cluster import RayConnection

    if not hands:
        return
    connection = RayConnection(address, num_cpus=max(1, workers) if address is None else None)
    connection.connect()
    try:
        items = [{"folder": folder, "hand": n, "out": out, "settings": json.dumps(settings)} for n in hands]
        dataset = ray.data.from_items(items, override_num_blocks=len(items))
        mapped = dataset.map(_render_row, num_cpus=1, concurrency=max(1, min(workers, len(items))))
        for row in mapped.iter_rows():
            yield ClipResult(**json.loads(row["result"]))
    finally:
        connection.close()

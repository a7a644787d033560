"""Graphics: list skins and render PNG stills through ggpgfx.render, loaded lazily (503 until present)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from ggpgfx.errors import ServiceError


def _render_module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(f"ggpgfx.render.{name}")
    except ImportError as exc:
        raise ServiceError(f"graphics rendering is not available on this server (ggpgfx.render.{name}: {exc})", 503) from exc


def list_templates() -> list[dict[str, Any]]:
    """Skins the renderer offers, as {name, info}."""
    skins = _render_module("skins").list_skins()
    out = []
    for skin in skins:
        info = dict(skin) if isinstance(skin, dict) else {"name": str(skin)}
        out.append({"name": str(info.get("name", "")), "info": {k: v for k, v in info.items() if k != "name"}})
    return out


class RenderJobs:
    """Progress of render jobs in this process (the GraphQL `renderProgress` subscription reads it)."""

    def __init__(self, keep: int = 1000) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.keep = keep
        self.lock = threading.Lock()

    def update(self, job_id: str, organization_id: str, **fields: Any) -> None:
        """Set fields of a job."""
        with self.lock:
            job = self.jobs.setdefault(job_id, {"job_id": job_id, "organization_id": organization_id,
                                                "progress": 0.0, "status": "queued", "error": None})
            job.update(fields, updated=time.time())
            if len(self.jobs) > self.keep:
                oldest = sorted(self.jobs.values(), key=lambda j: j["updated"])[: len(self.jobs) - self.keep]
                for stale in oldest:
                    self.jobs.pop(stale["job_id"], None)

    def get(self, job_id: str, organization_id: str) -> dict[str, Any] | None:
        """A job of the caller's organisation."""
        job = self.jobs.get(job_id)
        return dict(job) if job and job["organization_id"] == organization_id else None


def render_png(jobs: RenderJobs, organization_id: str, table_state: dict[str, Any], skin: str,
               size: tuple[int, int], reveal: str, job_id: str | None = None) -> tuple[str, bytes]:
    """Render a still; returns (job id, PNG bytes). Bad TableState input is a 422, not a 500."""
    from pydantic import ValidationError

    job_id = job_id or uuid.uuid4().hex
    still = _render_module("still")
    from ggpgfx.poker.messages import TableState

    jobs.update(job_id, organization_id, status="running", progress=0.1)
    try:
        state = TableState.model_validate(table_state)
    except ValidationError as exc:
        jobs.update(job_id, organization_id, status="failed", error="invalid table_state")
        raise ServiceError(f"table_state is not a valid TableState: {exc.error_count()} problem(s): "
                           f"{exc.errors()[0]['msg']}", 422) from exc
    if any(seat.photo for seat in state.seats):  # a path on this server: never read for a caller
        jobs.update(job_id, organization_id, status="failed", error="seat photo paths are not accepted")
        raise ServiceError("table_state.seats[].photo names a file on the server and is not accepted here; "
                           "a player's photo is uploaded with POST /api/v1/players/{id}/photo", 422)
    try:
        png = still.render_still(state, skin=skin, size=size, reveal=reveal)
    except (KeyError, ValueError) as exc:
        jobs.update(job_id, organization_id, status="failed", error=str(exc))
        raise ServiceError(f"cannot render: {exc}", 422) from exc
    jobs.update(job_id, organization_id, status="done", progress=1.0)
    return job_id, bytes(png)

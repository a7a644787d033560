"""Studio render jobs on the platform: a session folder in the organisation's storage, re-rendered by
`ggpgfx.studio` in a background thread; progress goes to the app's RenderJobs (REST status and the GraphQL
`renderProgress` subscription read it). A job's minutes of work are metered as `render_minutes` usage (the
rows billing and the usage report read) before the job reports its end."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ggpgfx.errors import ConfigError, GgpError, ServiceError
from ggpgfx.services.graphics import RenderJobs

log = logging.getLogger("ggpgfx.services.studio")


def session_path(home: Path, organization_id: str, relative: str) -> Path:
    """A session folder inside the organisation's storage (a path outside it is a 422, a missing one a 404)."""
    from ggpgfx.policy import organization_storage

    storage = organization_storage(home, organization_id)
    if not relative or Path(relative).is_absolute():
        raise ServiceError("session: a folder relative to the organisation's storage", 422)
    path = (storage / relative).resolve()
    if not path.is_relative_to(storage):
        raise ServiceError("session: the folder must be inside the organisation's storage", 422)
    if not (path / "manifest.json").is_file():
        raise ServiceError(f"no studio session at '{relative}' (no manifest.json)", 404)
    return path


def list_hands(home: Path, organization_id: str, relative: str) -> list[dict[str, Any]]:
    """The session's hands (what `ggp studio list` shows)."""
    from ggpgfx.studio.session import Session

    try:
        return [hand.as_dict() for hand in Session(session_path(home, organization_id, relative)).hands()]
    except ConfigError as exc:
        raise ServiceError(str(exc), 422) from exc


def start_render(jobs: RenderJobs, home: Path, organization_id: str, relative: str, hands: str | None,
                 settings: dict[str, Any], on_finished: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Check the request, then render in a thread; returns the job (status queued) at once. `on_finished`
    gets the job's seconds of work when it ends (done or failed), before the job says so."""
    from ggpgfx.studio.jobs import parse_hands, render_session
    from ggpgfx.studio.render import ClipResult, RenderSettings
    from ggpgfx.studio.session import Session

    folder = session_path(home, organization_id, relative)
    try:
        render_settings = RenderSettings(**settings)
        render_settings.check()
        if render_settings.skin:
            from ggpgfx.render.skins import load_skin

            load_skin(render_settings.skin)
        chosen = parse_hands(hands, Session(folder))
    except (ConfigError, TypeError) as exc:
        raise ServiceError(str(exc), 422) from exc
    if not chosen:
        raise ServiceError("the session has no hands to render", 422)
    job_id = uuid.uuid4().hex
    out = folder / "renders" / job_id
    clips: list[dict[str, Any]] = []
    jobs.update(job_id, organization_id, status="queued", progress=0.0, kind="studio", session=relative,
                hands=chosen, clips=clips, output=str(out.relative_to(folder.parent)))

    def on_hand(result: ClipResult, done: int, total: int) -> None:
        clips.append({"hand": result.hand, "ok": result.ok, "frames": result.frames,
                      "file": Path(result.path).name if result.path else None, "error": result.error})
        jobs.update(job_id, organization_id, status="running", progress=round(done / total * 0.95, 4),
                    clips=list(clips))

    def finished(began: float) -> None:
        seconds = time.monotonic() - began
        jobs.update(job_id, organization_id, render_seconds=seconds)
        if on_finished is not None:
            try:
                on_finished(seconds)
            except Exception:  # metering must not turn a rendered job into a failed one; it is logged
                log.exception("metering studio render %s failed", job_id)

    def work() -> None:
        jobs.update(job_id, organization_id, status="running", progress=0.0)
        began = time.monotonic()
        try:
            job = render_session(folder, chosen, out, render_settings, on_hand=on_hand)
        except (GgpError, OSError, ValueError) as exc:
            finished(began)
            jobs.update(job_id, organization_id, status="failed", error=str(exc))
            return
        finished(began)
        failed = [c.hand for c in job.failed]
        jobs.update(job_id, organization_id, status="failed" if len(failed) == len(job.clips) else "done",
                    progress=1.0, error=f"hands failed: {failed}" if failed else None,
                    reel=Path(job.reel).name if job.reel else None,
                    timeline=Path(job.timeline).name if job.timeline else None)

    threading.Thread(target=work, name=f"studio-render-{job_id[:8]}", daemon=True).start()
    job = jobs.get(job_id, organization_id)
    assert job is not None
    return job


async def start_metered_render(request: Any, principal: Any, body: Any) -> dict[str, Any]:
    """Start a studio render job (REST and GraphQL) whose minutes go to the organisation's usage, under
    `body.project_id` when given (a project of another organisation is a 404)."""
    from ggpgfx.services.routing import backend

    services = backend(request)
    project_id = body.project_id
    if project_id is not None:
        await services.projects.get_project(principal, project_id)
    loop = asyncio.get_running_loop()
    organization_id = principal.organization_id

    def meter(seconds: float) -> None:
        call = services.billing.record_render(organization_id, project_id, seconds / 60.0)
        asyncio.run_coroutine_threadsafe(call, loop).result(timeout=120)

    return await asyncio.to_thread(start_render, request.app.state.render_jobs, request.app.state.settings.home,
                                   organization_id, body.session, body.hands,
                                   body.model_dump(exclude={"session", "hands", "project_id"}), meter)

"""REST routes of the studio: a recorded session's hands, and re-render jobs with their progress."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.errors import ServiceError
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS

router = APIRouter(prefix="/api/v1/studio", responses=ERRORS, tags=["studio"])

SESSION_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$"


class StudioRenderIn(BaseModel):
    """A re-render of a session in the organisation's storage (what `ggp studio render` does)."""

    model_config = ConfigDict(extra="forbid")
    session: str = Field(max_length=300, pattern=SESSION_PATTERN,
                         description="the session folder, relative to the organisation's storage")
    project_id: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="the project the render minutes are counted under (usage)")
    hands: str | None = Field(None, max_length=200, pattern=r"^[0-9, -]*$|^all$", description="e.g. 3,5-7")
    skin: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                             description="a bundled skin name; default: the skin used live")
    aspect: Literal["16:9", "9:16", "1:1"] | None = None
    lang: str = Field("en", max_length=10)
    graphics_only: bool = False
    alpha_format: Literal["mov", "png"] = "mov"
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "veryfast"
    crf: float = Field(18.0, ge=0, le=51)


class StudioJobOut(BaseModel):
    """A studio render job: status, progress 0..1, one entry per finished hand, the reel and timeline names."""

    job_id: str
    status: str
    progress: float
    error: str | None = None
    session: str | None = None
    hands: list[int] = Field(default_factory=list)
    clips: list[dict[str, Any]] = Field(default_factory=list)
    output: str | None = None
    render_seconds: float | None = Field(None, description="seconds of work, once the job ended (metered as usage)")
    reel: str | None = None
    timeline: str | None = None


def _job_out(job: dict[str, Any]) -> StudioJobOut:
    return StudioJobOut(**{k: v for k, v in job.items() if k in StudioJobOut.model_fields})


@router.get("/hands")
async def hands(principal: CurrentPrincipal, request: Request,
                session: str = Query(max_length=300, pattern=SESSION_PATTERN)) -> list[dict[str, Any]]:
    """The hands of a recorded session (start/end, players, pot, cards, showdown, all-ins, tags)."""
    from ggpgfx.services.studio import list_hands

    principal.require("viewer")
    return await asyncio.to_thread(list_hands, request.app.state.settings.home, principal.organization_id, session)


@router.post("/render", response_model=StudioJobOut, status_code=202)
async def render(body: StudioRenderIn, principal: CurrentPrincipal, request: Request) -> StudioJobOut:
    """Start a re-render; follow it with GET /studio/render/{job_id} or the `renderProgress` subscription."""
    from ggpgfx.services.studio import start_metered_render

    principal.require("producer")
    return _job_out(await start_metered_render(request, principal, body))


@router.get("/render/{job_id}", response_model=StudioJobOut)
async def render_status(job_id: str, principal: CurrentPrincipal, request: Request) -> StudioJobOut:
    """A studio render job of my organisation."""
    principal.require("viewer")
    job = request.app.state.render_jobs.get(job_id, principal.organization_id)
    if job is None or job.get("kind") != "studio":
        raise ServiceError(f"studio render job '{job_id}' not found", 404)
    return _job_out(job)

"""REST routes: usage analytics per organisation, project and day (JSON or CSV); show analytics of a stream
(JSON, or its per-player table as CSV or Parquet), directly or through a background job for big logs."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend

router = APIRouter(prefix="/api/v1", responses=ERRORS)


@router.get("/analytics/usage", tags=["analytics"], response_model=None, responses={
    200: {"description": "the report as JSON, or as CSV with format=csv",
          "content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}}}})
async def usage(principal: CurrentPrincipal, request: Request, days: int = Query(30, ge=1, le=366),
                project_id: str | None = Query(None, max_length=32),
                format: Literal["json", "csv"] = "json") -> Any:
    """Daily stream hours, GPU hours, output GB, output hours by destination, hands and tables (admin)."""
    report = await backend(request).billing.usage_report(principal, days, project_id)
    if format == "json":
        return report
    from ggpgfx.analytics.show import to_csv

    keys = sorted({k for row in report["daily"] for k in row} - {"day", "project_id", "project"})
    rows = [{"day": r["day"], "project_id": r["project_id"] or "", "project": r["project"] or "",
             **{k: r.get(k, 0) for k in keys}} for r in report["daily"]]
    return Response(to_csv(rows), media_type="text/csv",
                    headers={"content-disposition": 'attachment; filename="usage.csv"'})


ShowFormat = Literal["json", "csv", "parquet", "html"]
SHOW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the show analytics as JSON; the per-player table with format=csv or format=parquet; "
                         "the report page with format=html",
          "content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}},
                      "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
                      "text/html": {"schema": {"type": "string"}}}}}
JOB_ID = Path(max_length=32, pattern=r"^[0-9a-f]+$")


def _show_response(result: dict[str, Any], format: str) -> Any:
    """The analytics in the asked format (the JSON itself, CSV or Parquet of the players, the HTML report)."""
    if format == "json":
        return result
    from ggpgfx.analytics.show import players_parquet, to_csv

    if format == "html":
        from ggpgfx.analytics.report import html_report

        return Response(html_report(result, f"Show analytics of stream {result['stream_id']}"),
                        media_type="text/html", headers={"content-security-policy": "default-src 'none'; "
                                                         "style-src 'unsafe-inline'"})
    name = f"stream-{result['stream_id']}-players"
    if format == "csv":
        return Response(to_csv(result["players"]), media_type="text/csv",
                        headers={"content-disposition": f'attachment; filename="{name}.csv"'})
    return Response(players_parquet(result), media_type="application/vnd.apache.parquet",
                    headers={"content-disposition": f'attachment; filename="{name}.parquet"'})


@router.get("/streams/{stream_id}/analytics", tags=["analytics"], response_model=None, responses={
    **SHOW_RESPONSES, 202: {"description": "the log is over the in-process cap: a background job on Ray Data "
                                           "computes it; poll `job.status_url`, then ask again or fetch `job.result_url`",
                            "content": {"application/json": {"schema": {"type": "object"}}}}})
async def stream_analytics(principal: CurrentPrincipal, request: Request,
                           stream_id: str = Path(max_length=32, pattern=r"^[A-Za-z0-9_-]+$"),
                           format: ShowFormat = "json") -> Any:
    """Hands per hour, average pot, showdown rate, biggest pots, per-player VPIP/PFR/aggression and table time,
    from the event log the stream's publish.events node wrote (viewer or above); `html`: the report page.
    A log over the in-process cap answers 202 with a background job (one per organisation at a time)."""
    result = await backend(request).streams.analytics(principal, stream_id)
    if "job" in result:
        job = result["job"]
        return JSONResponse(result, status_code=202, headers={"location": job["status_url"]})
    return _show_response(result, format)


@router.get("/analytics/jobs/{job_id}", tags=["analytics"])
async def analytics_job(principal: CurrentPrincipal, request: Request, job_id: str = JOB_ID) -> dict[str, Any]:
    """A background show-analytics job of my organisation: status, stage, progress 0..1, error (viewer or above)."""
    return await backend(request).streams.analytics_job(principal, job_id)


@router.get("/analytics/jobs/{job_id}/result", tags=["analytics"], response_model=None, responses=SHOW_RESPONSES)
async def analytics_job_result(principal: CurrentPrincipal, request: Request, job_id: str = JOB_ID,
                               format: ShowFormat = "json") -> Any:
    """What a finished job computed, in the formats of GET /streams/{id}/analytics (409 while it runs or when
    it failed)."""
    return _show_response(await backend(request).streams.analytics_job_result(principal, job_id), format)

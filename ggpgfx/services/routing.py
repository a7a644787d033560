"""Shared bits of the REST routers: documented error responses and the backend accessor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request

from ggpgfx.services.schemas import ErrorOut

if TYPE_CHECKING:
    from ggpgfx.services.backend import Backend

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        400: "Bad request", 401: "Not authenticated", 402: "Plan limit reached", 403: "Not allowed",
        404: "Not found", 409: "Conflict", 413: "Request too large", 429: "Rate limited",
        503: "Dependency not available",
    }.items()
}


def backend(request: Request) -> Backend:
    """The service backend of this app (local objects or Serve handles)."""
    result: Backend = request.app.state.backend
    return result

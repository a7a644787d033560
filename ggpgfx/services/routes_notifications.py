"""REST routes: notification preferences, the notification centre, its delivery log, the Alertmanager receiver."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Query, Request
from pydantic import Field

from ggpgfx.errors import ServiceError
from ggpgfx.services import schemas as s
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class ReadIn(s.Model):
    """Which notifications to mark read (none given: all of them)."""

    ids: list[str] | None = Field(default=None, max_length=500)


@router.get("/notifications/preferences", response_model=list[s.PreferenceItem], tags=["notifications"])
async def get_preferences(principal: CurrentPrincipal, request: Request) -> list[s.PreferenceItem]:
    """The caller's channels for every event."""
    return await backend(request).notifications.get_preferences(principal)


@router.put("/notifications/preferences", response_model=list[s.PreferenceItem], tags=["notifications"])
async def set_preferences(body: s.PreferencesIn, principal: CurrentPrincipal, request: Request) -> list[s.PreferenceItem]:
    """Save channels for some events; returns every event's channels."""
    return await backend(request).notifications.set_preferences(principal, body)


@router.get("/notifications", response_model=list[s.NotificationOut], tags=["notifications"])
async def list_notifications(principal: CurrentPrincipal, request: Request, unread: bool = False,
                             after: str | None = None, limit: int = Query(50, ge=1, le=200)) -> list[s.NotificationOut]:
    """The notification centre, newest first."""
    return await backend(request).notifications.list_notifications(principal, unread, after, limit)


@router.post("/notifications/read", tags=["notifications"])
async def mark_read(body: ReadIn, principal: CurrentPrincipal, request: Request) -> dict[str, int]:
    """Mark notifications read."""
    return {"marked": await backend(request).notifications.mark_read(principal, body.ids)}


@router.get("/notifications/deliveries", response_model=list[s.NotificationDeliveryOut], tags=["notifications"])
async def list_deliveries(principal: CurrentPrincipal, request: Request,
                          limit: int = Query(200, ge=1, le=1000)) -> list[s.NotificationDeliveryOut]:
    """Delivery attempts (email, console): the caller's, or the organisation's for an admin."""
    return await backend(request).notifications.list_notification_deliveries(principal, limit)


@router.post("/alerts/webhook", tags=["notifications"])
async def alertmanager_webhook(body: s.AlertmanagerIn, request: Request) -> dict[str, int]:
    """Prometheus Alertmanager's webhook receiver (bearer token GGP_ALERTS_TOKEN); alerts are routed to the
    organisation in their `organisation` label."""
    token = request.app.state.settings.alerts_token
    if not token:
        raise ServiceError("the alert receiver is not configured (set GGP_ALERTS_TOKEN)", 503)
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ServiceError("bad or missing alert receiver token", 401)
    return await backend(request).notifications.receive_alerts(body)

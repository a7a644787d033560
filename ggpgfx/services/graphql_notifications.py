"""GraphQL for the notification centre: `notifications` query, `markNotificationsRead` mutation and the
`notifications` subscription the console's bell listens to; and the `usageReport` query.

`graphql_api.Query`, `Mutation` and `Subscription` inherit these fields; they call the same
`NotificationsAPI` as the REST routes under /api/v1/notifications.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ggpgfx.services import schemas as s

if TYPE_CHECKING:
    from ggpgfx.services.api import NotificationsAPI
    from ggpgfx.services.security import Principal

POLL_S = 0.5
MAX_SUBSCRIPTION_S = 3600.0


async def _call(info: Info, fresh: bool = False) -> tuple[NotificationsAPI, Principal]:
    from ggpgfx.services.graphql_api import _backend, _principal

    return _backend(info).notifications, await _principal(info, fresh=fresh)


@strawberry.type
class UserNotification:
    """One entry of the notification centre."""

    id: strawberry.ID
    event_id: str
    event_type: str
    title: str
    body: str
    data: JSON
    read_at: datetime | None
    created_at: datetime

    @staticmethod
    def of(n: s.NotificationOut) -> UserNotification:
        """From the REST model."""
        return UserNotification(id=strawberry.ID(n.id), event_id=n.event_id, event_type=n.event_type, title=n.title,
                                body=n.body, data=n.data, read_at=n.read_at,  # type: ignore[arg-type]
                                created_at=n.created_at)


@strawberry.type
class NotificationsQuery:
    """My notification centre."""

    @strawberry.field
    async def notifications(self, info: Info, unread_only: bool = False, limit: int = 50) -> list[UserNotification]:
        """My notifications, newest first."""
        api, principal = await _call(info)
        return [UserNotification.of(n) for n in await api.list_notifications(principal, unread_only, None,
                                                                            max(1, min(limit, 200)))]


    @strawberry.field
    async def usage_report(self, info: Info, days: int = 30, project_id: strawberry.ID | None = None) -> JSON:
        """Daily usage per project, as GET /api/v1/analytics/usage returns it (admin)."""
        from ggpgfx.services.graphql_api import _backend, _principal

        report = await _backend(info).billing.usage_report(await _principal(info), max(1, min(days, 366)),
                                                           str(project_id) if project_id else None)
        return report  # type: ignore[return-value]


@strawberry.type
class NotificationsMutation:
    """Mark notifications read."""

    @strawberry.mutation
    async def mark_notifications_read(self, info: Info, ids: list[strawberry.ID] | None = None) -> int:
        """Mark these (or all) of my notifications read; returns how many changed."""
        api, principal = await _call(info)
        return await api.mark_read(principal, [str(i) for i in ids] if ids is not None else None)


@strawberry.type
class NotificationsSubscription:
    """New notifications as they arrive."""

    @strawberry.subscription
    async def notifications(self, info: Info, backlog: int = 20) -> AsyncGenerator[UserNotification, None]:
        """My unread notifications now (up to `backlog`, oldest first), then each new one as it arrives."""
        seen: set[str] = set()
        first = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_SUBSCRIPTION_S
        while loop.time() < deadline:
            api, principal = await _call(info, fresh=True)
            rows = await api.list_notifications(principal, False, None, 50)  # newest first
            if first:  # the unread backlog; what was already read is not news
                unread = {r.id for r in [r for r in rows if r.read_at is None][:max(0, min(backlog, 50))]}
                seen.update(r.id for r in rows if r.id not in unread)
                first = False
            for row in reversed(rows):
                if row.id not in seen:
                    seen.add(row.id)
                    yield UserNotification.of(row)
            await asyncio.sleep(POLL_S)

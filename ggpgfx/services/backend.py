"""How the HTTP layer reaches the services: in-process objects, or Ray Serve deployment handles.

Both backends offer the same typed clients (`ggpgfx.services.api`): `backend.projects.list_projects(...)`.
They differ only in the `Bind` their clients are built with: `InThread` (run the method in a worker
thread here) or `ThroughHandle` (send the method to the Serve deployment that hosts its service).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from ggpgfx.services.api import (
    AccountsAPI,
    AccountsClient,
    BillingAPI,
    BillingClient,
    NotificationsAPI,
    NotificationsClient,
    ProjectsAPI,
    ProjectsClient,
    StreamsAPI,
    StreamsClient,
    TournamentAPI,
    TournamentClient,
)
from ggpgfx.services.config import Settings

P = ParamSpec("P")
R = TypeVar("R")


def build_services(settings: Settings, names: tuple[str, ...], migrate: bool = True,
                   launcher: Any = None) -> dict[str, Any]:
    """Construct the plain service objects named (sharing one context) for one process."""
    from ggpgfx.services.accounts import AccountsService
    from ggpgfx.services.base import ServiceContext
    from ggpgfx.services.billing import BillingService
    from ggpgfx.services.notifications import NotificationsService
    from ggpgfx.services.projects import ProjectsService
    from ggpgfx.services.streams import StreamsService

    context = ServiceContext(settings, migrate=migrate)
    notifications = NotificationsService(context)
    services: dict[str, Any] = {"notifications": notifications, "context": context}
    if "accounts" in names:
        services["accounts"] = AccountsService(context, notifications)
    if "projects" in names:  # the projects deployment also hosts tournaments (players, events, chips, clock)
        from ggpgfx.services.tournament import TournamentService

        services["projects"] = ProjectsService(context)
        services["tournament"] = TournamentService(context)
    if "billing" in names or "streams" in names:
        services["billing"] = BillingService(context, notifications)
    if "streams" in names:
        services["streams"] = StreamsService(context, services["billing"], notifications, launcher)
    return services


class InThread:
    """A `Bind` that runs each call of a method on `service` in a worker thread of this process."""

    def __init__(self, service: object) -> None:
        self.service = service

    def __call__(self, method: Callable[Concatenate[Any, P], R]) -> Callable[P, Coroutine[Any, Any, R]]:
        """The awaitable call of `method` on this object's service."""
        service = self.service

        @functools.wraps(method)
        async def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return await asyncio.to_thread(method, service, *args, **kwargs)

        return call


class Backend:
    """The services as the HTTP layer sees them: one typed client per service."""

    accounts: AccountsAPI
    notifications: NotificationsAPI
    projects: ProjectsAPI
    billing: BillingAPI
    streams: StreamsAPI
    tournament: TournamentAPI

    def close(self) -> None:
        """Release what the backend holds."""

    def observability(self) -> tuple[Any, Any]:
        """(ServiceContext for the DB pool and usage totals, StreamsService whose runs this process holds)."""
        return None, None


class LocalBackend(Backend):
    """All services in this process; blocking calls run in worker threads."""

    def __init__(self, settings: Settings, launcher: Any = None) -> None:
        self.services = build_services(settings, ("accounts", "projects", "billing", "streams"), launcher=launcher)
        self.accounts = AccountsClient(InThread(self.services["accounts"]))
        self.notifications = NotificationsClient(InThread(self.services["notifications"]))
        self.projects = ProjectsClient(InThread(self.services["projects"]))
        self.billing = BillingClient(InThread(self.services["billing"]))
        self.streams = StreamsClient(InThread(self.services["streams"]))
        self.tournament = TournamentClient(InThread(self.services["tournament"]))

    def observability(self) -> tuple[Any, Any]:
        """Everything runs here: the database and the streams."""
        return self.services["context"], self.services["streams"]

    def close(self) -> None:
        """Stop streams, finish webhook deliveries, close the database."""
        streams = self.services.get("streams")
        if streams is not None:
            streams.close()
        self.services["notifications"].drain(5.0)
        self.services["context"].close()


@functools.cache
def gateway_reads() -> frozenset[Callable[..., Any]]:
    """Read-only service methods the Serve gateway answers in its own process, from the same database.

    No cache: every call runs its query, so the hottest reads cost one Serve hop instead of two.
    Everything else, and every write, goes to the owning deployment through its handle.
    """
    from ggpgfx.services.accounts import AccountsService
    from ggpgfx.services.projects import ProjectsService

    return frozenset({ProjectsService.list_projects, ProjectsService.get_project, ProjectsService.list_versions,
                      AccountsService.session_role})


class ThroughHandle:
    """A `Bind` that sends each call to a Serve deployment (`ServiceHost.run`) through its handle.

    With a `reader` (a service object of the gateway's own), the methods in `gateway_reads()` run
    here in a worker thread instead. A failure in the deployment comes back as Ray's `RayTaskError`;
    the exception the service raised (its `cause`) is raised again here, so callers see the same
    exceptions as with `InThread`.
    """

    def __init__(self, handle: Any, reader: object | None = None) -> None:
        self.handle = handle
        self.reader = reader

    def __call__(self, method: Callable[Concatenate[Any, P], R]) -> Callable[P, Coroutine[Any, Any, R]]:
        """The awaitable call of `method` on the deployment (or on the local reader)."""
        if self.reader is not None and method in gateway_reads():
            return InThread(self.reader)(method)
        handle = self.handle

        @functools.wraps(method)
        async def call(*args: P.args, **kwargs: P.kwargs) -> R:
            from ray.exceptions import RayTaskError

            try:
                return cast(R, await handle.run.remote(method, args, kwargs))
            except RayTaskError as exc:
                raise exc.cause from None

        return call


def build_gateway_readers(settings: Settings) -> dict[str, Any]:
    """The service objects behind `gateway_reads()`, for the gateway process (no migrations, no webhooks)."""
    from ggpgfx.services.accounts import AccountsService
    from ggpgfx.services.base import ServiceContext
    from ggpgfx.services.projects import ProjectsService

    context = ServiceContext(settings, migrate=False)
    return {"context": context, "projects": ProjectsService(context), "accounts": AccountsService(context)}


class ServeBackend(Backend):
    """Services behind Ray Serve deployment handles; `gateway_reads()` answered in-process when `readers` is given.

    Webhook endpoints (the notifications service) are hosted by the accounts deployment.
    """

    def __init__(self, handles: dict[str, Any], readers: dict[str, Any] | None = None) -> None:
        self.handles = handles
        self.readers = readers
        reader = (readers or {}).get
        self.accounts = AccountsClient(ThroughHandle(handles["accounts"], reader("accounts")))
        self.notifications = NotificationsClient(ThroughHandle(handles["accounts"]))
        self.projects = ProjectsClient(ThroughHandle(handles["projects"], reader("projects")))
        self.billing = BillingClient(ThroughHandle(handles["billing"]))
        self.streams = StreamsClient(ThroughHandle(handles["streams"]))
        self.tournament = TournamentClient(ThroughHandle(handles["projects"]))

    def observability(self) -> tuple[Any, Any]:
        """The gateway's own database connections; streams run in the streams deployment."""
        return (self.readers or {}).get("context"), None

    def close(self) -> None:
        """Close the gateway's own database connections."""
        if self.readers is not None:
            self.readers["context"].close()



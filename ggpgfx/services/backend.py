"""How the HTTP layer reaches the services: in-process objects, or Ray Serve deployment handles."""

from __future__ import annotations

import asyncio
from typing import Any

from ggpgfx.errors import ServiceError
from ggpgfx.services.config import Settings


def invoke(services: dict[str, Any], service: str, method: str, args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Call a service method; return ('ok', value) or ('err', status, message, extra) — picklable either way."""
    target = services.get(service)
    if target is None or method.startswith("_") or not callable(getattr(target, method, None)):
        return ("err", 500, f"no service method {service}.{method}", None)
    try:
        return ("ok", getattr(target, method)(*args, **kwargs))
    except ServiceError as exc:
        return ("err", exc.status_code, str(exc), getattr(exc, "diagnostics", None))


def unwrap(reply: tuple[Any, ...]) -> Any:
    """Turn an `invoke` reply back into a value or a raised ServiceError."""
    if reply[0] == "ok":
        return reply[1]
    error = ServiceError(reply[2], reply[1])
    if reply[3] is not None:
        error.diagnostics = reply[3]  # type: ignore[attr-defined]
    raise error


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
    if "projects" in names:
        services["projects"] = ProjectsService(context)
    if "billing" in names or "streams" in names:
        services["billing"] = BillingService(context, notifications)
    if "streams" in names:
        services["streams"] = StreamsService(context, services["billing"], notifications, launcher)
    return services


class Backend:
    """Routes `call(service, method, ...)` to wherever that service runs."""

    async def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Await one service call; ServiceErrors come back raised."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the backend holds."""


class LocalBackend(Backend):
    """All services in this process; blocking calls run in worker threads."""

    def __init__(self, settings: Settings, launcher: Any = None) -> None:
        self.services = build_services(settings, ("accounts", "projects", "billing", "streams"), launcher=launcher)

    async def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run the method in a thread."""
        return unwrap(await asyncio.to_thread(invoke, self.services, service, method, args, kwargs))

    def close(self) -> None:
        """Stop streams, finish webhook deliveries, close the database."""
        streams = self.services.get("streams")
        if streams is not None:
            streams.close()
        self.services["notifications"].drain(5.0)
        self.services["context"].close()


# Which deployment hosts which service (notifications ride with accounts for the endpoint CRUD).
DEPLOYMENT_OF = {"accounts": "accounts", "notifications": "accounts", "projects": "projects",
                 "billing": "billing", "streams": "streams"}


# Read-only service methods the Serve gateway answers in its own process, from the same database
# (no cache: every call runs its query), so the hottest reads cost one Serve hop instead of two.
# Everything else, and every write, goes to the owning deployment through its handle.
GATEWAY_READS = frozenset({
    ("projects", "list_projects"), ("projects", "get_project"), ("projects", "list_versions"),
    ("accounts", "session_active"), ("accounts", "session_role"),
})


def build_gateway_readers(settings: Settings) -> dict[str, Any]:
    """The service objects behind GATEWAY_READS, for the gateway process (no migrations, no webhooks)."""
    from ggpgfx.services.accounts import AccountsService
    from ggpgfx.services.base import ServiceContext
    from ggpgfx.services.projects import ProjectsService

    context = ServiceContext(settings, migrate=False)
    return {"context": context, "projects": ProjectsService(context), "accounts": AccountsService(context)}


class ServeBackend(Backend):
    """Services behind Ray Serve deployment handles; GATEWAY_READS answered in-process when `readers` is given."""

    def __init__(self, handles: dict[str, Any], readers: dict[str, Any] | None = None) -> None:
        self.handles = handles
        self.readers = readers

    async def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run a gateway read here (in a worker thread), else call the hosting deployment through its handle."""
        if self.readers is not None and (service, method) in GATEWAY_READS:
            return unwrap(await asyncio.to_thread(invoke, self.readers, service, method, args, kwargs))
        handle = self.handles[DEPLOYMENT_OF[service]]
        return unwrap(await handle.call.remote(service, method, args, kwargs))

    def close(self) -> None:
        """Close the gateway's own database connections."""
        if self.readers is not None:
            self.readers["context"].close()

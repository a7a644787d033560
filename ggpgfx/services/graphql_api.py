"""GraphQL (strawberry) with the seed's schema: queries, mutations and WebSocket subscriptions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ggpgfx.errors import ServiceError
from ggpgfx.services import schemas as s
from ggpgfx.services.config import Settings
from ggpgfx.services.graphql_notifications import (
    NotificationsMutation,
    NotificationsQuery,
    NotificationsSubscription,
)
from ggpgfx.services.graphql_tournament import TournamentMutation, TournamentQuery, TournamentSubscription
from ggpgfx.services.security import Principal

if TYPE_CHECKING:
    from ggpgfx.services.backend import Backend

POLL_S = 0.5
MAX_SUBSCRIPTION_S = 3600.0


@strawberry.type
class Project:
    """A project."""

    id: strawberry.ID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    latest_version: int | None

    @staticmethod
    def of(p: s.ProjectOut) -> Project:
        """From the REST model."""
        return Project(id=strawberry.ID(p.id), name=p.name, description=p.description, created_at=p.created_at,
                       updated_at=p.updated_at, latest_version=p.latest_version)


@strawberry.type
class Stream:
    """A stream run."""

    id: strawberry.ID
    project_id: strawberry.ID
    status: str
    error: str | None
    started_at: datetime
    stopped_at: datetime | None
    stats: JSON

    @strawberry.field
    async def analytics(self, info: Info) -> JSON:
        """Show analytics of the stream's event log (as GET /api/v1/streams/{id}/analytics returns them)."""
        result: Any = await _backend(info).streams.analytics(await _principal(info), str(self.id))
        return result  # type: ignore[no-any-return]

    @staticmethod
    def of(x: s.StreamOut) -> Stream:
        """From the REST model."""
        return Stream(id=strawberry.ID(x.id), project_id=strawberry.ID(x.project_id), status=x.status, error=x.error,
                      started_at=x.started_at, stopped_at=x.stopped_at, stats=x.stats)  # type: ignore[arg-type]


@strawberry.type
class AnalyticsJob:
    """A background show-analytics job (a stream's log over the in-process cap): where it stands."""

    id: strawberry.ID
    stream_id: strawberry.ID
    status: str
    stage: str
    progress: float
    logs_done: int
    logs_total: int
    error: str | None

    @strawberry.field
    async def result(self, info: Info) -> JSON | None:
        """The analytics once the job is done (as GET /api/v1/analytics/jobs/{id}/result returns them), else null."""
        if self.status != "done":
            return None
        result: Any = await _backend(info).streams.analytics_job_result(await _principal(info), str(self.id))
        return result  # type: ignore[no-any-return]

    @staticmethod
    def of(job: dict[str, Any]) -> AnalyticsJob:
        """From the REST view of the job."""
        return AnalyticsJob(id=strawberry.ID(job["job_id"]), stream_id=strawberry.ID(job["stream_id"]),
                            status=job["status"], stage=job["stage"], progress=float(job["progress"]),
                            logs_done=job["logs_done"], logs_total=job["logs_total"], error=job["error"])


@strawberry.type
class StreamStatus:
    """A status change of a stream."""

    stream_id: strawberry.ID
    status: str
    error: str | None
    stats: JSON


@strawberry.type
class RenderProgress:
    """Progress of a render job (0..1)."""

    job_id: strawberry.ID
    status: str
    progress: float
    error: str | None


@strawberry.type
class User:
    """A user of the caller's organisation."""

    id: strawberry.ID
    email: str
    display_name: str


@strawberry.input
class ProjectFilter:
    """Filter for `projects`."""

    name_contains: str | None = None
    limit: int = 100
    offset: int = 0


@strawberry.input
class ProjectInput:
    """Fields of a project."""

    name: str
    description: str = ""


@strawberry.input
class StreamSettings:
    """How to start a stream."""

    version: int | None = None
    destination_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    realtime: bool | None = None
    duration_s: float | None = None
    max_frames: int | None = None


async def _principal(info: Info, fresh: bool = False) -> Principal:
    """Authenticate from the HTTP headers, or the WebSocket connection_init payload.

    A WebSocket connection authenticates once, then subscriptions ask again with `fresh=True`
    before every event: a logout, a revoked session or a removed membership ends them.
    """
    context = info.context
    cached = context.get("principal")
    if cached is not None and not fresh:
        return cached  # type: ignore[no-any-return]
    request = context["request"]
    params = context.get("connection_params") or {}
    header = request.headers.get("authorization") or str(params.get("Authorization") or params.get("authorization") or "")
    api_key = request.headers.get("x-api-key") or params.get("X-API-Key") or params.get("api_key")
    token = header[7:].strip() if header.lower().startswith("bearer ") else (header or None)
    ip = request.client.host if request.client else ""
    principal = await request.app.state.authenticator.principal(token, api_key, ip)
    context["principal"] = principal
    return principal  # type: ignore[no-any-return]


def _backend(info: Info) -> Backend:
    """The typed service clients of the app serving this request."""
    backend: Backend = info.context["request"].app.state.backend
    return backend


@strawberry.type
class Query(TournamentQuery, NotificationsQuery):
    """Read operations (the tournament ones in graphql_tournament.py)."""

    @strawberry.field
    async def project(self, info: Info, id: strawberry.ID) -> Project | None:
        """A project of my organisation (null when absent)."""
        try:
            return Project.of(await _backend(info).projects.get_project(await _principal(info), str(id)))
        except ServiceError as exc:
            if exc.status_code == 404:
                return None
            raise

    @strawberry.field
    async def projects(self, info: Info, filter: ProjectFilter | None = None) -> list[Project]:
        """Projects of my organisation."""
        f = filter or ProjectFilter()
        rows = await _backend(info).projects.list_projects(
            await _principal(info), f.name_contains, max(1, min(f.limit, 500)), max(0, min(f.offset, 2**31 - 1)))
        return [Project.of(p) for p in rows]

    @strawberry.field
    async def stream(self, info: Info, id: strawberry.ID) -> Stream | None:
        """A stream (null when absent)."""
        try:
            return Stream.of(await _backend(info).streams.get(await _principal(info), str(id)))
        except ServiceError as exc:
            if exc.status_code == 404:
                return None
            raise

    @strawberry.field
    async def analytics_job(self, info: Info, id: strawberry.ID) -> AnalyticsJob | None:
        """A background show-analytics job of my organisation (null when absent)."""
        try:
            return AnalyticsJob.of(await _backend(info).streams.analytics_job(await _principal(info), str(id)))
        except ServiceError as exc:
            if exc.status_code == 404:
                return None
            raise

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        """A user of my organisation (null when absent)."""
        try:
            u = await _backend(info).accounts.get_user(await _principal(info), str(id))
        except ServiceError as exc:
            if exc.status_code == 404:
                return None
            raise
        return User(id=strawberry.ID(u.id), email=u.email, display_name=u.display_name)


@strawberry.type
class Mutation(TournamentMutation, NotificationsMutation):
    """Write operations (the tournament ones in graphql_tournament.py)."""

    @strawberry.mutation
    async def create_project(self, info: Info, input: ProjectInput) -> Project:
        """Create a project."""
        body = s.ProjectIn(name=input.name, description=input.description)
        return Project.of(await _backend(info).projects.create_project(await _principal(info), body))

    @strawberry.mutation
    async def update_project(self, info: Info, id: strawberry.ID, input: ProjectInput) -> Project:
        """Update a project."""
        body = s.ProjectUpdate(name=input.name, description=input.description)
        return Project.of(await _backend(info).projects.update_project(await _principal(info), str(id), body))

    @strawberry.mutation
    async def start_stream(self, info: Info, project_id: strawberry.ID, settings: StreamSettings) -> Stream:
        """Start a project's graph."""
        run = {k: v for k, v in (("realtime", settings.realtime), ("duration_s", settings.duration_s),
                                 ("max_frames", settings.max_frames)) if v is not None}
        body = s.StreamStartIn(project_id=str(project_id), version=settings.version,
                               destination_ids=[str(d) for d in settings.destination_ids], settings=run)
        return Stream.of(await _backend(info).streams.start(await _principal(info), body))

    @strawberry.mutation
    async def stop_stream(self, info: Info, stream_id: strawberry.ID) -> Stream:
        """Stop a stream."""
        body = s.StreamStopIn(stream_id=str(stream_id))
        return Stream.of(await _backend(info).streams.stop(await _principal(info), body))

    @strawberry.mutation
    async def studio_render(self, info: Info, session: str, hands: str | None = None, skin: str | None = None,
                            aspect: str | None = None, graphics_only: bool = False,
                            project_id: strawberry.ID | None = None) -> RenderProgress:
        """Re-render a recorded studio session of my organisation (producer or above); the job's progress
        comes through the `renderProgress` subscription."""
        from pydantic import ValidationError

        from ggpgfx.services.routes_studio import StudioRenderIn
        from ggpgfx.services.studio import start_metered_render

        principal = await _principal(info)
        principal.require("producer")
        try:
            body = StudioRenderIn(session=session, hands=hands, skin=skin, aspect=aspect,  # type: ignore[arg-type]
                                  graphics_only=graphics_only, project_id=str(project_id) if project_id else None)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ServiceError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", 422) from None
        job = await start_metered_render(info.context["request"], principal, body)
        return RenderProgress(job_id=strawberry.ID(job["job_id"]), status=job["status"],
                              progress=float(job["progress"]), error=job["error"])

    @strawberry.mutation
    async def control_table(self, info: Info, stream_id: strawberry.ID, table: str, verb: str, id: str,
                            args: JSON | None = None, expect_version: int | None = None) -> ControlReply:
        """One control-protocol request (docs/console.md) for a running stream's table (producer or above)."""
        request: dict[str, Any] = {"id": id, "verb": verb, "args": args or {}}
        if expect_version is not None:
            request["expect_version"] = expect_version
        principal = await _principal(info)
        reply = await _backend(info).streams.control_request(principal, str(stream_id), table, request)
        error = reply.get("error") or {}
        return ControlReply(type=reply["type"], id=reply.get("id"), version=reply.get("version"),
                            code=error.get("code"), message=error.get("message"))


@strawberry.type
class ControlReply:
    """The control protocol's ack or reject for one request."""

    type: str
    id: str | None
    version: int | None
    code: str | None
    message: str | None


@strawberry.type
class TableStateUpdate:
    """A table's protocol state (docs/console.md) at a version."""

    stream_id: strawberry.ID
    table: str
    version: int
    state: JSON


@strawberry.type
class Subscription(TournamentSubscription, NotificationsSubscription):
    """Live updates over WebSocket (graphql-transport-ws or graphql-ws); tournamentState in graphql_tournament.py."""

    @strawberry.subscription
    async def project_updated(self, info: Info, project_id: strawberry.ID) -> AsyncGenerator[Project, None]:
        """The project now, then every time it changes."""
        last: Any = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_SUBSCRIPTION_S
        while loop.time() < deadline:
            project = await _backend(info).projects.get_project(await _principal(info, fresh=True), str(project_id))
            key = (project.updated_at, project.latest_version)
            if key != last:
                last = key
                yield Project.of(project)
            await asyncio.sleep(POLL_S)

    @strawberry.subscription
    async def stream_status(self, info: Info, stream_id: strawberry.ID) -> AsyncGenerator[StreamStatus, None]:
        """The stream's status now and on every change; ends when the stream ends."""
        last: Any = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_SUBSCRIPTION_S
        while loop.time() < deadline:
            stream = await _backend(info).streams.get(await _principal(info, fresh=True), str(stream_id))
            if (stream.status, stream.stats) != last:
                last = (stream.status, stream.stats)
                yield StreamStatus(stream_id=strawberry.ID(stream.id), status=stream.status, error=stream.error,
                                   stats=stream.stats)  # type: ignore[arg-type]
            if stream.status not in ("starting", "running"):
                return
            await asyncio.sleep(POLL_S)

    @strawberry.subscription
    async def table_state(self, info: Info, stream_id: strawberry.ID,
                          table: str = "table-1") -> AsyncGenerator[TableStateUpdate, None]:
        """A stream's table state now and at every new version (the control protocol's `state` object)."""
        last = -1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_SUBSCRIPTION_S
        while loop.time() < deadline:
            principal = await _principal(info, fresh=True)
            state = await _backend(info).streams.control_state(principal, str(stream_id), table)
            if int(state["version"]) != last:
                last = int(state["version"])
                yield TableStateUpdate(stream_id=stream_id, table=table, version=last,
                                       state=state)  # type: ignore[arg-type]  # JSON scalar
            await asyncio.sleep(POLL_S)

    @strawberry.subscription
    async def render_progress(self, info: Info, job_id: strawberry.ID) -> AsyncGenerator[RenderProgress, None]:
        """Progress of a render job of my organisation until it is done or failed."""
        jobs = info.context["request"].app.state.render_jobs
        last: Any = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 600.0
        while loop.time() < deadline:
            principal = await _principal(info, fresh=True)
            job = jobs.get(str(job_id), principal.organization_id)
            if job is None:
                raise ServiceError(f"render job '{job_id}' not found", 404)
            if (job["status"], job["progress"]) != last:
                last = (job["status"], job["progress"])
                yield RenderProgress(job_id=strawberry.ID(job["job_id"]), status=job["status"],
                                     progress=float(job["progress"]), error=job["error"])
            if job["status"] in ("done", "failed"):
                return
            await asyncio.sleep(POLL_S)


# Each top-level field is a service call (a database query or more); nested fields are cheap, except the
# nested fields that are service calls of their own (a stream's analytics replays its event log, a job's
# result is fetched from the streams service).
TOP_LEVEL_FIELD_COST = 10
SERVICE_FIELDS = frozenset({"analytics", "result"})


def _cost_rule(max_cost: int) -> Any:
    """A validation rule refusing operations whose cost (1 per field, TOP_LEVEL_FIELD_COST per top-level
    field, fragments expanded) is above `max_cost`, before anything runs."""
    from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, ValidationRule

    class CostLimit(ValidationRule):
        """Refuse expensive operations."""

        def _cost(self, selection_set: Any, top: bool, seen: frozenset[str]) -> int:
            total = 0
            for selection in selection_set.selections if selection_set else ():
                if isinstance(selection, FieldNode):
                    total += TOP_LEVEL_FIELD_COST if top or selection.name.value in SERVICE_FIELDS else 1
                    total += self._cost(selection.selection_set, False, seen)
                elif isinstance(selection, InlineFragmentNode):
                    total += self._cost(selection.selection_set, top, seen)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    fragment = self.context.get_fragment(selection.name.value)
                    if fragment is not None:
                        total += self._cost(fragment.selection_set, top, seen | {selection.name.value})
                if total > max_cost:
                    break
            return total

        def enter_operation_definition(self, node: Any, *_args: Any) -> None:
            """Cost of one operation."""
            cost = self._cost(node.selection_set, True, frozenset())
            if cost > max_cost:
                self.report_error(GraphQLError(
                    f"query is too expensive: cost {cost} > {max_cost} (1 per field, {TOP_LEVEL_FIELD_COST} per "
                    "top-level field); split it into smaller queries", node))

    return CostLimit


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the limits of `settings`: depth, aliases, cost, and introspection off unless enabled."""
    from strawberry.extensions import (
        AddValidationRules,
        DisableIntrospection,
        MaxAliasesLimiter,
        QueryDepthLimiter,
    )

    cfg = settings or _default_limits()
    extensions: list[Any] = [
        QueryDepthLimiter(max_depth=cfg.graphql_max_depth),
        MaxAliasesLimiter(max_alias_count=cfg.graphql_max_aliases),
        AddValidationRules([_cost_rule(cfg.graphql_max_cost)]),
    ]
    if not cfg.graphql_introspection:
        extensions.append(DisableIntrospection())
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


def _default_limits() -> Settings:
    from pathlib import Path

    return Settings(home=Path("."), database_url="", secret_key=b"", jwt_key=b"")


schema = build_schema()


def graphql_router(settings: Settings | None = None) -> Any:
    """The FastAPI router serving GraphQL over HTTP and WebSocket at its mount point (GraphiQL only when
    introspection is turned on)."""
    from strawberry.fastapi import GraphQLRouter
    from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

    cfg = settings or _default_limits()
    return GraphQLRouter(build_schema(cfg), subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
                         graphql_ide="graphiql" if cfg.graphql_introspection else None,
                         max_subscriptions_per_connection=cfg.graphql_max_subscriptions)

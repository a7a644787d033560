"""The FastAPI app: one factory used by plain uvicorn (tests, baseline) and by the Serve gateway."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from ggpgfx.services.backend import Backend
from ggpgfx.services.config import Settings

API_TITLE = "ggpgfx platform API"


def create_app(backend: Backend, settings: Settings, graphql: bool = True) -> Any:
    """Build the API app around a backend (LocalBackend or ServeBackend)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import JSONResponse

    from ggpgfx.errors import ServiceError
    from ggpgfx.services.auth import Authenticator
    from ggpgfx.services.console_static import mount_console
    from ggpgfx.services.graphics import RenderJobs
    from ggpgfx.services.middleware import BodySizeLimit, RateLimit, WebSocketRateLimit
    from ggpgfx.services.routes_accounts import router as accounts_router
    from ggpgfx.services.routes_analytics import router as analytics_router
    from ggpgfx.services.routes_notifications import router as notifications_router
    from ggpgfx.services.routes_ops import router as ops_router
    from ggpgfx.services.routes_projects import router as projects_router
    from ggpgfx.services.routes_studio import router as studio_router
    from ggpgfx.services.routes_tournament import events_router, players_router
    from ggpgfx.services.security import TokenSigner

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        """Release the backend when the server stops."""
        yield
        backend.close()

    app = FastAPI(lifespan=lifespan, title=API_TITLE, version="1.0.0", docs_url="/docs", openapi_url="/openapi.json",
                  description="Accounts, projects, streams, billing and graphics of a ggpgfx installation.")
    app.state.backend = backend
    app.state.settings = settings
    app.state.render_jobs = RenderJobs()
    signer = TokenSigner(settings.jwt_key, settings.jwt_issuer, settings.jwt_audience, settings.access_ttl_s)
    app.state.authenticator = Authenticator(signer, backend)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        """ServiceError -> its status with a JSON `detail`."""
        diagnostics = getattr(exc, "diagnostics", None)
        if exc.status_code == 422:  # keep 422 bodies in FastAPI's validation-error shape
            items = diagnostics or [{"line": 0, "col": 0, "text": str(exc)}]
            where = getattr(exc, "field", "yaml")  # the body field the line numbers refer to (a CSV import: csv)
            detail: Any = [{"loc": ["body", where, d.get("line", 0), d.get("col", 0)], "msg": d.get("text", str(exc)),
                            "type": (f"{where}_error" if where != "yaml" else "graph_error") if diagnostics else "value_error"}
                    for d in items]
        else:
            detail = str(exc)
        headers = {"www-authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        """Validation errors without echoing the input back (it may hold secrets)."""
        from fastapi.encoders import jsonable_encoder

        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.get("/api/v1/health", tags=["health"])
    async def health() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    app.include_router(accounts_router)
    app.include_router(projects_router)
    app.include_router(ops_router)
    app.include_router(notifications_router)
    app.include_router(analytics_router)
    app.include_router(players_router)
    app.include_router(events_router)
    app.include_router(studio_router)
    from ggpgfx.services.control_proxy import router as control_router

    app.include_router(control_router)
    if graphql:
        from ggpgfx.services.graphql_api import graphql_router

        app.include_router(graphql_router(settings), prefix="/graphql", include_in_schema=False)
    mount_console(app)

    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                       allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type", "X-API-Key"])
    app.add_middleware(RateLimit, rate_per_s=settings.rate_limit_per_s, burst=settings.rate_limit_burst)
    app.add_middleware(WebSocketRateLimit, rate_per_s=settings.ws_rate_per_s, burst=settings.ws_burst)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       overrides={"/assets": 20 * 1024 * 1024 + 64 * 1024, "/photo": 20 * 1024 * 1024 + 64 * 1024})
    from ggpgfx.services.ops_metrics import install_observability

    install_observability(app, backend, settings.metrics_token)

    return app


def create_local_app(settings: Settings | None = None, launcher: Any = None) -> Any:
    """The app with every service in this process (plain `uvicorn`)."""
    from ggpgfx.services.backend import LocalBackend
    from ggpgfx.services.config import load_settings

    settings = settings or load_settings()
    return create_app(LocalBackend(settings, launcher=launcher), settings)

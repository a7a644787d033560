"""The API's `/metrics`: request metrics, the database pool, billing usage totals and managed streams' nodes."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from fastapi import Request, Response

from ggpgfx.telemetry.api_metrics import ApiMetrics, PlatformMetrics
from ggpgfx.telemetry.catalog import BY_NAME
from ggpgfx.telemetry.tracing import RequestTracing, configure_from_env


class UsageTotals:
    """`ggp_billing_usage_total` read from the usage records at scrape time (the same rows invoices sum)."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def describe(self) -> list[Any]:
        """Families are only known at collect time."""
        return []

    def collect(self) -> Iterator[Any]:
        """One sample per organisation and metric."""
        from prometheus_client.core import CounterMetricFamily
        from sqlalchemy import func, select

        from ggpgfx.services.models import UsageRecord

        d = BY_NAME["ggp_billing_usage"]
        family = CounterMetricFamily(d.name, d.help, labels=list(d.labels))
        with self.context.sessions() as session:
            rows = session.execute(select(UsageRecord.organization_id, UsageRecord.metric, func.sum(UsageRecord.quantity))
                                   .group_by(UsageRecord.organization_id, UsageRecord.metric)).all()
        for organisation, metric, total in rows:
            family.add_metric([organisation, metric], float(total or 0.0))
        yield family


def install_observability(app: Any, backend: Any, token: str | None) -> PlatformMetrics:
    """Count requests, serve `/metrics` (a bearer token when `token` is set) and trace requests when
    OTLP is configured (outermost middlewares: they see what the guards refuse too)."""
    metrics = PlatformMetrics()
    context, streams = backend.observability()
    if context is not None:
        metrics.watch_pool(context.engine)
        metrics.registry.register(UsageTotals(context))  # type: ignore[arg-type]
    if streams is not None:
        metrics.registry.register(streams.graph_metrics)
        metrics.streams_active.set_function(lambda: float(len(streams.runs)))
    app.state.metrics = metrics

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus text exposition of the platform and its managed streams."""
        if token:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return Response('{"detail":"metrics need the bearer token"}', status_code=401,
                                media_type="application/json", headers={"www-authenticate": "Bearer"})
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    app.add_middleware(ApiMetrics, metrics=metrics)
    configure_from_env()
    app.add_middleware(RequestTracing)  # passes straight through while tracing is off
    return metrics

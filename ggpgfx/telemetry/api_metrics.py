"""Platform metrics of the API: requests per route, latency histogram, errors, DB pool, billing usage.

`ApiMetrics` is a pure-ASGI middleware; the route label is the matched route's template
(`/api/v1/streams/{stream_id}`), never the raw path, so the number of series stays bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ggpgfx.telemetry.catalog import API_BUCKETS_S, BY_NAME

UNMATCHED = "unmatched"


class PlatformMetrics:
    """The platform's metric families in their own registry (one per app, so tests can build many apps)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        disable_created_metrics()  # `*_created` series only add noise (and are not in the catalogue)
        self.registry = CollectorRegistry(auto_describe=True)

        def doc(name: str) -> dict[str, Any]:
            d = BY_NAME[name]
            return {"name": d.name, "documentation": d.help, "labelnames": list(d.labels), "registry": self.registry}

        self.requests = Counter(**doc("ggp_api_requests"))
        self.duration = Histogram(**doc("ggp_api_request_duration_seconds"), buckets=API_BUCKETS_S)
        self.errors = Counter(**doc("ggp_api_request_errors"))
        self.in_flight = Gauge(**doc("ggp_api_requests_in_flight"))
        self.pool_size = Gauge(**doc("ggp_db_pool_size"))
        self.pool_checked_out = Gauge(**doc("ggp_db_pool_checked_out"))
        self.pool_overflow = Gauge(**doc("ggp_db_pool_overflow"))
        self.streams_active = Gauge(**doc("ggp_streams_active"))

    def watch_pool(self, engine: Any) -> None:
        """Read the SQLAlchemy pool's numbers at every scrape (pools without them report 0)."""
        pool = engine.pool

        def reader(attr: str) -> Callable[[], float]:
            def read() -> float:
                value = getattr(pool, attr, None)
                try:
                    return float(value()) if callable(value) else 0.0
                except Exception:
                    return 0.0
            return read

        self.pool_size.set_function(reader("size"))
        self.pool_checked_out.set_function(reader("checkedout"))
        self.pool_overflow.set_function(lambda: max(0.0, reader("overflow")()))

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of the registry and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_template(scope: dict[str, Any]) -> str:
    """The matched route's path template, or 'unmatched'."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class ApiMetrics:
    """Counts every HTTP request by route template, method and status, and times it."""

    def __init__(self, app: Any, metrics: PlatformMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        began = time.perf_counter()

        async def tracking_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        m = self.metrics
        m.in_flight.inc()
        try:
            await self.app(scope, receive, tracking_send)
        except BaseException:
            status = 500
            raise
        finally:
            m.in_flight.dec()
            method, route = scope.get("method", "GET"), route_template(scope)
            m.requests.labels(method, route, str(status)).inc()
            m.duration.labels(method, route).observe(time.perf_counter() - began)
            if status >= 500:
                m.errors.labels(method, route).inc()

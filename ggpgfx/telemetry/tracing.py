"""OpenTelemetry traces of API requests and the stream lifecycle, exported over OTLP when configured.

Off by default: spans go to OpenTelemetry's no-op tracer unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, in which case `configure_from_env` installs an SDK provider
with a batching OTLP/HTTP exporter. `GGP_TRACING=0` keeps it off even then. Tests hand their own provider
(with the SDK's in-memory exporter) to `use_provider`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

SERVICE_NAME = "ggpgfx"
_provider: Any = None
_lock = threading.Lock()


def use_provider(provider: Any) -> None:
    """Send ggpgfx spans to this TracerProvider (None: back to the global one, a no-op unless configured)."""
    global _provider
    _provider = provider


def enabled() -> bool:
    """True when spans go somewhere (a provider was configured or handed in)."""
    return _provider is not None


def tracer() -> Any:
    """The ggpgfx tracer."""
    from opentelemetry import trace

    provider = _provider or trace.get_tracer_provider()
    return provider.get_tracer("ggpgfx")


def configure_from_env(service_name: str = SERVICE_NAME) -> bool:
    """Install an OTLP exporter when the standard OTEL_EXPORTER_OTLP_* variables ask for one; True if on."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not endpoint or os.environ.get("GGP_TRACING", "1") == "0":
        return enabled()
    with _lock:
        if _provider is not None:
            return True
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as exc:
            log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but tracing is unavailable (%s); install "
                        "'ggpgfx[services]'", exc)
            return False
        name = os.environ.get("OTEL_SERVICE_NAME", service_name)
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # reads the OTEL_* variables
        use_provider(provider)
    log.info("tracing: OTLP spans to %s as service %s", endpoint, name)
    return True


class RequestTracing:
    """A pure-ASGI middleware: one SERVER span per HTTP request, named `METHOD /route/{template}`.

    A `traceparent` header from the caller continues its trace.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not enabled():
            await self.app(scope, receive, send)
            return
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind, Status, StatusCode

        from ggpgfx.telemetry.api_metrics import route_template

        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope.get("method", "GET")
        status = 500
        began = time.perf_counter()

        async def tracking_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with tracer().start_as_current_span(f"{method} {scope.get('path', '')}", kind=SpanKind.SERVER,
                                            context=propagate.extract(carrier),
                                            record_exception=True, set_status_on_exception=True) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("url.path", scope.get("path", ""))
            try:
                await self.app(scope, receive, tracking_send)
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                span.set_attribute("ggp.duration_ms", round((time.perf_counter() - began) * 1000, 3))
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))

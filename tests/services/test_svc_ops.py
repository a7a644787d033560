"""Operations: /metrics (requests per route, DB pool, billing usage, managed streams' nodes) and traces."""

from __future__ import annotations

import time
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from svc_helpers import GRAPH_YAML, Org, make_org

from ggpgfx.telemetry.catalog import known_series


@pytest.fixture(scope="module")
def org_ops(client: Any) -> Org:
    """A tenant of its own (free plan: one stream at a time)."""
    return make_org(client, "ops")


def _scrape(client: Any) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def _start(client: Any, headers: dict[str, str]) -> tuple[str, str]:
    project = client.post("/api/v1/projects", json={"name": "ops"}, headers=headers).json()["id"]
    assert client.post(f"/api/v1/projects/{project}/versions", json={"yaml": GRAPH_YAML},
                       headers=headers).status_code == 201
    started = client.post("/api/v1/streams/start", json={"project_id": project, "settings": {"realtime": True}},
                          headers=headers)
    assert started.status_code == 201, started.text
    return project, started.json()["id"]


def test_metrics_cover_routes_pool_usage_and_stream_nodes(client: Any, org_ops: Org) -> None:
    headers = org_ops.headers["producer"]
    assert client.get("/api/v1/no/such/route", headers=headers).status_code == 404
    project, stream_id = _start(client, headers)
    try:
        time.sleep(0.8)
        samples = _scrape(client)
        assert set(samples) <= known_series()
        nodes = [(lab, v) for lab, v in samples["ggp_node_messages_out_total"] if lab["stream"] == stream_id]
        assert nodes and all(lab["organisation"] == org_ops.id and lab["project"] == project for lab, _ in nodes)
        assert {lab["node"] for lab, _ in nodes} == {"src", "out"}
        assert max(v for _, v in nodes) > 0
        assert [v for lab, v in samples["ggp_streams_active"]][0] >= 1
    finally:
        stopped = client.post("/api/v1/streams/stop", json={"stream_id": stream_id}, headers=headers)
        assert stopped.status_code == 200
    samples = _scrape(client)
    assert not [lab for lab, _ in samples.get("ggp_node_messages_out_total", []) if lab["stream"] == stream_id]
    starts = [v for lab, v in samples["ggp_api_requests_total"]
              if lab == {"method": "POST", "route": "/api/v1/streams/start", "status": "201"}]
    assert starts and starts[0] >= 1
    assert [v for lab, v in samples["ggp_api_requests_total"] if lab["route"] == "unmatched" and lab["status"] == "404"]
    assert not [lab for lab, _ in samples["ggp_api_requests_total"] if "no/such" in lab["route"]]
    counts = [v for lab, v in samples["ggp_api_request_duration_seconds_count"]
              if lab["route"] == "/api/v1/streams/{stream_id}" or lab["route"] == "/api/v1/streams/stop"]
    assert counts and counts[0] >= 1
    usage = {lab["metric"]: v for lab, v in samples["ggp_billing_usage_total"] if lab["organisation"] == org_ops.id}
    assert usage["stream_minutes"] > 0
    assert "ggp_db_pool_checked_out" in samples and "ggp_db_pool_size" in samples


def test_metrics_token_is_required_when_set() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ggpgfx.services.ops_metrics import install_observability

    class NoBackend:
        def observability(self) -> tuple[None, None]:
            return None, None

    app = FastAPI()
    install_observability(app, NoBackend(), "s3cret")
    with TestClient(app) as test_client:
        assert test_client.get("/metrics").status_code == 401
        assert test_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = test_client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and "ggp_api_requests_total" in ok.text


def test_traces_of_requests_and_the_stream_lifecycle(client: Any, org_ops: Org) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    from ggpgfx.telemetry.tracing import use_provider

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_provider(provider)
    try:
        headers = org_ops.headers["producer"]
        caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        _, stream_id = _start(client, {**headers, "traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"})
        client.post("/api/v1/streams/stop", json={"stream_id": stream_id}, headers=headers)
    finally:
        use_provider(None)
    spans = {s.name: s for s in exporter.get_finished_spans()}
    request = spans["POST /api/v1/streams/start"]
    assert request.kind == SpanKind.SERVER and request.attributes["http.response.status_code"] == 201
    assert format(request.context.trace_id, "032x") == caller_trace  # the caller's traceparent continues
    start = spans["stream.start"]
    assert start.parent is not None and start.parent.span_id == request.context.span_id
    assert start.attributes["ggp.stream"] == stream_id
    for child in ("stream.prepare", "stream.placement"):
        assert spans[child].parent is not None and spans[child].parent.span_id == start.context.span_id
    running, stop = spans["stream.running"], spans["stream.stop"]
    assert running.attributes["ggp.status"] == "stopped"
    assert spans["stream.placement"].end_time <= running.start_time <= stop.start_time <= running.end_time
    assert spans["POST /api/v1/streams/stop"].context.trace_id == stop.context.trace_id

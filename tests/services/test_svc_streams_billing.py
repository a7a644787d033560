"""Streams on the real runtime, plan limits, usage metering, invoices, payment webhooks, signed notifications."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from svc_helpers import GRAPH_YAML, Org, activate_plan, make_org

TWO_SOURCES = """name: two-cams
nodes:
  cam1: {type: ingest.test_pattern, params: {width: 32, height: 32}}
  cam2: {type: ingest.test_pattern, params: {width: 32, height: 32}}
  out1: {type: sink.null}
  out2: {type: sink.null}
edges:
  - cam1.video -> out1.inp
  - cam2.video -> out2.inp
"""


class Receiver:
    """A real HTTP server on 127.0.0.1 that fails the first `fail_first` posts with 500."""

    def __init__(self, fail_first: int = 1) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.received.append((dict(self.headers), body))
                status = 500 if len(outer.received) <= outer.fail_first else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def org_c(client: Any) -> Org:
    """A tenant of its own (free plan) for limit and metering checks."""
    return make_org(client, "charlie")


@pytest.fixture
def fast_retries(client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Shorter webhook retry delays; returns the notifications service."""
    from ggpgfx.services.notifications import NotificationsService

    monkeypatch.setattr(NotificationsService, "retry_delays_s", (0.05, 0.05, 0.05))
    return client.app.state.backend.services["notifications"]


def _project(client: Any, headers: dict[str, str], yaml_text: str = GRAPH_YAML) -> str:
    project = client.post("/api/v1/projects", json={"name": "s"}, headers=headers).json()["id"]
    assert client.post(f"/api/v1/projects/{project}/versions", json={"yaml": yaml_text}, headers=headers).status_code == 201
    return str(project)


def test_stream_lifecycle_metering_and_notifications(client: Any, org_c: Org, fast_retries: Any) -> None:
    """Start runs the graph (live metrics), stop ends it, usage is metered, signed webhooks are retried."""
    receiver = Receiver(fail_first=1)
    try:
        hook = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["stream.started"]},
                           headers=org_c.headers["admin"]).json()
        headers = org_c.headers["producer"]
        project = _project(client, headers)
        started = client.post("/api/v1/streams/start", json={"project_id": project, "settings": {"realtime": True}},
                              headers=headers)
        assert started.status_code == 201, started.text
        stream_id = started.json()["id"]
        assert started.json()["status"] == "running"
        time.sleep(0.6)
        status = client.get(f"/api/v1/streams/{stream_id}", headers=org_c.headers["viewer"]).json()
        assert status["status"] == "running"
        assert status["stats"], "live per-node metrics expected while running"
        # the free plan allows one table: a second concurrent stream is refused with the limit named
        second = client.post("/api/v1/streams/start", json={"project_id": project}, headers=headers)
        assert second.status_code == 402 and "tables" in second.json()["detail"]
        stopped = client.post("/api/v1/streams/stop", json={"stream_id": stream_id}, headers=headers)
        assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
        usage = client.get("/api/v1/billing/usage", headers=org_c.headers["admin"]).json()["totals"]
        assert usage["stream_minutes"] > 0.005
        fast_retries.drain(10)
        assert len(receiver.received) == 2  # one 500, one success
        for headers_in, body in receiver.received:
            event = json.loads(body)
            assert event["type"] == "stream.started" and event["data"]["stream_id"] == stream_id
            t, v1 = (part.split("=", 1)[1] for part in headers_in["X-GGP-Signature"].split(","))
            expected = hmac.new(hook["secret"].encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(v1, expected)
        log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=org_c.headers["admin"]).json()
        assert sorted((d["attempt"], d["delivered"], d["status_code"]) for d in log) == [(1, False, 500), (2, True, 200)]
    finally:
        receiver.close()


def test_plan_limits_on_sources(client: Any, settings: Any, org_c: Org) -> None:
    """Two video sources exceed the free plan (1); the pro plan allows them."""
    headers = org_c.headers["producer"]
    project = _project(client, headers, TWO_SOURCES)
    refused = client.post("/api/v1/streams/start", json={"project_id": project}, headers=headers)
    assert refused.status_code == 402 and "video sources" in refused.json()["detail"]
    activate_plan(client, settings.stripe_webhook_secret, org_c.id, "pro")
    started = client.post("/api/v1/streams/start", json={"project_id": project}, headers=headers)
    assert started.status_code == 201, started.text
    client.post("/api/v1/streams/stop", json={"stream_id": started.json()["id"]}, headers=headers)
    activate_plan(client, settings.stripe_webhook_secret, org_c.id, "free")


def test_finished_graph_is_reported(client: Any, org_c: Org) -> None:
    """A graph that ends by itself shows up as stopped with its final metrics metered."""
    headers = org_c.headers["producer"]
    project = _project(client, headers, GRAPH_YAML.replace("frames: 100000", "frames: 3"))
    stream = client.post("/api/v1/streams/start", json={"project_id": project, "settings": {"realtime": False}},
                         headers=headers).json()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        current = client.get(f"/api/v1/streams/{stream['id']}", headers=headers).json()
        if current["status"] != "running":
            break
        time.sleep(0.1)
    assert current["status"] == "stopped" and current["stopped_at"] is not None


def _stripe_signature(secret: str, payload: bytes, at: int | None = None) -> str:
    at = at or int(time.time())
    return f"t={at},v1=" + hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()


def test_invoice_and_stripe_webhook(client: Any, org_c: Org, settings: Any) -> None:
    """Invoices carry the plan fee and metered lines; a signed webhook pays them exactly once."""
    owner = org_c.headers["owner"]
    activate_plan(client, settings.stripe_webhook_secret, org_c.id, "pro")
    invoice = client.post("/api/v1/billing/invoices", json={"year": 2031, "month": 5}, headers=owner)
    assert invoice.status_code == 201, invoice.text
    body = invoice.json()
    assert body["status"] == "open" and body["total_cents"] == 9900
    assert [line["metric"] for line in body["lines"]] == ["plan", "stream_minutes", "gpu_seconds", "output_bytes",
                                                     "render_minutes"]
    assert client.post("/api/v1/billing/invoices", json={"year": 2031, "month": 5}, headers=owner).status_code == 409
    event = {"id": "evt_test_1", "type": "invoice.paid", "data": {"object": {
        "id": "in_123", "metadata": {"ggp_organization_id": org_c.id, "ggp_invoice_id": body["id"]}}}}
    payload = json.dumps(event).encode()
    url = "/api/v1/billing/webhooks/stripe"
    secret = settings.stripe_webhook_secret
    bad = client.post(url, content=payload, headers={"Stripe-Signature": _stripe_signature("wrong", payload)})
    assert bad.status_code == 400
    stale = client.post(url, content=payload,
                        headers={"Stripe-Signature": _stripe_signature(secret, payload, int(time.time()) - 3600)})
    assert stale.status_code == 400
    first = client.post(url, content=payload, headers={"Stripe-Signature": _stripe_signature(secret, payload)})
    assert first.status_code == 200 and first.json()["status"] == "processed"
    replay = client.post(url, content=payload, headers={"Stripe-Signature": _stripe_signature(secret, payload)})
    assert replay.json()["status"] == "duplicate"
    paid = client.get(f"/api/v1/billing/invoices/{body['id']}", headers=owner).json()
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    activate_plan(client, settings.stripe_webhook_secret, org_c.id, "free")


def test_usage_priced_on_invoice(client: Any, settings: Any) -> None:
    """Metered usage turns into line items at the plan's unit prices (service level, fixed quantities)."""
    from ggpgfx.services import schemas as s
    from ggpgfx.services.billing import PLANS, month_bounds
    from ggpgfx.services.models import UsageRecord
    from ggpgfx.services.security import Principal

    services = client.app.state.backend.services
    org = make_org(client, "delta")
    principal = Principal(organization_id=org.id, role="owner", user_id=org.users["owner"])
    activate_plan(client, settings.stripe_webhook_secret, org.id, "pro")
    start, _ = month_bounds(2032, 2)
    with services["context"].session() as session:
        for metric, quantity in (("stream_minutes", 90.0), ("gpu_seconds", 500.0), ("output_bytes", 2e9)):
            session.add(UsageRecord(organization_id=org.id, metric=metric, quantity=quantity, recorded_at=start))
    invoice = services["billing"].create_invoice(principal, s.InvoiceIn(year=2032, month=2))
    prices = PLANS["pro"].prices_cents
    expected = 9900 + round(90 * prices["stream_minutes"]) + round(500 * prices["gpu_seconds"]) + round(2e9 * prices["output_bytes"])
    assert invoice.total_cents == expected == 9900 + 90 + 10 + 10


def test_finished_stream_keeps_its_final_stats(client: Any, org_c: Org) -> None:
    """A stream run to its end through the API still reports its per-node statistics afterwards."""
    headers = org_c.headers["producer"]
    project = _project(client, headers, GRAPH_YAML.replace("frames: 100000", "frames: 5"))
    stream = client.post("/api/v1/streams/start", json={"project_id": project, "settings": {"realtime": False}},
                         headers=headers).json()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        current = client.get(f"/api/v1/streams/{stream['id']}", headers=headers).json()
        if current["status"] != "running":
            break
        time.sleep(0.1)
    assert current["status"] == "stopped", current
    assert current["stats"]["out"]["messages_in"] == 5, current["stats"]
    listed = {s["id"]: s for s in client.get("/api/v1/streams/status", headers=headers).json()}
    assert listed[stream["id"]]["stats"] == current["stats"]


def test_a_live_table_counts_its_camera_not_its_console_or_rfid() -> None:
    """ingest.operator and ingest.rfid feed the table, not the video: graphs/live_table.yaml fits the free plan."""
    from pathlib import Path

    from ggpgfx.graph.load import load_graph
    from ggpgfx.services.streams import graph_demand

    live = load_graph(Path(__file__).resolve().parents[2] / "graphs" / "live_table.yaml")
    assert {n.spec.type for n in live.nodes.values()} >= {"ingest.operator", "ingest.rfid", "ingest.test_pattern"}
    assert graph_demand(live)["video_sources"] == 1

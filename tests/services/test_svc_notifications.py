"""Notifications: preferences, email through a real SMTP server (aiosmtpd), the console centre (REST,
GraphQL query and subscription), the Alertmanager receiver, retries and a failing channel not blocking others."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from svc_helpers import GRAPH_YAML, Org, activate_plan, free_port, make_org, send_stripe_event

Q = "/graphql"


class Inbox:
    """aiosmtpd handler keeping every message; `hold` makes DATA wait (a hung mail server)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.hold = threading.Event()
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        while self.hold.is_set():
            await asyncio.sleep(0.02)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.messages)} of {count} mails arrived"
                self.arrived.wait(left)


@pytest.fixture
def smtp(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that the app sends to; fast retries."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = client.app.state.settings
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    monkeypatch.setattr(settings, "smtp_from", "ggpgfx <ops@ggp.test>")
    monkeypatch.setattr(settings, "alerts_token", "alert-token-1")
    monkeypatch.setattr(notifier(client), "retry_delays_s", (0.05, 0.1))
    try:
        yield inbox
    finally:
        inbox.hold.clear()
        notifier(client).drain(20)
        controller.stop()


def notifier(client: Any) -> Any:
    """The app's UserNotifier (LocalBackend)."""
    return client.app.state.backend.services["notifications"].users


def alert(org: Org, name: str = "GgpEncoderBelowRealTime", status: str = "firing", stream: str = "s1",
          starts: str = "2026-12-06T03:00:00Z") -> dict[str, Any]:
    """An Alertmanager webhook body with one alert."""
    return {"version": "4", "status": status, "receiver": "ggp", "alerts": [{
        "status": status, "labels": {"alertname": name, "organisation": org.id, "stream": stream, "node": "enc",
                                     "severity": "critical"},
        "annotations": {"summary": "encoder below real time", "description": "speed 0.4 < 0.95"},
        "startsAt": starts, "endsAt": "2026-12-06T03:10:00Z" if status == "resolved" else "",
        "fingerprint": f"fp-{name}-{stream}"}]}


def post_alert(client: Any, body: dict[str, Any], token: str = "alert-token-1") -> Any:
    return client.post("/api/v1/alerts/webhook", json=body, headers={"Authorization": f"Bearer {token}"})


def console(client: Any, org: Org, role: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/notifications", params=params, headers=org.headers[role])
    assert response.status_code == 200, response.text
    return list(response.json())


def test_alert_reaches_email_and_console(client: Any, smtp: Inbox) -> None:
    org = make_org(client, "notify-mail")
    notifier(client).drain(20)
    smtp.messages.clear()  # member.invited mails of make_org
    response = post_alert(client, alert(org))
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0, "unrouted": 0}
    notifier(client).drain(20)
    smtp.wait_for(4)  # owner, admin, producer, viewer: alert.fired mails by default
    by_rcpt = {rcpts[0]: message for _, rcpts, message in smtp.messages}
    assert set(by_rcpt) == set(org.emails.values())
    message = by_rcpt[org.emails["owner"]]
    assert message["Subject"] == "[ggpgfx] Alert GgpEncoderBelowRealTime fired"
    assert message["From"] == "ggpgfx <ops@ggp.test>"
    assert message["To"] == org.emails["owner"]
    assert message["X-GGP-Event"] == "alert.fired"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    page = message.get_body(preferencelist=("html",)).get_content()
    assert "encoder below real time" in text and "stream_id: s1" in text
    assert "<h2>Alert GgpEncoderBelowRealTime fired</h2>" in page and "speed 0.4 &lt; 0.95" in page

    entries = console(client, org, "viewer")
    assert [e["event_type"] for e in entries][:1] == ["alert.fired"]
    assert entries[0]["data"]["labels"]["node"] == "enc" and entries[0]["read_at"] is None
    # the delivery log: one delivered attempt per member and channel
    log = client.get("/api/v1/notifications/deliveries", headers=org.headers["admin"]).json()
    fired = [d for d in log if d["event_type"] == "alert.fired"]
    assert sorted((d["channel"], d["delivered"]) for d in fired) == [("console", True)] * 4 + [("email", True)] * 4
    own = client.get("/api/v1/notifications/deliveries", headers=org.headers["viewer"]).json()
    assert own and {d["user_id"] for d in own} == {org.users["viewer"]}

    # Alertmanager repeats a firing alert: not sent again; resolved is a new event
    assert post_alert(client, alert(org)).json()["duplicates"] == 1
    assert post_alert(client, alert(org, status="resolved")).json()["accepted"] == 1
    notifier(client).drain(20)
    assert [e["event_type"] for e in console(client, org, "viewer")][:2] == ["alert.resolved", "alert.fired"]
    assert len(smtp.messages) == 4  # alert.resolved is console-only by default

    marked = client.post("/api/v1/notifications/read", json={}, headers=org.headers["viewer"])
    assert marked.json()["marked"] >= 2
    assert console(client, org, "viewer", unread=True) == []


def test_preferences_and_roles(client: Any, smtp: Inbox) -> None:
    org = make_org(client, "notify-prefs")
    prefs = client.get("/api/v1/notifications/preferences", headers=org.headers["owner"]).json()
    defaults = {p["event_type"]: p for p in prefs}
    assert set(defaults) >= {"stream.started", "stream.failed", "stream.stopped", "output.down", "output.recovered",
                             "alert.fired", "alert.resolved", "invoice.issued", "payment.failed", "member.invited"}
    assert defaults["alert.fired"]["channels"] == ["console", "email"] and defaults["alert.fired"]["default"]
    saved = client.put("/api/v1/notifications/preferences", headers=org.headers["owner"],
                       json={"preferences": [{"event_type": "alert.fired", "channels": []}]})
    assert saved.status_code == 200, saved.text
    assert {p["event_type"]: p["channels"] for p in saved.json()}["alert.fired"] == []
    bad = client.put("/api/v1/notifications/preferences", headers=org.headers["owner"],
                     json={"preferences": [{"event_type": "stream.exploded", "channels": ["pager"]}]})
    assert bad.status_code == 422
    notifier(client).drain(20)
    smtp.messages.clear()
    post_alert(client, alert(org, name="GgpOutputDown"))
    notifier(client).drain(20)
    smtp.wait_for(3)
    assert org.emails["owner"] not in {r[0] for _, r, _ in smtp.messages}  # the owner switched it off
    assert console(client, org, "owner") == [] or console(client, org, "owner")[0]["event_type"] != "alert.fired"
    # billing events go to admins and owners only; the invited user hears about their own invitation
    services = client.app.state.backend.services
    services["notifications"].emit(org.id, "invoice.created", {"invoice_id": "inv-1", "total_cents": 100})
    notifier(client).drain(20)
    assert console(client, org, "admin")[0]["event_type"] == "invoice.issued"
    assert all(e["event_type"] != "invoice.issued" for e in console(client, org, "viewer"))
    assert any(e["event_type"] == "member.invited" and e["data"]["email"] == org.emails["viewer"]
               for e in console(client, org, "viewer"))
    other = make_org(client, "notify-prefs-b")  # nothing crosses organisations
    assert all(e["event_type"] == "member.invited" for e in console(client, other, "owner"))


def test_alert_receiver_auth_and_routing(client: Any, smtp: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    org = make_org(client, "notify-auth")
    assert post_alert(client, alert(org), token="wrong").status_code == 401
    assert client.post("/api/v1/alerts/webhook", json=alert(org)).status_code == 401
    body = alert(org)
    body["alerts"][0]["labels"]["organisation"] = "no-such-org"
    assert post_alert(client, body).json() == {"accepted": 0, "duplicates": 0, "unrouted": 1}
    assert post_alert(client, {"alerts": [{"status": "exploded"}]}).status_code == 422
    monkeypatch.setattr(client.app.state.settings, "alerts_token", None)
    assert post_alert(client, alert(org)).status_code == 503


def test_failing_email_never_blocks_console(client: Any, smtp: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    org = make_org(client, "notify-hang")
    notifier(client).drain(20)
    smtp.messages.clear()
    smtp.hold.set()  # the mail server accepts connections, then hangs on every message
    assert post_alert(client, alert(org, name="GgpDrops")).status_code == 200
    deadline = time.monotonic() + 10
    while len([e for e in console(client, org, "owner") if e["event_type"] == "alert.fired"]) < 1:
        assert time.monotonic() < deadline, "console entry blocked behind the hung mail server"
        time.sleep(0.05)
    assert smtp.messages == []  # email is still in flight
    smtp.hold.clear()
    notifier(client).drain(20)
    smtp.wait_for(4)

    # a mail server that refuses connections: every email attempt fails and is retried, console unaffected
    monkeypatch.setattr(client.app.state.settings, "smtp_port", free_port())
    post_alert(client, alert(org, name="GgpReaderSilent"))
    notifier(client).drain(20)
    log = client.get("/api/v1/notifications/deliveries", headers=org.headers["owner"]).json()
    mails = [d for d in log if d["channel"] == "email" and d["user_id"] == org.users["owner"]
             and d["event_type"] == "alert.fired" and not d["delivered"]]
    assert sorted(d["attempt"] for d in mails)[-3:] == [1, 2, 3]  # two retries after the first attempt
    assert all("Connection" in (d["error"] or "") or "refused" in (d["error"] or "") for d in mails)
    titles = [e["title"] for e in console(client, org, "owner")]
    assert "Alert GgpReaderSilent fired" in titles


def test_graphql_centre_and_subscription(client: Any, smtp: Inbox) -> None:
    org = make_org(client, "notify-gql")
    notifier(client).drain(20)
    headers = org.headers["producer"]
    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": headers["Authorization"]}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "n", "type": "subscribe", "payload": {
            "query": "subscription { notifications { id eventType title data } }"}})
        backlog = ws.receive_json()  # the unread backlog first: the producer's own invitation
        assert backlog["payload"]["data"]["notifications"]["eventType"] == "member.invited", backlog
        post_alert(client, alert(org, name="GgpDelayBufferFull", stream="s9"))
        message = ws.receive_json()
        assert message["type"] == "next", message
        got = message["payload"]["data"]["notifications"]
        assert got["eventType"] == "alert.fired" and got["title"] == "Alert GgpDelayBufferFull fired"
        assert got["data"]["stream_id"] == "s9"
        ws.send_json({"id": "n", "type": "complete"})
    query = client.post(Q, json={"query": "{ notifications(unreadOnly: true) { id eventType } }"}, headers=headers)
    ids = [n["id"] for n in query.json()["data"]["notifications"]]
    assert ids
    marked = client.post(Q, json={"query": "mutation($i: [ID!]) { markNotificationsRead(ids: $i) }",
                                  "variables": {"i": ids[:1]}}, headers=headers)
    assert marked.json()["data"]["markNotificationsRead"] == 1


def test_output_down_and_recovered(client: Any, smtp: Inbox) -> None:
    org = make_org(client, "notify-out")
    streams = client.app.state.backend.services["streams"]
    stats = {"rtmp": {"reported": {"output_connected": 0.0}}, "enc": {"fps": 30}}
    assert streams.watch_outputs("st-1", org.id, "p1", stats) == []  # never connected yet: starting, not down
    stats["rtmp"]["reported"]["output_connected"] = 1.0
    assert streams.watch_outputs("st-1", org.id, "p1", stats) == []
    stats["rtmp"]["reported"] = {"output_connected": 0.0, "output_reconnects": 1.0}
    assert streams.watch_outputs("st-1", org.id, "p1", stats) == ["output.down"]
    assert streams.watch_outputs("st-1", org.id, "p1", stats) == []
    stats["rtmp"]["reported"]["output_connected"] = 1.0
    assert streams.watch_outputs("st-1", org.id, "p1", stats) == ["output.recovered"]
    notifier(client).drain(20)
    titles = [e["title"] for e in console(client, org, "viewer")]
    assert titles[:2] == ["Output rtmp of stream st-1 recovered", "Output rtmp of stream st-1 is down"]


def _wait_status(client: Any, org: Org, stream_id: str, done: tuple[str, ...]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = str(client.get(f"/api/v1/streams/{stream_id}", headers=org.headers["viewer"]).json()["status"])
        if status in done:
            return status
        time.sleep(0.2)
    raise AssertionError(f"stream {stream_id} never reached {done}")


def test_stream_lifecycle_and_payment_failure_notify(client: Any, smtp: Inbox, settings: Any) -> None:
    """stream.started / stream.stopped reach the console; stream.failed and payment.failed also mail (the
    defaults), payment.failed only to admins and owners, with the provider's reason."""
    org = make_org(client, "notify-life")
    notifier(client).drain(20)
    smtp.messages.clear()
    producer = org.headers["producer"]
    project = client.post("/api/v1/projects", json={"name": "life"}, headers=producer).json()["id"]
    assert client.post(f"/api/v1/projects/{project}/versions", json={"yaml": GRAPH_YAML},
                       headers=producer).status_code == 201
    stream_id = client.post("/api/v1/streams/start", json={"project_id": project}, headers=producer).json()["id"]
    assert client.post("/api/v1/streams/stop", json={"stream_id": stream_id}, headers=producer).status_code == 200
    broken = GRAPH_YAML.replace("width: 64", "width: 65")  # yuv420p needs an even width: setup fails at run time
    assert client.post(f"/api/v1/projects/{project}/versions", json={"yaml": broken}, headers=producer).status_code == 201
    failed_id = client.post("/api/v1/streams/start", json={"project_id": project}, headers=producer).json()["id"]
    assert _wait_status(client, org, failed_id, ("failed", "stopped")) == "failed"
    notifier(client).drain(20)
    seen = {(e["event_type"], e["data"].get("stream_id")) for e in console(client, org, "viewer")}
    assert {("stream.started", stream_id), ("stream.stopped", stream_id), ("stream.failed", failed_id)} <= seen
    failure_mails = [m for _, _, m in smtp.messages if m["Subject"].endswith(f"Stream {failed_id} failed")]
    assert len(failure_mails) == 4  # every member; started/stopped are console-only by default
    assert not any("started" in str(m["Subject"]) or "stopped" in str(m["Subject"]) for _, _, m in smtp.messages)

    smtp.messages.clear()
    activate_plan(client, settings.stripe_webhook_secret, org.id, "pro")
    invoice = client.post("/api/v1/billing/invoices", json={"year": 2033, "month": 3}, headers=org.headers["owner"])
    assert invoice.status_code == 201, invoice.text
    event = {"id": f"evt_fail_{org.id}", "type": "invoice.payment_failed", "data": {"object": {
        "id": "in_fail", "last_payment_error": {"message": "Your card was declined."},
        "metadata": {"ggp_organization_id": org.id, "ggp_invoice_id": invoice.json()["id"]}}}}
    assert send_stripe_event(client, settings.stripe_webhook_secret, event).status_code == 200
    notifier(client).drain(20)
    entry = next(e for e in console(client, org, "admin") if e["event_type"] == "payment.failed")
    assert entry["data"]["invoice_id"] == invoice.json()["id"] and entry["data"]["reason"] == "Your card was declined."
    assert all(e["event_type"] != "payment.failed" for e in console(client, org, "viewer"))
    smtp.wait_for(2)
    assert sorted(r for _, rcpts, m in smtp.messages if "Payment failed" in str(m["Subject"]) for r in rcpts) == \
        sorted([org.emails["owner"], org.emails["admin"]])
    activate_plan(client, settings.stripe_webhook_secret, org.id, "free")

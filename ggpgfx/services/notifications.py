"""Outgoing webhooks: HMAC-SHA256 signed event posts with retries and a delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from ggpgfx.errors import ServiceError
from ggpgfx.media.redact import redact_value
from ggpgfx.services import schemas as s
from ggpgfx.services.base import Service, scoped_get
from ggpgfx.services.models import WebhookDelivery, WebhookEndpoint, new_id
from ggpgfx.services.security import Principal

SIGNATURE_HEADER = "X-GGP-Signature"
EVENT_TYPES = ("stream.started", "stream.stopped", "stream.failed", "invoice.created", "invoice.paid",
               "subscription.updated", "account.signup_attempt")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Header value `t=<unix>,v1=<hex hmac-sha256 of "t.body">` (the same scheme Stripe uses)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, body: bytes, header: str, tolerance_s: int = 300, now: float | None = None) -> bool:
    """Check a `t=..,v1=..` header: constant-time compare and a replay window."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    candidates = [v for k, v in (item.split("=", 1) for item in header.split(",")) if k == "v1"]
    return any(hmac.compare_digest(expected, c) for c in candidates)


class NotificationsService(Service):
    """Webhook endpoints per organisation and the delivery of events to them."""

    retry_delays_s: tuple[float, ...] = (0.5, 2.0, 8.0)
    timeout_s = 5.0

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ggp-webhook")
        self._pending: set[Any] = set()
        self._lock = threading.Lock()

    def address_policy(self) -> Any:
        """The run policy's address rules for webhook URLs: http(s) to public hosts unless allow-listed."""
        from ggpgfx.policy import RunPolicy

        return RunPolicy(url_schemes=frozenset({"http", "https"}), allow_hosts=tuple(self.settings.policy_allow_hosts),
                         name="webhook policy")

    def check_url(self, url: str) -> None:
        """422 unless the webhook URL passes the address policy (at registration; delivery checks again)."""
        from ggpgfx.policy import PolicyError

        try:
            self.address_policy().check_url(url)
        except PolicyError as exc:
            raise ServiceError(f"webhook URL refused: {exc}", 422) from None

    def create_endpoint(self, principal: Principal, body: s.WebhookIn) -> s.WebhookOut:
        """Register a URL; its signing secret is returned once."""
        principal.require("admin")
        self.check_url(body.url)
        secret = "whsec_" + secrets.token_urlsafe(24)
        with self.context.session() as session:
            row = WebhookEndpoint(organization_id=principal.organization_id, url=body.url,
                                  secret_ciphertext=b"", events=list(body.events))
            session.add(row)
            session.flush()
            row.secret_ciphertext = self.context.box.encrypt(secret, f"webhook:{row.id}")
            self.audit(session, principal, principal.organization_id, "webhook.created", f"webhook:{row.id}", url=body.url)
            return s.WebhookOut.model_validate(row).model_copy(update={"secret": secret})

    def list_endpoints(self, principal: Principal) -> list[s.WebhookOut]:
        """Endpoints of the organisation."""
        principal.require("admin")
        with self.context.sessions() as session:
            rows = session.scalars(select(WebhookEndpoint).where(
                WebhookEndpoint.organization_id == principal.organization_id).order_by(WebhookEndpoint.created_at)).all()
            return [s.WebhookOut.model_validate(r) for r in rows]

    def delete_endpoint(self, principal: Principal, endpoint_id: str) -> None:
        """Remove an endpoint and its delivery log."""
        principal.require("admin")
        with self.context.session() as session:
            session.delete(scoped_get(session, WebhookEndpoint, endpoint_id, principal, "webhook"))
            self.audit(session, principal, principal.organization_id, "webhook.deleted", f"webhook:{endpoint_id}")

    def list_deliveries(self, principal: Principal, endpoint_id: str) -> list[s.DeliveryOut]:
        """Every attempt for one endpoint, newest first."""
        principal.require("admin")
        with self.context.sessions() as session:
            endpoint = scoped_get(session, WebhookEndpoint, endpoint_id, principal, "webhook")
            rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.created_at.desc()).limit(500)).all()
            return [s.DeliveryOut.model_validate(r) for r in rows]

    # ---- delivery -------------------------------------------------------------------------
    def emit(self, organization_id: str, event_type: str, data: dict[str, Any]) -> str:
        """Queue `event_type` for every matching endpoint of the organisation; returns the event id."""
        event_id = new_id()
        data = redact_value(data)  # events carry errors: known secrets never leave in them
        with self.context.sessions() as session:
            endpoints = session.scalars(select(WebhookEndpoint).where(
                WebhookEndpoint.organization_id == organization_id, WebhookEndpoint.active.is_(True))).all()
            targets = [(e.id, e.url, self.context.box.decrypt(e.secret_ciphertext, f"webhook:{e.id}"))
                       for e in endpoints if "*" in e.events or event_type in e.events]
        body = json.dumps({"id": event_id, "type": event_type, "created": int(time.time()), "data": data},
                          separators=(",", ":"), default=str).encode()
        for endpoint_id, url, secret in targets:
            future = self._pool.submit(self._deliver, organization_id, endpoint_id, url, secret, event_id, event_type, body)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._forget)
        return event_id

    def _forget(self, future: Any) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait for queued deliveries (tests and shutdown)."""
        from concurrent.futures import wait

        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout_s)

    def _deliver(self, organization_id: str, endpoint_id: str, url: str, secret: str, event_id: str,
                 event_type: str, body: bytes) -> bool:
        import httpx

        from ggpgfx.policy import PolicyError

        attempts = len(self.retry_delays_s) + 1
        for attempt in range(1, attempts + 1):
            status: int | None = None
            error: str | None = None
            try:
                self.address_policy().check_url(url)  # again at each delivery: DNS may now point elsewhere
            except PolicyError as exc:
                with self.context.session() as session:
                    session.add(WebhookDelivery(organization_id=organization_id, endpoint_id=endpoint_id,
                                                event_id=event_id, event_type=event_type, attempt=attempt,
                                                status_code=None, error=f"refused: {exc}"[:500], delivered=False))
                return False
            try:
                headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body, int(time.time())),
                           "X-GGP-Event": event_type, "X-GGP-Delivery": event_id}
                response = httpx.post(url, content=body, headers=headers, timeout=self.timeout_s)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
            ok = error is None
            with self.context.session() as session:
                session.add(WebhookDelivery(organization_id=organization_id, endpoint_id=endpoint_id, event_id=event_id,
                                            event_type=event_type, attempt=attempt, status_code=status, error=error,
                                            delivered=ok))
            if ok:
                return True
            if attempt < attempts:
                time.sleep(self.retry_delays_s[attempt - 1])
        return False

"""Outgoing webhooks: HMAC-SHA256 signed event posts with retries and a delivery log; people's notifications.

`emit` sends an event to the organisation's webhooks and to its members over their channels (email,
the console's notification centre: notify_hub.py). Alertmanager posts its alerts to `receive_alerts`.
"""

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
               "subscription.updated", "account.signup_attempt", "output.down", "output.recovered", "alert.fired",
               "alert.resolved", "payment.failed", "member.invited")


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
        from collections import OrderedDict

        from ggpgfx.services.notify_hub import UserNotifier

        self.users = UserNotifier(context)
        self._alerts_seen: OrderedDict[tuple[str, ...], None] = OrderedDict()

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
        try:
            self.users.dispatch(organization_id, event_id, event_type, data)
        except Exception:  # people's channels never stop the caller (a stream stop, an invoice) or the webhooks
            import logging

            logging.getLogger(__name__).exception("notifying members of %s failed", event_type)
        return event_id

    def _forget(self, future: Any) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait for queued deliveries (tests and shutdown)."""
        from concurrent.futures import wait

        with self._lock:
            pending = list(self._pending)
        started = time.monotonic()
        wait(pending, timeout=timeout_s)
        self.users.drain(max(0.0, timeout_s - (time.monotonic() - started)))

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

    # ---- people: preferences, the notification centre, the delivery log ---------------------------
    def get_preferences(self, principal: Principal) -> list[s.PreferenceItem]:
        """The caller's channels for every event (saved, or the defaults)."""
        from ggpgfx.services.models import NotificationPreference
        from ggpgfx.services.notify_hub import DEFAULT_CHANNELS, USER_EVENTS

        user_id = _user(principal)
        with self.context.sessions() as session:
            saved = {p.event_type: list(p.channels) for p in session.scalars(select(NotificationPreference).where(
                NotificationPreference.organization_id == principal.organization_id,
                NotificationPreference.user_id == user_id))}
        return [s.PreferenceItem(event_type=event, channels=saved.get(event, list(DEFAULT_CHANNELS[event])),  # type: ignore[arg-type]
                                 default=event not in saved) for event in USER_EVENTS]

    def set_preferences(self, principal: Principal, body: s.PreferencesIn) -> list[s.PreferenceItem]:
        """Save the caller's channels for the events given; returns every event's channels."""
        from ggpgfx.services.models import NotificationPreference, utcnow

        user_id = _user(principal)
        with self.context.session() as session:
            for item in body.preferences:
                row = session.scalars(select(NotificationPreference).where(
                    NotificationPreference.organization_id == principal.organization_id,
                    NotificationPreference.user_id == user_id,
                    NotificationPreference.event_type == item.event_type)).first()
                channels: list[str] = sorted(set(item.channels))
                if row is None:
                    session.add(NotificationPreference(organization_id=principal.organization_id, user_id=user_id,
                                                       event_type=item.event_type, channels=channels))
                else:
                    row.channels, row.updated_at = channels, utcnow()
        return self.get_preferences(principal)

    def list_notifications(self, principal: Principal, unread_only: bool = False, after: str | None = None,
                           limit: int = 50) -> list[s.NotificationOut]:
        """The caller's notification centre, newest first (`after`: only entries newer than that id)."""
        from ggpgfx.services.models import Notification

        user_id = _user(principal)
        limit = max(1, min(int(limit), 200))
        with self.context.sessions() as session:
            query = select(Notification).where(Notification.organization_id == principal.organization_id,
                                               Notification.user_id == user_id)
            if unread_only:
                query = query.where(Notification.read_at.is_(None))
            if after:
                anchor = session.get(Notification, after)
                if anchor is None or anchor.user_id != user_id:
                    raise ServiceError("notification not found", 404)
                query = query.where(Notification.created_at >= anchor.created_at, Notification.id != anchor.id)
            rows = session.scalars(query.order_by(Notification.created_at.desc(), Notification.id).limit(limit)).all()
            return [s.NotificationOut.model_validate(r) for r in rows]

    def mark_read(self, principal: Principal, notification_ids: list[str] | None = None) -> int:
        """Mark some (or, with None, all) of the caller's notifications read; returns how many changed."""
        from ggpgfx.services.models import Notification, utcnow

        user_id = _user(principal)
        with self.context.session() as session:
            query = select(Notification).where(Notification.organization_id == principal.organization_id,
                                               Notification.user_id == user_id, Notification.read_at.is_(None))
            if notification_ids is not None:
                query = query.where(Notification.id.in_(notification_ids[:500]))
            rows = session.scalars(query).all()
            now = utcnow()
            for row in rows:
                row.read_at = now
            return len(rows)

    def list_notification_deliveries(self, principal: Principal, limit: int = 200) -> list[s.NotificationDeliveryOut]:
        """Delivery attempts: the caller's own, or the whole organisation's for an admin."""
        from ggpgfx.services.models import NotificationDelivery
        from ggpgfx.services.security import ROLE_RANK

        query = select(NotificationDelivery).where(NotificationDelivery.organization_id == principal.organization_id)
        if ROLE_RANK.get(principal.role, 0) < ROLE_RANK["admin"]:
            query = query.where(NotificationDelivery.user_id == _user(principal))
        with self.context.sessions() as session:
            rows = session.scalars(query.order_by(NotificationDelivery.created_at.desc())
                                   .limit(max(1, min(int(limit), 1000)))).all()
            return [s.NotificationDeliveryOut.model_validate(r) for r in rows]

    # ---- Alertmanager ------------------------------------------------------------------------------
    def receive_alerts(self, body: s.AlertmanagerIn) -> dict[str, int]:
        """Turn Alertmanager's alerts into alert.fired / alert.resolved events of the organisation in their
        `organisation` label. Alertmanager repeats firing alerts: a repeat (same fingerprint, status and
        start) is counted as a duplicate and not sent again. Alerts without a known organisation are unrouted."""
        from ggpgfx.services.models import Organization

        counts = {"accepted": 0, "duplicates": 0, "unrouted": 0}
        for alert in body.alerts:
            org = alert.labels.get("organisation", "")
            with self.context.sessions() as session:
                known = bool(org) and session.get(Organization, org) is not None
            if not known:
                counts["unrouted"] += 1
                continue
            identity = alert.fingerprint or json.dumps(sorted(alert.labels.items()))
            key = (org, identity, alert.status, alert.startsAt)
            with self._lock:
                if key in self._alerts_seen:
                    counts["duplicates"] += 1
                    continue
                self._alerts_seen[key] = None
                while len(self._alerts_seen) > 10_000:
                    self._alerts_seen.popitem(last=False)
            data = {"alertname": alert.labels.get("alertname", "alert"), "severity": alert.labels.get("severity"),
                    "stream_id": alert.labels.get("stream") or None, "node": alert.labels.get("node") or None,
                    "summary": alert.annotations.get("summary"), "starts_at": alert.startsAt or None,
                    "ends_at": alert.endsAt if alert.status == "resolved" else None,
                    "labels": dict(alert.labels), "annotations": dict(alert.annotations)}
            self.emit(org, "alert.fired" if alert.status == "firing" else "alert.resolved", data)
            counts["accepted"] += 1
        return counts


def _user(principal: Principal) -> str:
    """The caller's user id; API keys have no notification centre."""
    if not principal.user_id:
        raise ServiceError("notifications belong to users; an API key has none", 403)
    return principal.user_id

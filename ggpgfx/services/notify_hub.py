"""Notifications to people: per-user preferences, email over SMTP and the in-console notification centre.

`NotificationsService.emit` (notifications.py) sends every event to the organisation's signed webhooks
and hands it to `UserNotifier.dispatch`, which picks the members who should hear about it, looks up
each one's channels (a `notification_preferences` row, else `DEFAULT_CHANNELS`) and delivers over each
channel in that channel's own worker pool: a slow or failing SMTP server never delays the console
entries or the webhooks. Every attempt is a `notification_deliveries` row; failed attempts are retried
after `retry_delays_s` (growing backoff).
"""

from __future__ import annotations

import html
import logging
import smtplib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select

from ggpgfx.errors import ServiceError
from ggpgfx.services.models import (
    Membership,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    User,
)
from ggpgfx.services.security import ROLE_RANK

log = logging.getLogger(__name__)

CHANNELS = ("email", "console")

#: Events people can be notified about, with the lowest organisation role that receives them.
USER_EVENTS: dict[str, str] = {
    "stream.started": "viewer", "stream.failed": "viewer", "stream.stopped": "viewer",
    "output.down": "viewer", "output.recovered": "viewer",
    "alert.fired": "viewer", "alert.resolved": "viewer",
    "invoice.issued": "admin", "payment.failed": "admin",
    "member.invited": "admin",  # the admins, and the invited user whatever their role
}
#: Webhook event names that people know under another name.
ALIASES = {"invoice.created": "invoice.issued"}
#: Channels of a user without a preference row for the event: the console always, email when it needs a person.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    event: ("console", "email") if event in ("stream.failed", "output.down", "alert.fired", "payment.failed",
                                             "member.invited") else ("console",)
    for event in USER_EVENTS
}

_TITLES = {
    "stream.started": "Stream {stream_id} started",
    "stream.failed": "Stream {stream_id} failed",
    "stream.stopped": "Stream {stream_id} stopped",
    "output.down": "Output {node} of stream {stream_id} is down",
    "output.recovered": "Output {node} of stream {stream_id} recovered",
    "alert.fired": "Alert {alertname} fired",
    "alert.resolved": "Alert {alertname} resolved",
    "invoice.issued": "Invoice {invoice_id} issued",
    "payment.failed": "Payment failed for invoice {invoice_id}",
    "member.invited": "{email} was added as {role}",
}


class _NotConfigured(ServiceError):
    def __init__(self, text: str) -> None:
        super().__init__(text, 503)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(event_type: str, data: dict[str, Any]) -> tuple[str, str]:
    """(title, plain-text body) of an event for people."""
    title = _TITLES.get(event_type, event_type).format_map(_Blank({k: v for k, v in data.items() if v is not None}))
    lines = [f"{key}: {value}" for key, value in sorted(data.items()) if value not in (None, "", {}, [])
             and not isinstance(value, dict | list)]
    for key in ("labels", "annotations"):
        if isinstance(data.get(key), dict):
            lines += [f"{key[:-1]} {k}: {v}" for k, v in sorted(data[key].items())]
    return title, "\n".join(lines)


def email_message(sender: str, to: str, event_type: str, event_id: str, title: str, body: str) -> EmailMessage:
    """The mail of one notification: a plain-text part and an HTML alternative."""
    message = EmailMessage()
    message["Subject"] = f"[ggpgfx] {title}"
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(idstring=event_id, domain="ggpgfx")
    message["X-GGP-Event"] = event_type
    message["X-GGP-Event-Id"] = event_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(f"{title}\n\n{body}\n\n-- \nggpgfx notifications: change them under Settings > Notifications.\n")
    rows = "".join(f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, _, v in (line.partition(": ") for line in body.splitlines()))
    message.add_alternative(
        f"<!doctype html><html><body><h2>{html.escape(title)}</h2><table>{rows}</table>"
        f"<p style='color:#777'>ggpgfx notifications: change them under Settings &gt; Notifications.</p>"
        f"</body></html>", subtype="html")
    return message


class UserNotifier:
    """Fans an organisation event out to its members over their channels (owned by NotificationsService)."""

    retry_delays_s: tuple[float, ...] = (1.0, 4.0, 15.0)
    smtp_timeout_s = 10.0

    def __init__(self, context: Any) -> None:
        self.context = context
        self.settings = context.settings
        self._pools = {channel: ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"ggp-notify-{channel}")
                       for channel in CHANNELS}
        self._pending: set[Future[bool]] = set()
        self._lock = threading.Lock()

    # ---- who, over what ------------------------------------------------------------------------
    def recipients(self, organization_id: str, event_type: str, data: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
        """(user id, email, channels) of every member who should hear about `event_type`."""
        floor = ROLE_RANK[USER_EVENTS[event_type]]
        with self.context.sessions() as session:
            members = session.execute(select(User.id, User.email, Membership.role).join(
                Membership, Membership.user_id == User.id).where(Membership.organization_id == organization_id)).all()
            prefs = {(p.user_id): list(p.channels) for p in session.scalars(select(NotificationPreference).where(
                NotificationPreference.organization_id == organization_id,
                NotificationPreference.event_type == event_type))}
        out = []
        for user_id, email, role in members:
            if ROLE_RANK.get(role, 0) < floor and not (event_type == "member.invited" and data.get("user_id") == user_id):
                continue
            channels = prefs.get(user_id, list(DEFAULT_CHANNELS[event_type]))
            if channels:
                out.append((user_id, email, channels))
        return out

    def dispatch(self, organization_id: str, event_id: str, event_type: str, data: dict[str, Any]) -> int:
        """Queue the deliveries of one event; returns how many were queued (0 for events people don't get)."""
        event_type = ALIASES.get(event_type, event_type)
        if event_type not in USER_EVENTS:
            return 0
        title, body = render(event_type, data)
        queued = 0
        for user_id, email, channels in self.recipients(organization_id, event_type, data):
            for channel in channels:
                if channel not in CHANNELS:
                    continue
                args = (organization_id, user_id, email, event_id, event_type, title, body, data)
                future = self._pools[channel].submit(self._deliver, channel, *args)
                with self._lock:
                    self._pending.add(future)
                future.add_done_callback(self._forget)
                queued += 1
        return queued

    def _forget(self, future: Future[bool]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait for queued deliveries (tests and shutdown)."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout_s)

    # ---- delivery ------------------------------------------------------------------------------
    def _deliver(self, channel: str, organization_id: str, user_id: str, email: str, event_id: str, event_type: str,
                 title: str, body: str, data: dict[str, Any]) -> bool:
        attempts = len(self.retry_delays_s) + 1
        for attempt in range(1, attempts + 1):
            error: str | None = None
            try:
                if channel == "email":
                    self._send_email(email, event_type, event_id, title, body)
                else:
                    self._store_console(organization_id, user_id, event_id, event_type, title, body, data)
            except _NotConfigured as exc:  # not transient: one logged attempt, no retries
                error, attempts = str(exc), attempt
            except Exception as exc:  # each channel's own failure: logged, retried, never raised to the others
                error = f"{type(exc).__name__}: {exc}"[:500]
            try:
                with self.context.session() as session:
                    session.add(NotificationDelivery(
                        organization_id=organization_id, user_id=user_id, channel=channel, event_id=event_id,
                        event_type=event_type, target=email if channel == "email" else f"user:{user_id}",
                        attempt=attempt, delivered=error is None, error=error))
            except Exception:
                log.exception("could not log a %s delivery of %s", channel, event_id)
            if error is None:
                return True
            if attempt < attempts:
                time.sleep(self.retry_delays_s[attempt - 1])
        return False

    def _send_email(self, to: str, event_type: str, event_id: str, title: str, body: str) -> None:
        settings = self.settings
        if not settings.smtp_host:
            raise _NotConfigured("email is not configured (set GGP_SMTP_HOST)")
        message = email_message(settings.smtp_from, to, event_type, event_id, title, body)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=self.smtp_timeout_s) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(message)

    def _store_console(self, organization_id: str, user_id: str, event_id: str, event_type: str, title: str,
                       body: str, data: dict[str, Any]) -> None:
        with self.context.session() as session:
            session.add(Notification(organization_id=organization_id, user_id=user_id, event_id=event_id,
                                     event_type=event_type, title=title[:300], body=body, data=data))

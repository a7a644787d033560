"""Masking of credentials and stream keys in URLs, so they never reach logs or error messages."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

MASK = "****"
_SECRET_QUERY = re.compile(r"(?i)([?&](?:key|streamkey|stream_key|token|auth|secret|password|passwd|pwd|sig|signature)"
                           r"=)[^&#]*")
_URL_IN_TEXT = re.compile(r"\b(?:rtmps?|rtsp|srt|https?|whip|kafka)://[^\s'\"]+")

#: Schemes whose last path segment is a stream key (rtmp://host/app/KEY).
KEY_IN_PATH = ("rtmp", "rtmps")


def redact_url(url: str) -> str:
    """The URL with user:password, secret query values and an RTMP stream key replaced by ****."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    path = parts.path
    if parts.scheme.lower() in KEY_IN_PATH:
        segments = path.split("/")
        # rtmp://host/app/key: the app stays visible, everything after it is the key
        if len(segments) > 2 and any(segments[2:]):
            path = "/".join(segments[:2] + [MASK])
    query = _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, "?" + parts.query)[1:] if parts.query else ""
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def _redact_match(match: re.Match[str]) -> str:
    url = match.group(0)
    trailer = url[len(url.rstrip(".,:;)]")):]
    return redact_url(url[: len(url) - len(trailer)]) + trailer


class SecretRegistry:
    """Secrets this process has handed to a graph (decrypted stream keys): every text leaving it is scrubbed."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._secrets: dict[str, None] = {}  # insertion-ordered: the oldest go first past `limit`
        self._lock = threading.Lock()

    def add(self, secret: str) -> None:
        """Remember a secret (and its URL-encoded form) for redaction."""
        if not secret or len(secret) < MIN_SECRET:
            return
        with self._lock:
            for form in {secret, quote(secret, safe="")}:
                self._secrets.pop(form, None)
                self._secrets[form] = None
            while len(self._secrets) > self.limit:
                self._secrets.pop(next(iter(self._secrets)))

    def snapshot(self) -> list[str]:
        """Known secrets, longest first (so a secret containing another is masked whole)."""
        with self._lock:
            return sorted(self._secrets, key=len, reverse=True)


#: Shorter secrets cannot be found in text without masking ordinary words.
MIN_SECRET = 3
#: The process's known secrets; `redact_text` masks them in everything it is given.
SECRETS = SecretRegistry()


def redact_text(text: str, *secrets: str) -> str:
    """THE redaction point: URLs' credentials and keys, the given secrets and every registered secret masked."""
    text = _URL_IN_TEXT.sub(_redact_match, text)
    for secret in sorted((*secrets, *SECRETS.snapshot()), key=len, reverse=True):
        if secret and len(secret) >= MIN_SECRET:
            text = text.replace(secret, MASK)
    return text


def redact_value(value: Any) -> Any:
    """redact_text over every string inside dicts and lists (events, webhook payloads, stats)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def mask_secret(secret: str) -> str:
    """`********` plus at most a quarter of the secret's last characters (never more than 4)."""
    visible = min(4, len(secret) // 4)
    return "*" * 8 + (secret[-visible:] if visible else "")


class RedactingFilter(logging.Filter):
    """A logging filter that passes every record's message through `redact_text`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted (args are dropped so handlers do not re-insert them)."""
        if SECRETS.snapshot() or "://" in str(record.msg):
            try:
                message = record.getMessage()
            except Exception:
                return True
            record.msg, record.args = redact_text(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


_installed = False


def install_log_redaction() -> None:
    """Redact every log record of this process at creation (one record factory, whatever the logger)."""
    global _installed
    if _installed:
        return
    _installed = True
    factory = logging.getLogRecordFactory()
    scrub = RedactingFilter()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        scrub.filter(record)
        return record

    logging.setLogRecordFactory(make_record)

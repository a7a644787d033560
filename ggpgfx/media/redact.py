"""Masking of credentials and stream keys in URLs, so they never reach logs or error messages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

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


def redact_text(text: str, *secrets: str) -> str:
    """Text with every URL in it redacted and each given secret (stream keys, tokens) masked."""
    text = _URL_IN_TEXT.sub(_redact_match, text)
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text

"""One-line MediaErrors that name the file or URL (masked) and the position where things went wrong."""

from __future__ import annotations

import errno
import os

from ggpgfx.errors import MediaError
from ggpgfx.media.redact import redact_text, redact_url

_FRIENDLY = {
    errno.ENOENT: "no such file",
    errno.ECONNREFUSED: "connection refused (is the server running?)",
    errno.ETIMEDOUT: "timed out",
    errno.EACCES: "permission denied",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
}


def is_url(target: str) -> bool:
    """True for URLs (scheme://...), False for file paths."""
    return "://" in target and not target.startswith("file://")


def describe_target(target: str) -> str:
    """A file path as is, a URL with its credentials and stream key masked."""
    return redact_url(target) if is_url(target) else target


def reason(exc: BaseException) -> str:
    """A short reason for an exception from PyAV or the OS, without the (unmasked) file name."""
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code in _FRIENDLY:
        return _FRIENDLY[code]
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    text = text.split("; last error log:")[0].strip()
    return redact_text(text).rstrip(".")


def media_error(action: str, target: str, exc: BaseException | None = None, *, position: str | None = None,
                hint: str | None = None, secrets: tuple[str, ...] = ()) -> MediaError:
    """A MediaError such as "cannot read 'clip.mp4' at 3.200 s: Invalid data found (truncated?)"."""
    parts = [f"{action} '{describe_target(target)}'"]
    if position:
        parts.append(f" at {position}")
    if exc is not None:
        parts.append(f": {reason(exc)}")
    if hint:
        parts.append(f" ({hint})")
    message = redact_text("".join(parts), *secrets).replace(os.linesep, " ")
    error = MediaError(message)
    if isinstance(exc, OSError) and exc.errno is not None:
        error.errno = exc.errno
    return error


def seconds(pts_us: int | None) -> str:
    """A position like '3.200 s' from microseconds."""
    return "start" if pts_us is None else f"{pts_us / 1e6:.3f} s"

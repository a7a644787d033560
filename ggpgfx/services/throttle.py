"""Failed-login throttling: consecutive failures lock an account or a client address for a while.

How many failures are free is a setting (`login_account_free_failures`, 5, and
`login_address_free_failures`, 20). The lock grows with every further failure (`BASE_LOCK_S` doubling, at most `MAX_LOCK_S`) and ends on
its own; a successful login clears an account's count. Accounts that exist keep their count in the
database (`users.failed_logins`, `users.locked_until`, so every replica and restart agrees);
addresses, and emails that match no account (so a lock does not tell whether an account exists),
are counted in memory by `FailureTracker`.
"""

from __future__ import annotations

import math
import threading
import time

BASE_LOCK_S = 30.0
MAX_LOCK_S = 900.0
FORGET_AFTER_S = 3600.0  # an address or unknown email with no failure for this long starts afresh


def lock_seconds(failures: int, free: int) -> float:
    """How long `failures` consecutive failures lock for (0 while under `free`)."""
    if failures < free:
        return 0.0
    return min(MAX_LOCK_S, BASE_LOCK_S * 2.0 ** min(failures - free, 30))


def retry_message(what: str, seconds: float) -> str:
    """The one-line 429 answer while a lock lasts."""
    return f"too many failed logins {what}; try again in {max(1, math.ceil(seconds))} s"


class FailureTracker:
    """In-memory failure counts with a growing lock per key (thread-safe, bounded in size)."""

    def __init__(self, free: int, max_keys: int = 100_000) -> None:
        self.free = free
        self.max_keys = max_keys
        self._entries: dict[str, tuple[int, float, float]] = {}  # key -> (failures, last failure, locked until)
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds left on the key's lock (0 when it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return 0.0
            if now - entry[1] > FORGET_AFTER_S:
                del self._entries[key]
                return 0.0
            return max(0.0, entry[2] - now)

    def failed(self, key: str, now: float | None = None) -> float:
        """Count one failure; return the lock it starts (0 when none)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures, last, _ = self._entries.get(key, (0, now, 0.0))
            if now - last > FORGET_AFTER_S:
                failures = 0
            failures += 1
            seconds = lock_seconds(failures, self.free)
            if len(self._entries) >= self.max_keys and key not in self._entries:
                self._entries.clear()  # forget everyone rather than grow without bound
            self._entries[key] = (failures, now, now + seconds)
            return seconds

    def succeeded(self, key: str) -> None:
        """Forget the key's failures."""
        with self._lock:
            self._entries.pop(key, None)

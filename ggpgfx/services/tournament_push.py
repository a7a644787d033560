"""Push of tournament-state changes to long-polling readers (`GET /api/v1/events/{id}/state?after_version=V`).

The tournament service calls `changed(event_id)` once a transaction that bumped an event's version has
committed (`None`: some events, e.g. a player edit that bumps every event the player entered). A route waiting
for a newer version awaits `wait(event_id, timeout)`, which returns as soon as a change is announced in this
process. Writes made by another process (a second app instance, or the service hosted by a Serve replica)
announce nothing here, so a waiter also re-reads the version from the database at a bounded interval
(`FALLBACK_RECHECK_S`): in-process writes reach the reader at once, others within that interval.
"""

from __future__ import annotations

import asyncio
import threading

FALLBACK_RECHECK_S = 0.1  # how often a waiting route re-reads the version for writes made by other processes


class VersionBoard:
    """Thread-safe announcements of changed events, awaited from any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: list[tuple[str, asyncio.AbstractEventLoop, asyncio.Event]] = []

    def changed(self, event_id: str | None) -> None:
        """Wake the waiters of `event_id` (all waiters when None). Callable from any thread."""
        with self._lock:
            woken = [(loop, flag) for key, loop, flag in self._waiters if event_id is None or key == event_id]
        for loop, flag in woken:
            try:
                loop.call_soon_threadsafe(flag.set)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                pass

    async def wait(self, event_id: str, timeout: float) -> bool:
        """True when a change of `event_id` was announced within `timeout` seconds, else False."""
        flag = asyncio.Event()
        entry = (event_id, asyncio.get_running_loop(), flag)
        with self._lock:
            self._waiters.append(entry)
        try:
            await asyncio.wait_for(flag.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.remove(entry)

    def waiting(self) -> int:
        """How many readers are waiting (for tests and metrics)."""
        with self._lock:
            return len(self._waiters)


BOARD = VersionBoard()

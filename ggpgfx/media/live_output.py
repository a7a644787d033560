"""A network output (RTMP, SRT, ...) on its own thread: bounded buffer, reconnect with backoff, masked logs.

The graph thread only enqueues, so a slow or dropped server never stalls the graph. While disconnected
the buffer keeps at most `buffer_s` seconds of media, dropping the oldest whole GOPs; after each
(re)connect, writing starts at the next video keyframe (SPS/PPS travel in-band on keyframes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ggpgfx.errors import MediaError
from ggpgfx.media.errors import describe_target
from ggpgfx.media.frames import Packet
from ggpgfx.media.mux import StreamMuxer

log = logging.getLogger(__name__)


@dataclass
class OutputStats:
    """Counters of one live output (read from any thread)."""

    connects: int = 0
    reconnects: int = 0
    failures: int = 0
    packets_sent: int = 0
    bytes_sent: int = 0
    packets_dropped: int = 0
    state: str = "idle"
    last_error: str | None = None
    history: list[str] = field(default_factory=list)


class LiveOutput:
    """Send packets to one URL from a worker thread; reconnects forever (or `max_reconnects`)."""

    def __init__(self, url: str, format: str | None = None, options: dict[str, str] | None = None, *,
                 buffer_s: float = 5.0, backoff_s: float = 0.5, max_backoff_s: float = 10.0,
                 max_reconnects: int | None = None, secrets: tuple[str, ...] = (), name: str = "",
                 check: Callable[[], None] | None = None) -> None:
        self.url = url
        #: called before every connect and reconnect (the run policy's address check); raising ends the output
        self.check = check
        self.format = format
        self.options = dict(options or {})
        self.buffer_s = buffer_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_reconnects = max_reconnects
        self.secrets = secrets
        self.label = name or describe_target(url)
        self.stats = OutputStats()
        self.error: MediaError | None = None
        self._queue: deque[Packet] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._stop = threading.Event()
        self._kinds: set[str] = set()
        self._thread = threading.Thread(target=self._run, name=f"ggp-out-{self.label}", daemon=True)
        self._thread.start()

    # -- graph side ---------------------------------------------------------------------------------
    def put(self, packet: Packet) -> None:
        """Enqueue a packet (never blocks); drops the oldest GOP beyond `buffer_s` of media."""
        with self._cond:
            self._queue.append(packet)
            self._kinds.add(packet.kind)
            self._trim()
            self._cond.notify()

    def _trim(self) -> None:
        queue = self._queue
        while len(queue) > 1 and queue[-1].pts_us - queue[0].pts_us > self.buffer_s * 1e6:
            queue.popleft()
            self.stats.packets_dropped += 1
            while queue and not (queue[0].kind == "video" and queue[0].keyframe) and "video" in self._kinds:
                queue.popleft()
                self.stats.packets_dropped += 1

    def close(self, timeout_s: float = 30.0) -> None:
        """Send what is buffered (bounded by `timeout_s`), then write the trailer and stop."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._stop.set()
            with self._cond:
                self._cond.notify()
            self._thread.join(5.0)

    def abort(self) -> None:
        """Stop now, dropping what is buffered."""
        self._stop.set()
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(5.0)

    # -- worker side --------------------------------------------------------------------------------
    def _next(self) -> Packet | None:
        with self._cond:
            while not self._queue:
                if self._closing or self._stop.is_set():
                    return None
                self._cond.wait(0.2)
            return self._queue.popleft()

    def _run(self) -> None:
        muxer: StreamMuxer | None = None
        waiting_keyframe = True
        held: list[Packet] = []  # audio seen while waiting for a keyframe: audio encoders run ahead of video
        attempt = 0
        while not self._stop.is_set():
            packet = self._next()
            if packet is None:
                break
            batch = [packet]
            if waiting_keyframe and "video" in self._kinds:
                if not (packet.kind == "video" and packet.keyframe):
                    if packet.kind == "video":
                        self.stats.packets_dropped += 1
                    else:
                        held.append(packet)
                        if len(held) > 1000:
                            del held[0]
                            self.stats.packets_dropped += 1
                    continue
                keep = [p for p in held if p.pts_us >= packet.pts_us - 500_000]
                self.stats.packets_dropped += len(held) - len(keep)
                batch += keep
                held = []
            waiting_keyframe = False
            if muxer is None:
                if self.check is not None:
                    try:
                        self.check()
                    except Exception as exc:
                        self.error = MediaError(f"{self.label}: refused: {exc}")
                        self.stats.state = "failed"
                        self.stats.failures += 1
                        log.error("%s", self.error)
                        break
                muxer = StreamMuxer(self.url, self.format, self.options, secrets=self.secrets, stream_wait_s=0.5)
                if self.stats.connects:
                    muxer.expected_kinds = set(self._kinds)
                self.stats.state = "connecting"
            try:
                for item in batch:
                    muxer.write(item)
            except MediaError as exc:
                muxer.abort()
                muxer = None
                waiting_keyframe = True
                if self.max_reconnects is not None and attempt >= self.max_reconnects:
                    self.stats.failures += 1
                    self.error = exc
                    self.stats.state = "failed"
                    log.error("%s: giving up after %d failed attempts: %s", self.label, attempt + 1, exc)
                    break
                self._failed(exc, attempt)
                attempt += 1
                continue
            if muxer.is_open and self.stats.state != "connected":
                self.stats.state = "connected"
                self.stats.connects += 1
                if self.stats.connects > 1:
                    self.stats.reconnects += 1
                    log.warning("%s: reconnected (reconnect #%d)", self.label, self.stats.reconnects)
                attempt = 0
            self.stats.packets_sent += len(batch)
            self.stats.bytes_sent += sum(len(item.data) for item in batch)
        if muxer is not None:
            try:
                muxer.close()
            except MediaError as exc:
                self._failed(exc, attempt)
        self.stats.state = "closed" if self.stats.state != "failed" else "failed"

    def _failed(self, exc: MediaError, attempt: int) -> None:
        self.stats.failures += 1
        self.stats.last_error = str(exc)
        self.stats.state = "reconnecting"
        wait = min(self.max_backoff_s, self.backoff_s * 2 ** attempt)
        self.stats.history.append(f"{time.time():.3f} {exc}")
        del self.stats.history[:-20]
        log.warning("%s: %s; retrying in %.1f s", self.label, exc, wait)
        # while waiting, keep only the newest `buffer_s` of media (put() trims as packets arrive)
        self._stop.wait(wait)

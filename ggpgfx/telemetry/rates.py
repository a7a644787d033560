"""Small sliding-window rates that nodes report as gauges (encoder bitrate, speed against real time)."""

from __future__ import annotations

import time
from collections import deque


class MediaRate:
    """Bits per media second and media seconds per wall second over the last `window_s` wall seconds."""

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self._points: deque[tuple[float, int, int]] = deque()  # (wall s, media pts µs, bytes)
        #: The shortest pts step seen over the whole run: the stream's frame interval (drops only lengthen steps).
        self.frame_interval_us: int | None = None

    def add(self, pts_us: int, size: int, now: float | None = None) -> None:
        """One unit of media (a packet, a frame) at pts with `size` bytes."""
        now = time.monotonic() if now is None else now
        if self._points:
            step = pts_us - self._points[-1][1]
            if step >= 1000 and (self.frame_interval_us is None or step < self.frame_interval_us):
                self.frame_interval_us = step
        self._points.append((now, pts_us, size))
        while len(self._points) > 2 and now - self._points[0][0] > self.window_s:
            self._points.popleft()

    def bitrate_bps(self) -> float:
        """Bits per second of media time (0 until two points span some media time)."""
        if len(self._points) < 2:
            return 0.0
        pts = [p for _, p, _ in self._points]  # packets may come out of pts order (B-frames)
        span_us = max(pts) - min(pts)
        if span_us <= 0:
            return 0.0
        bits = 8 * sum(size for _, _, size in list(self._points)[1:])
        return bits * 1_000_000 / span_us

    def speed_ratio(self) -> float:
        """Frames handled per wall second against the stream's frame rate (1.0: real time; below 1: behind).

        Counting frames rather than media time keeps frames dropped upstream visible: after drops the pts
        still advance in real time, but fewer frames get through.
        """
        if len(self._points) < 2 or not self.frame_interval_us:
            return 0.0
        wall = self._points[-1][0] - self._points[0][0]
        if wall <= 0:
            return 0.0
        return (len(self._points) - 1) * self.frame_interval_us / 1_000_000 / wall

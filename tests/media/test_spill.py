"""SpillQueue: order kept across memory and disk, memory bounded while 64 MB pass through."""

from __future__ import annotations

import os
import tracemalloc
from fractions import Fraction
from pathlib import Path

from ggpgfx.media.frames import Packet
from ggpgfx.media.spill import SpillQueue


def test_order_and_bounded_memory_for_a_long_delay(tmp_path: Path) -> None:
    queue = SpillQueue(tmp_path, memory_bytes=1 << 20, file_bytes=8 << 20)
    payload = os.urandom(32 * 1024)
    tracemalloc.start()
    try:
        for i in range(2048):  # 64 MB held at once: a long delay of a fast source
            queue.push(float(i), Packet(payload[:-1] + bytes([i % 256]), i, i, Fraction(1, 30), i % 30 == 0))
        _, peak = tracemalloc.get_traced_memory()
        assert peak < 4 << 20
        assert queue.peak_memory_bytes <= 1 << 20 and queue.disk_items > 2000
        assert len(list(tmp_path.glob("spill-*.bin"))) >= 8
        order = []
        for _ in range(2048):
            due, packet = queue.pop()
            order.append((due, packet.pts, packet.data[-1]))
        _, peak = tracemalloc.get_traced_memory()
        assert peak < 4 << 20
    finally:
        tracemalloc.stop()
    assert order == [(float(i), i, i % 256) for i in range(2048)]
    assert len(queue) == 0 and queue.peek_due() is None
    queue.close()
    assert not list(tmp_path.glob("spill-*.bin"))


def test_interleaved_push_and_pop_keep_fifo_order(tmp_path: Path) -> None:
    queue = SpillQueue(tmp_path, memory_bytes=2_000)
    taken = []
    for i in range(500):
        queue.push(float(i), Packet(b"x" * 100, i, i, Fraction(1, 30)))
        if i % 3 == 0:
            taken.append(queue.pop()[1].pts)
    while len(queue):
        taken.append(queue.pop()[1].pts)
    assert taken == list(range(500)) and queue.spilled_items > 0

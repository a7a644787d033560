"""How message batches cross a fragment boundary: Ray's object store, or a shared-memory ring on one machine."""

from __future__ import annotations

import mmap
import os
import pickle
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ggpgfx.graph.node import Message

SHM_DIR = "/dev/shm"
#: Batches whose buffers are smaller than this travel inline in the actor call (Ray inlines < 100 KB).
SHM_THRESHOLD = 64 * 1024


def _dumps(obj: Any, buffers: list[pickle.PickleBuffer]) -> bytes:
    try:
        return pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    except (pickle.PicklingError, AttributeError, TypeError):
        from ray import cloudpickle

        buffers.clear()
        return bytes(cloudpickle.dumps(obj, protocol=5, buffer_callback=buffers.append))


def as_tuples(msgs: list[Message]) -> list[tuple[Any, int, int, int]]:
    """Messages as plain tuples (Message is a slots dataclass; tuples pickle smaller and faster)."""
    return [(m.payload, m.pts, m.seq, m.origin_ns) for m in msgs]


def from_tuples(items: list[tuple[Any, int, int, int]]) -> list[Message]:
    """Back from `as_tuples`."""
    return [Message(p, pts, seq, origin) for p, pts, seq, origin in items]


@dataclass
class ShmBatch:
    """A pickled batch whose out-of-band buffers (frame planes) sit in a slot of a shared-memory ring."""

    header: bytes
    segment: str
    slot: int
    offset: int
    lengths: list[int]
    pins: int  # how many of this ring's slots a consumer may keep viewed at once


#: Bytes at the start of a segment holding one state byte per slot (1 = written, not yet let go of).
STATE_BYTES = 4096
#: Slots a consumer may keep viewed (zero-copy) beyond the producer's in-flight window; past that it copies.
PIN_SLOTS = 4


class ShmRing:
    """Producer side: a /dev/shm file of equal slots plus a state byte per slot.

    The producer marks a slot busy when it writes a batch there; the consumer clears the mark when the
    last array viewing the slot is garbage-collected (or right after copying the batch out). So slots
    are reused only when nothing reads them any more, and a slow or frame-keeping consumer costs copies,
    never corrupt frames.
    """

    def __init__(self, prefix: str, window: int, pins: int = PIN_SLOTS) -> None:
        self.prefix = prefix
        self.pins = pins
        self.slots = min(window + pins, STATE_BYTES)
        self.slot_size = 0
        self.generation = 0
        self.name = ""
        self.map: mmap.mmap | None = None

    @staticmethod
    def available() -> bool:
        """True where POSIX shared memory is a tmpfs folder (Linux)."""
        return os.path.isdir(SHM_DIR) and os.access(SHM_DIR, os.W_OK)

    def _grow(self, needed: int) -> None:
        slot_size = max(needed, 2 * self.slot_size, 1 << 20)
        self._open_segment((slot_size + 4095) // 4096 * 4096)  # page-aligned slots

    def _open_segment(self, slot_size: int) -> None:
        """Replace the segment by a new generation with every slot free."""
        self.close()
        self.generation += 1
        self.slot_size = slot_size
        self.name = f"{self.prefix}_g{self.generation}"
        path = os.path.join(SHM_DIR, self.name)
        size = STATE_BYTES + self.slot_size * self.slots
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(fd, size)
            self.map = mmap.mmap(fd, size)
        finally:
            os.close(fd)

    def renew(self) -> None:
        """A fresh segment of the same size (after the consumer restarted: marks of batches it never
        read would stay set)."""
        if self.map is not None:
            self._open_segment(self.slot_size)

    def needs_regrow(self, size: int) -> bool:
        """True when a batch of `size` bytes does not fit a slot (the caller drains in-flight batches first)."""
        return size > self.slot_size

    def busy(self) -> int:
        """Slots written and not yet let go of by the consumer."""
        if self.map is None:
            return 0
        return sum(self.map[: self.slots])

    def write(self, header: bytes, buffers: list[pickle.PickleBuffer]) -> ShmBatch | None:
        """Copy the buffers into a free slot; None when every slot is still in use (send inline instead)."""
        views = [b.raw() for b in buffers]
        size = sum(v.nbytes for v in views)
        if self.map is None or size > self.slot_size:
            self._grow(size)
        assert self.map is not None
        slot = self.map.find(b"\x00", 0, self.slots)
        if slot < 0:
            return None
        self.map[slot] = 1
        offset = STATE_BYTES + slot * self.slot_size
        target = memoryview(self.map)
        pos = offset
        for view in views:
            target[pos: pos + view.nbytes] = view.cast("B")
            pos += view.nbytes
        target.release()
        return ShmBatch(header, self.name, slot, offset, [v.nbytes for v in views], self.pins)

    def claim(self, sizes: list[int]) -> tuple[int, list[np.ndarray]] | None:
        """Draw-into-slot path: a free slot and one writable uint8 array per buffer size, laid out as
        `write` would lay out the buffers; None when every slot is busy. The producer draws its planes into
        these arrays and hands `seal` the pickled header — the planes then cross without any copy.
        (Measured in benchmarks/bench_hop.py; not yet used by nodes: docs/ray.md "Hop: drawing into the slot".)
        The arrays view the segment: drop them before the ring grows, renews or closes."""
        size = sum(sizes)
        if self.map is None or size > self.slot_size:
            self._grow(size)
        assert self.map is not None
        slot = self.map.find(b"\x00", 0, self.slots)
        if slot < 0:
            return None
        self.map[slot] = 1
        offset = STATE_BYTES + slot * self.slot_size
        region = np.frombuffer(self.map, dtype=np.uint8, count=size, offset=offset)
        parts, pos = [], 0
        for length in sizes:
            parts.append(region[pos: pos + length])
            pos += length
        return slot, parts

    def seal(self, slot: int, header: bytes, sizes: list[int]) -> ShmBatch:
        """The batch for a claimed slot whose buffers were drawn in place (`header` pickled out-of-band)."""
        return ShmBatch(header, self.name, slot, STATE_BYTES + slot * self.slot_size, list(sizes), self.pins)

    def close(self) -> None:
        """Unmap and unlink the current segment (consumers keep their mappings while they view it)."""
        if self.map is not None:
            try:
                self.map.close()
            except BufferError:  # a view still exported: leave it to the garbage collector
                pass
            self.map = None
        if self.name:
            try:
                os.unlink(os.path.join(SHM_DIR, self.name))
            except FileNotFoundError:
                pass


def _let_go(mm: mmap.mmap, slot: int, pinned: set[tuple[str, int]], key: tuple[str, int],
            lock: threading.Lock) -> None:
    """Finaliser of a viewed slot: clear its state byte so the producer may reuse it."""
    with lock:
        pinned.discard(key)
    try:
        mm[slot] = 0
    except (ValueError, IndexError):  # unmapped at shutdown
        pass


class ShmReader:
    """Consumer side: maps producers' segments and reads batches as views into them (zero-copy).

    The arrays a batch unpickles to view the producer's slot directly and are writable: the slot is this
    consumer's until the last of them is garbage-collected, which clears the slot's state byte. A consumer
    that keeps many frames (a delay line, a slow node with a long queue) would hold the producer's ring,
    so once `pins` slots of a ring are viewed, further batches are copied out and let go of at once.
    """

    def __init__(self) -> None:
        self.maps: dict[str, mmap.mmap] = {}
        self.pinned: set[tuple[str, int]] = set()
        self.lock = threading.Lock()
        self.copied = 0
        self.viewed = 0

    def _map(self, segment: str) -> mmap.mmap:
        mm = self.maps.get(segment)
        if mm is None:
            fd = os.open(os.path.join(SHM_DIR, segment), os.O_RDWR)
            try:
                mm = mmap.mmap(fd, 0)
            finally:
                os.close(fd)
            ring = segment.rsplit("_g", 1)[0]
            for old in [name for name in self.maps if name.rsplit("_g", 1)[0] == ring]:
                # the producer grew or renewed its ring: views of the old generation keep it mapped
                self.maps.pop(old)
            self.maps[segment] = mm
        return mm

    def read(self, batch: ShmBatch) -> Any:
        """Unpickle a batch; its arrays view the slot (or are copies once the pin budget is spent)."""
        with self.lock:
            mm = self._map(batch.segment)
            held = sum(1 for segment, _ in self.pinned if segment == batch.segment)
            view = held < batch.pins
            if view:
                self.pinned.add((batch.segment, batch.slot))
        total = sum(batch.lengths)
        region = np.frombuffer(mm, dtype=np.uint8, count=total, offset=batch.offset)
        buffers: list[np.ndarray] = []
        pos = 0
        for length in batch.lengths:
            part = region[pos: pos + length]
            if not view:
                # np.empty, not bytearray: no zero-fill pass, and malloc hands back warm pages frame after frame
                own = np.empty(length, dtype=np.uint8)
                np.copyto(own, part)
                part = own
            buffers.append(part)
            pos += length
        if view:
            self.viewed += 1
            weakref.finalize(region, _let_go, mm, batch.slot, self.pinned, (batch.segment, batch.slot), self.lock)
        else:
            self.copied += 1
            del region
            mm[batch.slot] = 0
        return pickle.loads(batch.header, buffers=buffers)

    def close(self) -> None:
        """Unmap every segment that nothing views any more."""
        for mm in self.maps.values():
            try:
                mm.close()
            except BufferError:  # frames still view it: unmapped when they are collected
                pass
        self.maps.clear()


def encode(items: list[tuple[Any, int, int, int]], ring: ShmRing | None) -> Any:
    """What to pass to the consumer's `deliver`: the items themselves (inline) or an ShmBatch."""
    if ring is None:
        return items
    buffers: list[pickle.PickleBuffer] = []
    header = _dumps(items, buffers)
    if sum(b.raw().nbytes for b in buffers) < SHM_THRESHOLD:
        return items
    batch = ring.write(header, buffers)
    return items if batch is None else batch


def decode(wire: Any, reader: ShmReader) -> list[Message]:
    """Messages from what `encode` produced."""
    if isinstance(wire, ShmBatch):
        return from_tuples(reader.read(wire))
    return from_tuples(wire)


def remove_run_segments(run_prefix: str) -> int:
    """Unlink leftover segments of a run (a producer killed mid-stream cannot unlink its own)."""
    removed = 0
    if not os.path.isdir(SHM_DIR):
        return 0
    for name in os.listdir(SHM_DIR):
        if name.startswith(run_prefix):
            try:
                os.unlink(os.path.join(SHM_DIR, name))
                removed += 1
            except OSError:
                pass
    return removed

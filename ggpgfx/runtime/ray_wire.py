"""How message batches cross a fragment boundary: Ray's object store, or a shared-memory ring on one machine."""

from __future__ import annotations

import mmap
import os
import pickle
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
    offset: int
    lengths: list[int]


class ShmRing:
    """Producer side: a /dev/shm file of `slots` equal slots, reused as deliveries are acknowledged."""

    def __init__(self, prefix: str, slots: int) -> None:
        self.prefix = prefix
        self.slots = slots
        self.slot_size = 0
        self.generation = 0
        self.name = ""
        self.map: mmap.mmap | None = None
        self.free: list[int] = []

    @staticmethod
    def available() -> bool:
        """True where POSIX shared memory is a tmpfs folder (Linux)."""
        return os.path.isdir(SHM_DIR) and os.access(SHM_DIR, os.W_OK)

    def _grow(self, needed: int) -> None:
        self.close()
        self.generation += 1
        self.slot_size = max(needed, 2 * self.slot_size, 1 << 20)
        self.name = f"{self.prefix}_g{self.generation}"
        path = os.path.join(SHM_DIR, self.name)
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(fd, self.slot_size * self.slots)
            self.map = mmap.mmap(fd, self.slot_size * self.slots)
        finally:
            os.close(fd)
        self.free = list(range(self.slots))

    def needs_regrow(self, size: int) -> bool:
        """True when a batch of `size` bytes does not fit a slot (the caller drains in-flight batches first)."""
        return size > self.slot_size

    def write(self, header: bytes, buffers: list[pickle.PickleBuffer]) -> tuple[ShmBatch, int]:
        """Copy the buffers into a free slot; returns the batch and the slot to release on acknowledgement."""
        views = [b.raw() for b in buffers]
        size = sum(v.nbytes for v in views)
        if self.map is None or size > self.slot_size:
            self._grow(size)
        assert self.map is not None
        slot = self.free.pop()
        offset = slot * self.slot_size
        target = memoryview(self.map)
        pos = offset
        for view in views:
            target[pos: pos + view.nbytes] = view.cast("B")
            pos += view.nbytes
        target.release()
        return ShmBatch(header, self.name, offset, [v.nbytes for v in views]), slot

    def release(self, slot: int) -> None:
        """A slot's batch was copied out by the consumer."""
        self.free.append(slot)

    def close(self) -> None:
        """Unmap and unlink the current segment."""
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


class ShmReader:
    """Consumer side: maps producers' segments and copies batches out into writable buffers."""

    def __init__(self) -> None:
        self.maps: dict[str, mmap.mmap] = {}

    def read(self, batch: ShmBatch) -> Any:
        """Unpickle a batch; frame planes come back as writable arrays the consumer owns."""
        mm = self.maps.get(batch.segment)
        if mm is None:
            fd = os.open(os.path.join(SHM_DIR, batch.segment), os.O_RDONLY)
            try:
                mm = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
            finally:
                os.close(fd)
            for old in [name for name in self.maps if name.rsplit("_g", 1)[0] == batch.segment.rsplit("_g", 1)[0]]:
                self.maps.pop(old).close()  # the producer grew its ring: the old generation is gone
            self.maps[batch.segment] = mm
        source = np.frombuffer(mm, dtype=np.uint8)
        buffers = []
        pos = batch.offset
        for length in batch.lengths:
            # np.empty, not bytearray: no zero-fill pass, and malloc hands back warm pages frame after frame
            buf = np.empty(length, dtype=np.uint8)
            np.copyto(buf, source[pos: pos + length])
            buffers.append(buf)
            pos += length
        del source
        return pickle.loads(batch.header, buffers=buffers)

    def close(self) -> None:
        """Unmap every segment."""
        for mm in self.maps.values():
            mm.close()
        self.maps.clear()


def encode(items: list[tuple[Any, int, int, int]], ring: ShmRing | None) -> tuple[Any, int | None]:
    """What to pass to the consumer's `deliver`: the items themselves (object store) or an ShmBatch."""
    if ring is None:
        return items, None
    buffers: list[pickle.PickleBuffer] = []
    header = _dumps(items, buffers)
    if sum(b.raw().nbytes for b in buffers) < SHM_THRESHOLD:
        return items, None
    batch, slot = ring.write(header, buffers)
    return batch, slot


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

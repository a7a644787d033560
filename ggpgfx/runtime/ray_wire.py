"""How message batches cross a fragment boundary: Ray's object store, or a shared-memory ring on one machine."""

from __future__ import annotations

import functools
import mmap
import os
import pickle
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ggpgfx.graph.node import Message
from ggpgfx.media.frames import VideoFrame, split_buffer

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

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:  # a plain tuple: cheaper than the dataclass default
        return (ShmBatch, (self.header, self.segment, self.slot, self.offset, self.lengths, self.pins))


#: First field of a `FrameSlot`.
FRAME_SLOT = "frame-slot"
#: One VideoFrame drawn in a ring slot, as it crosses: (FRAME_SLOT, segment, slot, offset, plane lengths, pins,
#: format, width, height, frame pts, device, pickled meta or None, plane shapes, pts, seq, origin). A flat
#: tuple of plain values pickles and unpickles in one pass with no class lookup (`seal_frame`).
FrameSlot = tuple[Any, ...]


#: Bytes at the start of a segment holding one state byte per slot (1 = written, not yet let go of).
STATE_BYTES = 4096
#: Slots a consumer may keep viewed (zero-copy) beyond the producer's in-flight window; past that it copies.
PIN_SLOTS = 4


@dataclass
class _Claim:
    """A slot a node draws into (`ShmRing.claim_planes`): sealed once it is sent header-only."""

    slot: int
    generation: int
    segment: str
    offset: int
    address: int  # where the slot's first byte is mapped in this process
    size: int
    mm: mmap.mmap
    sealed: bool = False
    ref: Any = None  # the weak reference to the slot's array whose callback lets the slot go


def _address(view: memoryview) -> int:
    """The address of a contiguous buffer's first byte."""
    return int(np.frombuffer(view, dtype=np.uint8).__array_interface__["data"][0])


class ShmRing:
    """Producer side: a /dev/shm file of equal slots plus a state byte per slot.

    The producer marks a slot busy when it writes a batch there; the consumer clears the mark when the
    last array viewing the slot is garbage-collected (or right after copying the batch out). So slots
    are reused only when nothing reads them any more, and a slow or frame-keeping consumer costs copies,
    never corrupt frames.

    A producing node may also draw its frame straight into a slot (`claim_planes`): the slot stays the
    producer's while any of its arrays lives (`held`), whatever the consumer does, and a claimed slot
    that is never sent is let go of when its arrays are collected. `encode` then sends such a frame as
    its pickled header only (`seal_claimed`); anything else is copied in (`write`).
    """

    def __init__(self, prefix: str, window: int, pins: int = PIN_SLOTS) -> None:
        self.prefix = prefix
        self.pins = pins
        self.slots = min(window + pins, STATE_BYTES)
        self.slot_size = 0
        self.generation = 0
        self.name = ""
        self.map: mmap.mmap | None = None
        #: Slots of the current segment that a producer-side array still views (claimed, sent or not).
        self.held: set[int] = set()
        self.claims: dict[int, _Claim] = {}  # by the address of the slot's first byte
        self.lock = threading.RLock()  # re-entrant: a claim's finaliser may run inside a locked section
        self.claimed = 0  # slots handed to nodes by claim_planes
        self.sealed = 0  # claimed slots sent header-only (no copy)
        self.unsent = 0  # claimed slots let go of without being sent
        self.copied = 0  # batches copied into a slot by write

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
        self.held = set()  # arrays of the old generation keep its mapping, not these slots
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

    def _free_slot(self) -> int:
        """A slot neither the consumer nor the producer uses, or -1 (call with the lock held)."""
        assert self.map is not None
        start = 0
        while True:
            slot = self.map.find(b"\x00", start, self.slots)
            if slot < 0 or slot not in self.held:
                return slot
            start = slot + 1

    def _take_slot(self, size: int, grow_when_busy: bool = True) -> int:
        """A free slot of at least `size` bytes, marked written, or -1 when every slot is in use (call with the
        lock held). The ring grows for a larger size; with `grow_when_busy` false not while batches are in
        flight (-1 then: their consumer still reads the old segment)."""
        if self.map is None or size > self.slot_size:
            if not grow_when_busy and self.map is not None and self.busy():
                return -1
            self._grow(size)
        assert self.map is not None
        slot = self._free_slot()
        if slot >= 0:
            self.map[slot] = 1
        return slot

    def in_use(self) -> int:
        """Slots not free for the next frame: written and not let go of by the consumer, or still viewed by
        the producer (0 once a stream has ended and nothing keeps its frames)."""
        with self.lock:
            if self.map is None:
                return 0
            return sum(1 for slot in range(self.slots) if self.map[slot] or slot in self.held)

    def write(self, header: bytes, buffers: list[pickle.PickleBuffer]) -> ShmBatch | None:
        """Copy the buffers into a free slot; None when every slot is still in use (send inline instead)."""
        views = [b.raw() for b in buffers]
        size = sum(v.nbytes for v in views)
        with self.lock:
            slot = self._take_slot(size)
            if slot < 0:
                return None
            self.copied += 1
            mm, name = self.map, self.name
        assert mm is not None
        offset = STATE_BYTES + slot * self.slot_size
        target = memoryview(mm)
        pos = offset
        for view in views:
            target[pos: pos + view.nbytes] = view.cast("B")
            pos += view.nbytes
        target.release()
        return ShmBatch(header, name, slot, offset, [v.nbytes for v in views], self.pins)

    def claim_planes(self, sizes: list[int]) -> list[np.ndarray] | None:
        """What a node draws a frame into (`Node.new_frame`): one writable uint8 array per buffer size in a
        free slot, laid out as `write` would lay the buffers out; None when every slot is in use, or when
        the slot size must grow while batches are in flight (the copy path grows the ring after draining).

        The slot is the producer's while any of the arrays (or a view of them) lives. `encode` sends a
        frame made of them header-only, once (`seal_claimed`); if it is never sent, the slot is let go of
        when the arrays are collected."""
        size = sum(sizes)
        with self.lock:
            slot = self._take_slot(size, grow_when_busy=False)
            if slot < 0:
                return None
            assert self.map is not None
            self.held.add(slot)
            offset = STATE_BYTES + slot * self.slot_size
            region = np.frombuffer(self.map, dtype=np.uint8, count=size, offset=offset)
            claim = _Claim(slot, self.generation, self.name, offset, int(region.__array_interface__["data"][0]),
                           size, self.map)
            self.claims[claim.address] = claim
            self.claimed += 1
            # a weakref callback (C) rather than weakref.finalize (Python): this runs for every frame
            claim.ref = weakref.ref(region, functools.partial(self._release, claim))
        return split_buffer(region, sizes)

    def _release(self, claim: _Claim, _ref: Any = None) -> None:
        """Finaliser of a claimed slot's arrays: the producer no longer views it."""
        claim.ref = None
        with self.lock:
            if self.claims.get(claim.address) is claim:
                del self.claims[claim.address]
            if claim.generation == self.generation:
                self.held.discard(claim.slot)
            if not claim.sealed:  # never sent: no consumer will clear its state byte
                self.unsent += 1
                try:
                    claim.mm[claim.slot] = 0
                except (ValueError, IndexError):  # unmapped at shutdown
                    pass

    def seal_claimed(self, header: bytes, buffers: list[pickle.PickleBuffer]) -> ShmBatch | None:
        """The batch for out-of-band buffers that lie, in order and back to back, at the start of one claimed
        slot of the current segment that was not sent yet (a frame from `claim_planes`); None otherwise."""
        if not buffers:
            return None
        views = [b.raw() for b in buffers]
        lengths = [v.nbytes for v in views]
        claim = self._seal([_address(v) for v in views], lengths)
        if claim is None:
            return None
        return ShmBatch(header, claim.segment, claim.slot, claim.offset, lengths, self.pins)

    def _seal(self, addresses: list[int], lengths: list[int]) -> _Claim | None:
        """Mark sent the claimed slot these buffers fill from its start, back to back; None when they do not."""
        with self.lock:
            claim = self.claims.get(addresses[0])
            if claim is None or claim.sealed or claim.generation != self.generation:
                return None
            position = addresses[0]
            for address, length in zip(addresses, lengths, strict=True):
                if address != position:
                    return None
                position += length
            if position - addresses[0] > claim.size:
                return None
            claim.sealed = True
            self.sealed += 1
        return claim

    def seal_frame(self, item: tuple[Any, int, int, int]) -> FrameSlot | None:
        """One (VideoFrame, pts, seq, origin) whose uint8 planes fill a claimed, unsent slot: a `FrameSlot`
        record (the slot's place and the frame's fields as one flat tuple, no pickled arrays and no class
        to look up: `ShmReader.read_frame` rebuilds the frame around views of the slot); None for anything
        else (`encode` then pickles and, if need be, copies).

        This is the hop every drawn frame takes, run by a thread that slept since the last frame, when
        every Python step costs several times its warm time: so one tuple, pickled once on the way."""
        frame, pts, seq, origin = item
        if type(frame) is not VideoFrame:
            return None
        addresses, lengths, shapes = [], [], []
        for plane in frame.planes:
            if type(plane) is not np.ndarray or plane.dtype.char != "B" or not plane.flags.c_contiguous:
                return None
            addresses.append(plane.__array_interface__["data"][0])
            lengths.append(plane.nbytes)
            shapes.append(plane.shape)
        if not addresses or addresses[0] not in self.claims:
            return None
        meta: bytes | None = None
        if frame.meta:
            try:
                meta = pickle.dumps(frame.meta, protocol=5)
            except Exception:  # meta that pickle cannot take: the general path (cloudpickle) handles it
                return None
        claim = self._seal(addresses, lengths)
        if claim is None:
            return None
        return (FRAME_SLOT, claim.segment, claim.slot, claim.offset, lengths, self.pins, frame.format, frame.width,
                frame.height, frame.pts, frame.device, meta, shapes, pts, seq, origin)

    def claim(self, sizes: list[int]) -> tuple[int, list[np.ndarray]] | None:
        """Low-level form of `claim_planes` (the bench's): a free slot and its arrays, untracked: the caller
        must `seal` the slot and send it (its state byte stays set until a consumer lets go of it).
        The arrays view the segment: drop them before the ring grows, renews or closes."""
        size = sum(sizes)
        with self.lock:
            slot = self._take_slot(size)
            if slot < 0:
                return None
            assert self.map is not None
            offset = STATE_BYTES + slot * self.slot_size
            region = np.frombuffer(self.map, dtype=np.uint8, count=size, offset=offset)
        return slot, split_buffer(region, sizes)

    def seal(self, slot: int, header: bytes, sizes: list[int]) -> ShmBatch:
        """The batch for a claimed slot whose buffers were drawn in place (`header` pickled out-of-band)."""
        return ShmBatch(header, self.name, slot, STATE_BYTES + slot * self.slot_size, list(sizes), self.pins)

    def close(self) -> None:
        """Unmap and unlink the current segment (consumers keep their mappings while they view it)."""
        with self.lock:
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
            lock: threading.Lock, refs: dict[tuple[str, int], Any], held: dict[str, int], _ref: Any = None) -> None:
    """Finaliser of a viewed slot: clear its state byte so the producer may reuse it."""
    with lock:
        if key in pinned:
            pinned.discard(key)
            held[key[0]] -= 1
        refs.pop(key, None)
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
        self.held: dict[str, int] = {}  # pinned slots by segment
        self.refs: dict[tuple[str, int], Any] = {}  # the weak references whose callbacks let slots go
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

    def _buffers(self, segment: str, slot: int, offset: int, lengths: list[int], pins: int) -> list[np.ndarray]:
        """The buffers of a slot: views of it (the slot is let go of when the last is collected), or copies
        once `pins` slots of that ring are viewed (the slot is let go of at once)."""
        key = (segment, slot)
        with self.lock:
            mm = self._map(segment)
            view = self.held.get(segment, 0) < pins
            if view and key not in self.pinned:
                self.pinned.add(key)
                self.held[segment] = self.held.get(segment, 0) + 1
        region = np.frombuffer(mm, dtype=np.uint8, count=sum(lengths), offset=offset)
        buffers = split_buffer(region, lengths)
        if view:
            self.viewed += 1
            self.refs[key] = weakref.ref(region, functools.partial(_let_go, mm, slot, self.pinned, key, self.lock,
                                                                   self.refs, self.held))
        else:
            # np.empty, not bytearray: no zero-fill pass, and malloc hands back warm pages frame after frame
            copies = [np.empty(part.size, dtype=np.uint8) for part in buffers]
            for own, part in zip(copies, buffers, strict=True):
                np.copyto(own, part)
            self.copied += 1
            del region, buffers
            mm[slot] = 0
            return copies
        return buffers

    def read(self, batch: ShmBatch) -> Any:
        """Unpickle a batch; its arrays view the slot (or are copies once the pin budget is spent)."""
        buffers = self._buffers(batch.segment, batch.slot, batch.offset, batch.lengths, batch.pins)
        return pickle.loads(batch.header, buffers=buffers)

    def read_frame(self, record: FrameSlot) -> Message:
        """The message of a `FrameSlot`: its frame's planes view the slot (or are copies, as `read`)."""
        (_, segment, slot, offset, lengths, pins, fmt, width, height, frame_pts, device, meta, shapes, pts, seq,
         origin) = record
        buffers = self._buffers(segment, slot, offset, lengths, pins)
        planes = [buffer.reshape(shape) for buffer, shape in zip(buffers, shapes, strict=True)]
        frame = VideoFrame(planes, fmt, width, height, frame_pts, device, pickle.loads(meta) if meta else {})
        return Message(frame, pts, seq, origin)

    def close(self) -> None:
        """Unmap every segment that nothing views any more."""
        for mm in self.maps.values():
            try:
                mm.close()
            except BufferError:  # frames still view it: unmapped when they are collected
                pass
        self.maps.clear()


def encode_drawn(items: list[tuple[Any, int, int, int]], ring: ShmRing) -> FrameSlot | None:
    """The FrameSlot of a batch that is one frame drawn in a claimed slot of `ring`, else None."""
    return ring.seal_frame(items[0]) if len(items) == 1 and ring.claims else None


def encode(items: list[tuple[Any, int, int, int]], ring: ShmRing | None, *, drawn: bool = True) -> Any:
    """What to pass to the consumer's `deliver`: the items themselves (inline), a FrameSlot (`drawn`: try
    `encode_drawn` first) or an ShmBatch."""
    if ring is None:
        return items
    if drawn:
        record = encode_drawn(items, ring)  # a frame drawn in a claimed slot: its fields only
        if record is not None:
            return record
    buffers: list[pickle.PickleBuffer] = []
    header = _dumps(items, buffers)
    if sum(b.raw().nbytes for b in buffers) < SHM_THRESHOLD:
        return items
    batch = ring.seal_claimed(header, buffers)  # a frame drawn in a claimed slot: header only
    if batch is None:
        batch = ring.write(header, buffers)
    return items if batch is None else batch


def decode(wire: Any, reader: ShmReader) -> list[Message]:
    """Messages from what `encode` produced."""
    if type(wire) is tuple:
        return [reader.read_frame(wire)]
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

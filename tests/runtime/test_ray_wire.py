"""The shared-memory ring of cross-fragment edges: zero-copy reads, slot reuse, the pin budget."""

from __future__ import annotations

import gc
import os
import pickle

import numpy as np
import pytest

from ggpgfx.graph.node import Message
from ggpgfx.media.frames import VideoFrame
from ggpgfx.runtime.ray_wire import (
    FRAME_SLOT,
    SHM_DIR,
    ShmBatch,
    ShmReader,
    ShmRing,
    as_tuples,
    decode,
    encode,
)

pytestmark = pytest.mark.skipif(not ShmRing.available(), reason="needs /dev/shm")


@pytest.fixture
def ring_and_reader():
    ring = ShmRing(f"ggptest_{os.getpid()}", window=2, pins=2)
    reader = ShmReader()
    yield ring, reader
    reader.close()
    ring.close()


def _frame(value: int) -> VideoFrame:
    frame = VideoFrame.blank(320, 240)
    frame.planes[0][:] = value
    return frame


def _send(ring: ShmRing, reader: ShmReader, frame: VideoFrame, seq: int) -> tuple[object, VideoFrame]:
    wire = encode(as_tuples([Message(frame, seq, seq, 0)]), ring)
    return wire, decode(wire, reader)[0].payload


def test_reads_view_the_slot_and_are_writable(ring_and_reader):
    ring, reader = ring_and_reader
    wire, got = _send(ring, reader, _frame(9), 0)
    assert isinstance(wire, ShmBatch)
    assert int(got.planes[0][10, 10]) == 9
    assert got.planes[0].flags.writeable
    assert np.shares_memory(got.planes[0], np.frombuffer(reader.maps[wire.segment], dtype=np.uint8))
    got.planes[0][0, 0] = 200  # the slot is the consumer's own while it views it
    assert reader.viewed == 1 and reader.copied == 0


def test_slot_is_reused_only_after_the_frame_is_collected(ring_and_reader):
    ring, reader = ring_and_reader
    _, first = _send(ring, reader, _frame(1), 0)
    assert ring.busy() == 1
    _, second = _send(ring, reader, _frame(2), 1)
    assert ring.busy() == 2
    # both frames still hold their own bytes: nothing overwrote a viewed slot
    assert int(first.planes[0][0, 0]) == 1 and int(second.planes[0][0, 0]) == 2
    del first
    gc.collect()
    assert ring.busy() == 1
    _, third = _send(ring, reader, _frame(3), 2)
    assert int(second.planes[0][0, 0]) == 2 and int(third.planes[0][0, 0]) == 3


def test_past_the_pin_budget_batches_are_copied(ring_and_reader):
    ring, reader = ring_and_reader
    kept = [_send(ring, reader, _frame(i), i)[1] for i in range(6)]
    assert reader.viewed == 2 and reader.copied == 4
    assert ring.busy() == 2  # copied batches let go of their slot at once
    assert [int(f.planes[0][0, 0]) for f in kept] == list(range(6))
    kept.clear()
    gc.collect()
    assert ring.busy() == 0
    again = [_send(ring, reader, _frame(i), 6 + i)[1] for i in range(2)]  # the budget came back
    assert reader.viewed == 4 and reader.copied == 4 and ring.busy() == 2 and len(again) == 2


def test_full_ring_sends_inline(ring_and_reader):
    ring, _ = ring_and_reader
    frame = _frame(5)
    items = as_tuples([Message(frame, 0, 0, 0)])
    wires = [encode(items, ring) for _ in range(ring.slots)]  # never read: every slot stays busy
    assert all(isinstance(w, ShmBatch) for w in wires)
    assert encode(items, ring) is items


def test_renew_starts_a_fresh_segment(ring_and_reader):
    ring, reader = ring_and_reader
    wire, kept = _send(ring, reader, _frame(4), 0)
    old, size = ring.name, ring.slot_size
    ring.renew()
    assert ring.name != old and ring.busy() == 0 and ring.slot_size == size
    assert not os.path.exists(os.path.join(SHM_DIR, old))
    assert int(kept.planes[0][0, 0]) == 4  # the consumer's mapping outlives the unlink
    wire2, got = _send(ring, reader, _frame(6), 1)
    assert wire2.segment == ring.name and int(got.planes[0][0, 0]) == 6


def test_small_batches_travel_inline():
    ring = ShmRing(f"ggptest_small_{os.getpid()}", window=2)
    items = as_tuples([Message(np.zeros(16, np.uint8), 0, 0, 0)])
    assert encode(items, ring) is items
    ring.close()


def test_frames_drawn_into_a_claimed_slot_cross_without_a_copy(ring_and_reader):
    import pickle

    ring, reader = ring_and_reader
    source = _frame(7)
    sizes = [p.nbytes for p in source.planes]
    claimed = ring.claim(sizes)
    assert claimed is not None
    slot, parts = claimed
    planes = [part.reshape(p.shape) for part, p in zip(parts, source.planes, strict=True)]
    for plane, src in zip(planes, source.planes, strict=True):
        np.copyto(plane, src)
    planes[0][0, 0] = 99
    header = pickle.dumps([(VideoFrame(planes, "yuv420p", 320, 240, 5), 5, 1, 0)], protocol=5,
                          buffer_callback=lambda _buf: None)
    assert len(header) < 4096  # the planes are not in the header
    del planes, parts
    got = decode(ring.seal(slot, header, sizes), reader)[0]
    assert got.payload.planes[0][0, 0] == 99 and int(got.payload.planes[0][1, 1]) == 7 and got.pts == 5
    assert reader.viewed == 1 and ring.busy() == 1
    del got
    gc.collect()
    assert ring.busy() == 0  # let go of once the consumer's frame is collected


def _drawn(ring: ShmRing, value: int) -> VideoFrame:
    """A frame drawn the way `Node.new_frame` draws one: into planes claimed from the ring."""
    buffers = ring.claim_planes([320 * 240, 160 * 120, 160 * 120])
    assert buffers is not None
    frame = VideoFrame.on_buffers(buffers, 320, 240)
    frame.planes[0][:] = value
    frame.planes[1][:] = 128
    frame.planes[2][:] = 128
    return frame


def test_a_frame_drawn_in_a_claimed_slot_is_sent_as_its_header_only(ring_and_reader):
    ring, reader = ring_and_reader
    frame = _drawn(ring, 42)
    frame.meta["frame_index"] = 3
    frame.pts = 1234
    wire, got = _send(ring, reader, frame, 0)
    assert type(wire) is tuple and wire[0] == FRAME_SLOT  # the frame's fields only: one flat tuple
    assert len(pickle.dumps(wire, protocol=5)) < 512 and b"ShmBatch" not in pickle.dumps(wire, protocol=5)
    assert ring.sealed == 1 and ring.copied == 0  # no copy into the ring
    assert int(got.planes[0][5, 5]) == 42 and got.planes[0].flags.writeable
    assert [p.shape for p in got.planes] == [(240, 320), (120, 160), (120, 160)]
    assert (got.format, got.width, got.height, got.pts, got.meta) == ("yuv420p", 320, 240, 1234, {"frame_index": 3})
    assert ring.in_use() == 1
    del frame, got
    gc.collect()
    assert ring.in_use() == 0 and ring.unsent == 0  # both sides let go: the slot is free again


def test_a_claimed_slot_never_sent_is_let_go_of(ring_and_reader):
    ring, _ = ring_and_reader
    frame = _drawn(ring, 1)
    assert ring.in_use() == 1
    del frame
    gc.collect()
    assert ring.in_use() == 0 and ring.unsent == 1 and ring.busy() == 0


def test_a_frame_the_producer_keeps_holds_its_slot(ring_and_reader):
    ring, reader = ring_and_reader
    kept = _drawn(ring, 7)
    _, got = _send(ring, reader, kept, 0)
    del got
    gc.collect()  # the consumer let go; the producer still views the slot
    assert ring.busy() == 0 and ring.in_use() == 1
    others = [_drawn(ring, 100 + i) for i in range(3)]  # the other three slots
    assert ring.claim_planes([320 * 240]) is None  # the ring is full: the node falls back to numpy
    _, copied = _send(ring, reader, _frame(9), 1)  # nor does a copied batch overwrite the kept frame
    assert int(kept.planes[0][0, 0]) == 7 and all(int(o.planes[0][0, 0]) == 100 + i for i, o in enumerate(others))
    del copied


def test_a_second_emit_or_a_batch_of_drawn_frames_is_copied(ring_and_reader):
    ring, reader = ring_and_reader
    frame = _drawn(ring, 5)
    _send(ring, reader, frame, 0)
    wire, again = _send(ring, reader, frame, 1)  # sent before: this one is copied
    assert isinstance(wire, ShmBatch) and ring.sealed == 1 and ring.copied == 1 and int(again.planes[0][0, 0]) == 5
    del again
    gc.collect()
    a, b = _drawn(ring, 1), _drawn(ring, 2)
    wire = encode(as_tuples([Message(a, 2, 2, 0), Message(b, 3, 3, 0)]), ring)
    assert ring.sealed == 1  # two slots cannot travel as one: copied (or inline when no slot is free)
    got = [m.payload for m in decode(wire, reader)]
    assert [int(f.planes[0][0, 0]) for f in got] == [1, 2]


def test_a_frame_drawn_before_the_ring_was_renewed_is_copied(ring_and_reader):
    ring, reader = ring_and_reader
    frame = _drawn(ring, 3)
    ring.renew()  # the consumer restarted: the old segment is gone
    wire, got = _send(ring, reader, frame, 0)
    assert isinstance(wire, ShmBatch) and wire.segment == ring.name
    assert ring.sealed == 0 and ring.copied == 1 and int(got.planes[0][0, 0]) == 3


def test_a_drawn_frame_whose_meta_needs_cloudpickle_still_crosses_header_only(ring_and_reader):
    ring, reader = ring_and_reader
    frame = _drawn(ring, 8)
    frame.meta["scale"] = lambda x: 2 * x  # plain pickle refuses a lambda: the general path takes the frame
    wire, got = _send(ring, reader, frame, 0)
    assert isinstance(wire, ShmBatch)  # not a FrameSlot
    assert ring.sealed == 1 and ring.copied == 0 and got.meta["scale"](2) == 4 and int(got.planes[0][0, 0]) == 8

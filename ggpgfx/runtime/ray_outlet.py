"""A cross-fragment edge, producer side: bounded queue, a sender thread, flow control, replay after restarts."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from ggpgfx.graph.node import Message
from ggpgfx.runtime.ray_socket import LinkBroken, SocketLink
from ggpgfx.runtime.ray_wire import ShmRing, as_tuples, encode, encode_drawn

log = logging.getLogger(__name__)

MAX_BATCH = 32
#: Retained (uncommitted) messages kept for replay on a lossless edge before the oldest are given up.
MAX_RETAINED = 20_000


class RemoteOutlet:
    """Messages of one edge to one consumer fragment actor; `put`/`close` follow the local EdgeQueue contract."""

    def __init__(self, edge_index: int, label: str, capacity: int, on_full: str, target: Any, *,
                 replica: int = 0, retain: bool = False, window: int = 4, ring: ShmRing | None = None,
                 abort: threading.Event | None = None, node_id: str = "", sockets: bool = True,
                 draw_in_slots: bool = True) -> None:
        self.edge_index = edge_index
        self.label = label
        self.capacity = capacity
        self.on_full = on_full
        self.target = target
        self.replica = replica
        self.retain = retain
        self.window = window
        self.ring = ring
        self.node_id = node_id
        self.sockets = sockets
        self.draw_in_slots = draw_in_slots  # False: nodes get numpy planes, copied into the ring at send
        self.use_ring = False  # only once the consumer is known to run on this same Ray node
        self.same_node = False  # hop latency is measured with the machine's monotonic clock: same node only
        self.link: SocketLink | None = None  # the consumer's Unix socket, when it runs on this node
        self.abort = abort or threading.Event()
        self.cond = threading.Condition(threading.Lock())
        self.queue: deque[Message] = deque()
        self.retained: deque[Message] = deque()
        self.closed = False
        self.sending = False  # a batch is between the queue and Ray: keep order, no direct send meanwhile
        self.finished = threading.Event()
        self.failed: str | None = None
        self.drops = 0
        self.incarnation: str | None = None
        self.backlog = 0
        self.pending: deque[tuple[Any, int]] = deque()  # (ref or None for the socket, message count)
        self.hop_us: deque[float] = deque(maxlen=2048)
        self._lock = threading.Lock()  # one recovery or send at a time
        self.thread = threading.Thread(target=self._run, name=f"ggp-out-{edge_index}-{replica}", daemon=True)

    # -- Outlet protocol (called by the producing node's thread) -----------------------------------
    def put(self, msg: Message, stop: threading.Event) -> bool:
        """Queue a message; blocks when full (block) or drops the oldest (drop_oldest).

        When nothing waits and the consumer has room, the message is sent right here from the producer's
        thread: waking the sender thread would add a thread hand-off to every hop.
        """
        with self.cond:
            direct = not self.queue and not self.sending and self.incarnation is not None and not self.failed
            if direct:
                self.sending = True
                if self.retain:
                    self.retained.append(msg)
            else:
                while len(self.queue) >= self.capacity:
                    if self.on_full == "drop_oldest" or self.failed:
                        self.queue.popleft()
                        self.drops += 1
                        continue
                    if stop.is_set() or self.abort.is_set():
                        return False
                    self.cond.wait(0.05)
                self.queue.append(msg)
                self.cond.notify_all()
                return True
        sent = False
        try:
            if self._lock.acquire(timeout=0.05):
                try:
                    if len(self.pending) < self.window and self.backlog + self._in_flight() < self.capacity:
                        self._submit([msg])
                        sent = True
                finally:
                    self._lock.release()
        except Exception:  # the sender thread meets the same failure and recovers
            sent = self.retain  # a retained message is replayed by the resync
        with self.cond:
            self.sending = False
            if not sent:
                if self.retain and self.retained and self.retained[-1] is msg:
                    self.retained.pop()
                self.queue.appendleft(msg)
            self.cond.notify_all()
        return True

    def claim_planes(self, sizes: list[int]) -> list[Any] | None:
        """Buffers in a free slot of this edge's ring for a node to draw its next frame into (`Node.new_frame`);
        None when the consumer is not on this machine (yet), the edge failed, messages are queued (they go
        as one batch, which is copied), or no slot is free."""
        ring = self.ring
        if ring is None or not self.draw_in_slots or not self.use_ring or self.failed or self.queue:
            return None
        return ring.claim_planes(sizes)

    def close(self) -> None:
        """The producer finished: flush, then tell the consumer."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def checkpoint_state(self) -> dict[str, list[Message]]:
        """Retained messages and, on a lossless edge, the queued ones (for a fragment checkpoint)."""
        with self.cond:
            return {"retained": list(self.retained), "queue": list(self.queue) if self.on_full == "block" else []}

    def restore_state(self, saved: dict[str, list[Message]]) -> None:
        """Put back what `checkpoint_state()` returned, before the outlet starts."""
        with self.cond:
            self.retained.extend(saved["retained"])
            self.queue.extend(saved["queue"])

    def start(self) -> None:
        """Start the sender thread."""
        self.thread.start()

    # -- sender -----------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._resync()
            while not self.abort.is_set():
                batch = None
                with self.cond:
                    if self.queue and not self.sending:
                        batch = [self.queue.popleft() for _ in range(min(MAX_BATCH, len(self.queue)))]
                        self.sending = True
                        if self.retain:
                            self.retained.extend(batch)
                        self.cond.notify_all()
                    elif self.closed and not self.queue and not self.sending:
                        break
                    elif not self.pending or self.sending:
                        self.cond.wait(0.1)
                        continue
                if batch is None:
                    self._reap_acks()  # acknowledgements of messages the producer sent directly
                    continue
                try:
                    self._send(batch)
                finally:
                    with self.cond:
                        self.sending = False
                        self.cond.notify_all()
            if not self.abort.is_set():
                self._finish()
        except Exception as exc:  # the consumer is gone for good: the driver reports the fragment failure
            self.failed = f"{type(exc).__name__}: {exc}"
            log.debug("outlet %s failed", self.label, exc_info=True)
            with self.cond:
                self.drops += len(self.queue)
                self.queue.clear()
                self.cond.notify_all()
        finally:
            self.finished.set()

    def _reap_acks(self) -> None:
        import ray
        from ray.exceptions import ActorDiedError, RayActorError

        with self._lock:
            if not self.pending:
                return
            first, link = self.pending[0][0], self.link
        if first is not None:
            ray.wait([first], timeout=0.02)
        elif link is not None:
            try:
                link.ready(0.02)
            except (OSError, ValueError):
                pass
        try:
            with self._lock:
                self._reap(block_all=False)
        except ActorDiedError:
            raise
        except (RayActorError, _Resync):
            self._resync()

    def _call(self, method: str, *args: Any) -> Any:
        return getattr(self.target, method).remote(self.edge_index, self.replica, *args)

    def _resync(self) -> None:
        """(Re)connect to the consumer's current incarnation and replay what it has not committed."""
        import ray
        from ray.exceptions import ActorDiedError, GetTimeoutError, RayActorError

        with self._lock:
            self.pending.clear()
            previous = self.incarnation
            deadline = time.monotonic() + 120.0
            while True:
                if self.abort.is_set():
                    return
                try:
                    watermark, self.incarnation, self.backlog, peer, path = ray.get(self._call("resume"),
                                                                                    timeout=10)
                    break
                except ActorDiedError:
                    raise
                except (RayActorError, GetTimeoutError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            if previous is not None and previous != self.incarnation and self.ring is not None:
                self.ring.renew()  # the old consumer is gone: marks of batches it never let go of stay set
            # Shared memory only reaches a consumer on this machine; a restarted consumer may have moved.
            self.same_node = bool(self.node_id) and peer == self.node_id
            self.use_ring = self.ring is not None and self.same_node
            if self.link is not None:
                self.link.close()
                self.link = None
            if self.use_ring and path and self.sockets:
                try:
                    self.link = SocketLink(path, self.edge_index, self.replica)
                except OSError:  # fall back to actor calls
                    self.link = None
            if self.retain:
                with self.cond:
                    replay = [m for m in self.retained if m.seq > watermark]
                for start in range(0, len(replay), MAX_BATCH):
                    self._submit(replay[start: start + MAX_BATCH])

    def _submit(self, batch: list[Message]) -> None:
        # CLOCK_MONOTONIC is comparable across processes of one machine only; 0 = do not measure.
        sent_ns = time.perf_counter_ns() if self.same_node else 0
        items = as_tuples(batch)
        wire: Any
        if self.ring is not None and self.use_ring:
            # a frame drawn in its slot first: the common case, and the slot is there, so no regrow to check
            wire = encode_drawn(items, self.ring)
            if wire is None:
                size_hint = sum(getattr(m.payload, "nbytes", 0) for m in batch)
                if self.ring.needs_regrow(size_hint) and self.pending:
                    self._reap(block_all=True)  # old ring slots must be read before the segment is replaced
                wire = encode(items, self.ring, drawn=False)
        else:
            wire = items
        if self.link is not None:
            self.link.send((wire, self.incarnation, sent_ns))
            ref = None  # acknowledgements come back on the socket, in order
        else:
            ref = self._call("deliver", wire, self.incarnation, sent_ns)
        self.pending.append((ref, len(batch)))

    def _send(self, batch: list[Message]) -> None:
        from ray.exceptions import ActorDiedError, RayActorError

        while True:
            try:
                self._wait_for_room(len(batch))
                with self._lock:
                    self._submit(batch)
                    self._reap(block_all=False)
                return
            except ActorDiedError:
                raise
            except (RayActorError, _Resync):
                self._resync()
                if self.retain:
                    return  # the batch was retained, so the resync replayed it

    def _in_flight(self) -> int:
        return sum(count for _, count in self.pending)

    def _wait_for_room(self, count: int) -> None:
        """Window of batches in flight, and credit: the consumer's backlog plus what we sent stays bounded."""
        import ray

        delay = 0.0005
        while not self.abort.is_set():
            if len(self.pending) >= self.window:
                self._reap(block_all=False, block_one=True)
                continue
            if self.backlog + self._in_flight() < self.capacity or (not self.pending and self.backlog == 0):
                return
            if self.pending:
                self._reap(block_all=False, block_one=True)
                continue
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
            answer = ray.get(self._call("backlog", self.incarnation))
            self._ack(answer)

    def _ack(self, answer: tuple[Any, ...]) -> None:
        if answer[0] == "resync":
            raise _Resync()
        _, backlog, committed, hop_us = answer
        self.backlog = backlog
        if hop_us is not None:
            self.hop_us.append(hop_us)
        if self.retain and committed is not None:
            with self.cond:
                while self.retained and self.retained[0].seq <= committed:
                    self.retained.popleft()
                while len(self.retained) > MAX_RETAINED:
                    self.retained.popleft()

    def _reap(self, *, block_all: bool, block_one: bool = False) -> None:
        import ray

        while self.pending:
            ref, _ = self.pending[0]
            if ref is None:
                answer = self._socket_answer(block_all or block_one)
                if answer is None:
                    return
            else:
                if not (block_all or block_one):
                    ready, _ = ray.wait([ref], timeout=0)
                    if not ready:
                        return
                answer = ray.get(ref)
            self.pending.popleft()
            self._ack(answer)
            if block_one and not block_all:
                return

    def _socket_answer(self, block: bool) -> Any:
        link = self.link
        if link is None:
            raise _Resync()
        try:
            while not link.ready(0.2 if block else 0):
                if not block or self.abort.is_set():
                    return None
            return link.recv()
        except LinkBroken:
            raise _Resync() from None

    def _finish(self) -> None:
        import ray
        from ray.exceptions import ActorDiedError, RayActorError

        while True:
            try:
                self._reap(block_all=True)
                answer = ray.get(self._call("close_edge", self.incarnation))
                self._ack(answer)
                return
            except ActorDiedError:
                raise
            except (RayActorError, _Resync):
                self._resync()

    def resync_after_restart(self) -> None:
        """The consumer fragment restarted after this edge finished: replay and close again."""
        if not self.finished.is_set() or self.failed or self.abort.is_set():
            return  # a running sender finds out by itself
        try:
            self._resync()
            self._finish()
        except Exception as exc:
            self.failed = f"{type(exc).__name__}: {exc}"

    def shutdown(self) -> None:
        """Release the shared-memory ring and the socket."""
        if self.link is not None:
            self.link.close()
        if self.ring is not None:
            self.ring.close()


class _Resync(Exception):
    """The consumer restarted since our last call: resynchronise before sending more."""


class FanOutlet:
    """An edge into a replicated node: messages go round-robin to the replicas."""

    def __init__(self, outlets: list[RemoteOutlet]) -> None:
        self.outlets = outlets
        self.count = 0

    def put(self, msg: Message, stop: threading.Event) -> bool:
        """Hand the message to the next replica."""
        outlet = self.outlets[self.count % len(self.outlets)]
        self.count += 1
        return outlet.put(msg, stop)

    def close(self) -> None:
        """Close every replica's edge."""
        for outlet in self.outlets:
            outlet.close()

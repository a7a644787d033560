"""A cross-fragment edge, consumer side: dedup by sequence number, gap counting, ordered merge of replicas."""

from __future__ import annotations

import heapq
import itertools
import threading
from typing import Any

from ggpgfx.graph.node import Message
from ggpgfx.runtime.channel import EdgeQueue


class InboundEdge:
    """Feeds the local queue of an input port from one producer, or from N replicas merged by seq."""

    def __init__(self, queue: EdgeQueue, producers: int, stop: threading.Event, *, lossy: bool,
                 count_gaps: bool = True) -> None:
        self.queue = queue
        self.producers = producers
        self.stop = stop
        self.lossy = lossy
        self.count_gaps = count_gaps and producers == 1
        self.last: dict[int, int] = {}
        self.closed: set[int] = set()
        self.committed: dict[int, int] = {}
        self.gap_drops = 0
        self.duplicates = 0
        self.heap: list[tuple[int, int, Message]] = []
        self._tie = itertools.count()

    def received(self, replica: int) -> int:
        """Highest seq taken from a producer (replays at or below it are duplicates)."""
        return self.last.get(replica, -1)

    def backlog(self) -> int:
        """Messages waiting in the node's queue (the credit producers see).

        Messages the merge holds back do not count: they wait for another replica, and counting them
        would stop exactly the replica the merge waits for.
        """
        return len(self.queue.items)

    def accept(self, replica: int, msgs: list[Message]) -> None:
        """Take a batch: drop duplicates, count gaps, queue (or merge) the rest."""
        last = self.last.get(replica, -1)
        fresh = []
        for msg in msgs:
            if msg.seq <= last:
                self.duplicates += 1
                continue
            if self.count_gaps and msg.seq > last + 1:
                self.gap_drops += msg.seq - last - 1
            last = msg.seq
            fresh.append(msg)
        self.last[replica] = last
        if self.producers == 1:
            self._enqueue(fresh)
            return
        for msg in fresh:
            heapq.heappush(self.heap, (msg.seq, next(self._tie), msg))
        self._release()

    def _release(self) -> None:
        ready = []
        everyone_done = len(self.closed) >= self.producers
        while self.heap:
            seq = self.heap[0][0]
            # Nothing smaller can still come once every replica has passed this seq (or finished).
            if everyone_done or all(r in self.closed or self.last.get(r, -1) >= seq for r in range(self.producers)):
                ready.append(heapq.heappop(self.heap)[2])
            else:
                break
        self._enqueue(ready)

    def _enqueue(self, msgs: list[Message]) -> None:
        if msgs:
            # block edges may run past capacity by what was in flight: the producer's credit bounds it
            self.queue.refill(msgs)

    def close(self, replica: int) -> None:
        """A producer finished (idempotent per producer)."""
        if replica in self.closed:
            return
        self.closed.add(replica)
        self._release()
        self.queue.close()

    def dump(self) -> dict[str, Any]:
        """State for a checkpoint (taken with deliveries paused)."""
        return {"received": dict(self.last), "closed": set(self.closed), "gap_drops": self.gap_drops,
                "heap": [(seq, msg) for seq, _, msg in self.heap] if not self.lossy else []}

    def load(self, saved: dict[str, Any]) -> None:
        """Back from a checkpoint."""
        self.last = dict(saved["received"])
        self.committed = dict(saved["received"])
        self.gap_drops = saved["gap_drops"]
        for seq, msg in saved["heap"]:
            heapq.heappush(self.heap, (seq, next(self._tie), msg))
        for replica in saved["closed"]:
            self.close(replica)

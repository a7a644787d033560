"""Bounded edges between nodes of one process, with `block` and `drop_oldest` when full."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from ggpgfx.graph.node import Message


class Inbox:
    """All input edges of one node behind one condition, so the node waits on any of them."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.edges: list[EdgeQueue] = []
        #: Work that worker threads handed to the node's thread (emits, call_soon), run between messages.
        self.posted: deque[Callable[[], None]] = deque()
        self._arrivals = itertools.count()

    def next_arrival(self) -> int:
        """A global arrival number: the node takes messages in the order they arrived."""
        return next(self._arrivals)

    def post(self, work: Callable[[], None]) -> None:
        """Queue work for the node's thread (from any thread) and wake it."""
        with self.cond:
            self.posted.append(work)
            self.cond.notify_all()

    def take_posted(self) -> list[Callable[[], None]]:
        """Everything posted so far, oldest first (the node's thread runs it)."""
        with self.cond:
            work = list(self.posted)
            self.posted.clear()
        return work

    def wake(self) -> None:
        """Wake the node and any blocked producer (used on stop)."""
        with self.cond:
            self.cond.notify_all()


class EdgeQueue:
    """One edge: a bounded FIFO feeding an input port of a node."""

    def __init__(self, inbox: Inbox, port: str, capacity: int, on_full: str, label: str, *,
                 delay: bool = False, producers: int = 1) -> None:
        self.inbox = inbox
        self.port = port
        self.capacity = capacity
        self.on_full = on_full
        self.label = label
        self.delay = delay
        self.items: deque[tuple[int, Message, int]] = deque()
        self.open_producers = producers
        self.drops = 0
        self.blocked_ns = 0
        inbox.edges.append(self)

    @property
    def closed(self) -> bool:
        """True when every producer has finished."""
        return self.open_producers <= 0

    def put(self, msg: Message, stop: threading.Event) -> bool:
        """Add a message; blocks when full (policy block) or drops the oldest. False when stopped."""
        cond = self.inbox.cond
        with cond:
            if len(self.items) >= self.capacity:
                if self.on_full == "drop_oldest":
                    while len(self.items) >= self.capacity:
                        self.items.popleft()
                        self.drops += 1
                else:
                    began = time.perf_counter_ns()
                    while len(self.items) >= self.capacity:
                        if stop.is_set():
                            return False
                        cond.wait(0.05)
                    self.blocked_ns += time.perf_counter_ns() - began
            self.items.append((self.inbox.next_arrival(), msg, time.perf_counter_ns()))
            cond.notify_all()
            return True

    def pending(self) -> list[Message]:
        """The queued messages, oldest first (call with `inbox.cond` held for a consistent view)."""
        return [item[1] for item in self.items]

    def refill(self, msgs: Iterable[Message], *, overflow: bool = True) -> None:
        """Queue messages without waiting (restored checkpoints, merged deliveries).

        `overflow` lets a `block` edge run past capacity by what was already in flight; `drop_oldest` edges
        always drop to stay within capacity.
        """
        with self.inbox.cond:
            for msg in msgs:
                if self.on_full == "drop_oldest" or not overflow:
                    while len(self.items) >= self.capacity:
                        self.items.popleft()
                        self.drops += 1
                self.items.append((self.inbox.next_arrival(), msg, time.perf_counter_ns()))
            self.inbox.cond.notify_all()

    def close(self) -> None:
        """One producer finished (end of stream)."""
        with self.inbox.cond:
            self.open_producers -= 1
            self.inbox.cond.notify_all()

"""Consistent checkpoints of a fragment: node state, sequence counters, queued lossless messages, outlets.

Every node method that changes state or emits runs under that node's gate; a checkpoint holds all gates
of the fragment at once, so it sees each node between two messages (a consistent cut of the fragment).
A message a node has taken from its queue but not yet processed ("in hand") is put back at the front.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ggpgfx.graph.node import Message

if TYPE_CHECKING:
    from ggpgfx.runtime.local import LocalExecutor, NodeRunner
    from ggpgfx.runtime.ray_outlet import RemoteOutlet


class _TrackedDeque(deque):  # type: ignore[type-arg]
    """An edge queue's items that remember what the node thread took last."""

    def __init__(self, items: Any, keeper: NodeKeeper, position: int) -> None:
        super().__init__(items)
        self.keeper = keeper
        self.position = position

    def popleft(self) -> Any:
        """Pop, recording the item when the node itself takes it (not a drop by a producer)."""
        item = super().popleft()
        if threading.get_ident() == self.keeper.thread_ident:
            self.keeper.in_hand = (self.position, item[1])
        return item


class NodeKeeper:
    """The gate and in-hand bookkeeping of one node."""

    def __init__(self, runner: NodeRunner) -> None:
        self.runner = runner
        self.gate = threading.Lock()
        self.in_hand: tuple[int, Message] | None = None
        self.pending_restore: Any = None
        self.has_restore = False
        for position, queue in enumerate(runner.inbox.edges):
            queue.items = _TrackedDeque(queue.items, self, position)

    @property
    def thread_ident(self) -> int | None:
        """Ident of the node's thread once started."""
        return self.runner.thread.ident

    def guarded(self, fn: Callable[..., Any], *, clears: bool) -> Callable[..., Any]:
        """`fn` run under the gate; `clears` marks the in-hand message as processed afterwards."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.gate:
                try:
                    return fn(*args, **kwargs)
                finally:
                    if clears:
                        self.in_hand = None

        return wrapper


def install(executor: LocalExecutor, *, replica: bool = False) -> dict[str, NodeKeeper]:
    """Wrap every node of a fragment executor with gates (and 1:1 seq numbering for replicas)."""
    keepers: dict[str, NodeKeeper] = {}
    for nid, runner in executor.runners.items():
        keeper = keepers[nid] = NodeKeeper(runner)
        node = runner.node
        if replica:
            # A replica's outputs keep the seq of the input they answer, so the consumer can merge replicas in order.
            original = node.process

            def numbered(port: str, msg: Message, _orig: Callable[..., Any] = original,
                         _runner: NodeRunner = runner) -> None:
                for out in _runner.seq:
                    _runner.seq[out] = msg.seq
                _orig(port, msg)

            node.process = numbered  # type: ignore[method-assign]
        node.process = keeper.guarded(node.process, clears=True)  # type: ignore[method-assign]
        node.on_latest = keeper.guarded(node.on_latest, clears=True)  # type: ignore[method-assign]
        node.tick = keeper.guarded(node.tick, clears=False)  # type: ignore[method-assign]
        node.on_eos = keeper.guarded(node.on_eos, clears=False)  # type: ignore[method-assign]
        runner._try_sync = keeper.guarded(runner._try_sync, clears=True)  # type: ignore[method-assign]
        setup = node.setup

        def setup_then_restore(_setup: Callable[[], None] = setup, _keeper: NodeKeeper = keeper) -> None:
            _setup()
            if _keeper.has_restore:
                _keeper.runner.node.restore(_keeper.pending_restore)

        node.setup = setup_then_restore  # type: ignore[method-assign]
    return keepers


def _lossless(queue: Any) -> bool:
    return bool(queue.on_full == "block")


def capture(keepers: dict[str, NodeKeeper], outlets: list[RemoteOutlet], inbound_state: Callable[[], Any],
            delivery_lock: threading.Lock, timeout: float = 0.2) -> dict[str, Any] | None:
    """A consistent checkpoint, or None when some node stayed busy (blocked on a full edge) too long."""
    taken: list[threading.Lock] = []
    deadline = time.monotonic() + timeout
    try:
        for keeper in keepers.values():
            if not keeper.gate.acquire(timeout=max(0.0, deadline - time.monotonic())):
                return None
            taken.append(keeper.gate)
        delivery_lock.acquire()  # inbound watermarks must match the queued messages we copy
        taken.append(delivery_lock)
        nodes: dict[str, Any] = {}
        for nid, keeper in keepers.items():
            runner = keeper.runner
            queues: list[list[Message]] = []
            with runner.inbox.cond:
                for queue in runner.inbox.edges:
                    queues.append([item[1] for item in queue.items] if _lossless(queue) else [])
                sync = {p: list(b) for p, b in runner.sync_buffers.items()}
                in_hand = keeper.in_hand
            if in_hand is not None:
                position, msg = in_hand
                port = runner.inbox.edges[position].port
                already = runner.policies.get(port) == "sync" and sync.get(port) and sync[port][-1] is msg
                if not already and _lossless(runner.inbox.edges[position]):
                    queues[position].insert(0, msg)
            nodes[nid] = {"snapshot": runner.node.snapshot(), "seq": dict(runner.seq),
                          "latest": dict(runner.node._latest), "sync": sync, "queues": queues}
        outs = []
        for outlet in outlets:
            with outlet.cond:
                outs.append({"retained": list(outlet.retained), "queue": list(outlet.queue) if outlet.on_full == "block" else []})
        return {"nodes": nodes, "outlets": outs, "inbound": inbound_state(), "at": time.time()}
    finally:
        for gate in taken:
            gate.release()


def restore(state: dict[str, Any], keepers: dict[str, NodeKeeper], outlets: list[RemoteOutlet]) -> None:
    """Put a checkpoint back before the fragment's threads start (node state is restored after setup)."""
    for nid, saved in state["nodes"].items():
        keeper = keepers.get(nid)
        if keeper is None:
            continue
        runner = keeper.runner
        if saved["snapshot"] is not None:
            keeper.pending_restore, keeper.has_restore = saved["snapshot"], True
        runner.seq.update(saved["seq"])
        runner.node._latest.update(saved["latest"])
        for port, items in saved["sync"].items():
            runner.sync_buffers[port].extend(items)
        for queue, items in zip(runner.inbox.edges, saved["queues"], strict=False):
            for msg in items:
                queue.items.append((runner.inbox.next_arrival(), msg, time.perf_counter_ns()))
    for outlet, saved in zip(outlets, state["outlets"], strict=False):
        outlet.retained.extend(saved["retained"])
        outlet.queue.extend(saved["queue"])

"""Consistent checkpoints of a fragment: node state, sequence counters, queued lossless messages, outlets.

Built on the local executor's barrier: the fragment's executor gates every node step (`barrier=True`), and a
checkpoint holds the barrier, so it sees each node between two steps (a consistent cut of the fragment). A
message a node has taken from its queue but not yet handled ("in hand") is put back at the front by
`NodeRunner.checkpoint_state()`. Node state comes back after `setup()` through an executor hook.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ggpgfx.runtime.local import NodeRunner, StepHooks

if TYPE_CHECKING:
    from ggpgfx.runtime.local import LocalExecutor
    from ggpgfx.runtime.ray_outlet import RemoteOutlet


class RestoreAfterSetup(StepHooks):
    """Executor hook: give each node its saved snapshot right after its `setup()`."""

    def __init__(self, snapshots: dict[str, Any]) -> None:
        self.snapshots = snapshots

    def after_setup(self, runner: NodeRunner) -> None:
        """Restore the node's state, when the checkpoint has one."""
        if runner.rnode.id in self.snapshots:
            runner.node.restore(self.snapshots[runner.rnode.id])


def capture(executor: LocalExecutor, outlets: list[RemoteOutlet], inbound_state: Callable[[], Any],
            delivery_lock: threading.Lock, timeout: float = 0.2) -> dict[str, Any] | None:
    """A consistent checkpoint, or None when some node stayed busy (blocked on a full edge) too long."""
    with executor.barrier(timeout) as paused:
        if not paused:
            return None
        with delivery_lock:  # inbound watermarks must match the queued messages we copy
            nodes: dict[str, Any] = {}
            for nid, runner in executor.runners.items():
                nodes[nid] = {"snapshot": runner.node.snapshot(), **runner.checkpoint_state()}
            outs = [outlet.checkpoint_state() for outlet in outlets]
            return {"nodes": nodes, "outlets": outs, "inbound": inbound_state(), "at": time.time()}


def restore(state: dict[str, Any], executor: LocalExecutor, outlets: list[RemoteOutlet]) -> None:
    """Put a checkpoint back before the fragment's threads start (node state is restored after setup)."""
    snapshots: dict[str, Any] = {}
    for nid, saved in state["nodes"].items():
        runner = executor.runners.get(nid)
        if runner is None:
            continue
        if saved["snapshot"] is not None:
            snapshots[nid] = saved["snapshot"]
        runner.restore_state(saved)
    executor.add_hooks(RestoreAfterSetup(snapshots))
    for outlet, saved in zip(outlets, state["outlets"], strict=False):
        outlet.restore_state(saved)

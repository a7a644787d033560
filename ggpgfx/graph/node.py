"""The node API: ports, Params, resources and lifecycle declared on one class."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from ggpgfx.graph.ports import ArrowTable, Port, VideoCaps, negotiates_caps

__all__ = ["ArrowTable", "Message", "Node", "NodeContext", "NodeIO", "NoParams", "Port", "Resources", "VideoCaps",
           "register_node"]


@dataclass(slots=True)
class Message:
    """One message on an edge: payload plus pts (µs), sequence number and source wall time (ns)."""

    payload: Any
    pts: int
    seq: int
    origin_ns: int


class NoParams(BaseModel):
    """Parameters of a node type that takes none."""

    model_config = ConfigDict(extra="forbid")


class Resources(BaseModel):
    """What a node needs: CPUs, a GPU fraction, memory, and custom Ray resources (extra keys)."""

    model_config = ConfigDict(extra="allow")
    cpu: float = 0.0
    gpu: float = 0.0
    memory_mb: int = 0

    def custom(self) -> dict[str, float]:
        """Custom resource requests (such as `rfid_reader: 1`)."""
        return {k: float(v) for k, v in (self.model_extra or {}).items()}


@dataclass
class NodeContext:
    """What the runtime tells a node about where it runs."""

    graph_name: str = "graph"
    node_id: str = "node"
    fps: float = 30.0
    realtime: bool = True
    home: Path = field(default_factory=lambda: Path.home() / ".ggp")
    settings: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    #: Input ports with at least one edge (so a node can tell whether an optional input is in use).
    connected_inputs: frozenset[str] = frozenset()
    #: Output ports with at least one edge, or None when the executor does not say (then assume all are used).
    connected_outputs: frozenset[str] | None = None
    #: Output ports with two or more edges: the executor hands each frame sent there to every consumer
    #: read-only (`VideoFrame.share`), so a writer copies first. Empty when the executor does not say.
    shared_outputs: frozenset[str] = frozenset()
    #: Set by executors that checkpoint (a restartable Ray fragment): asks for a checkpoint soon.
    request_checkpoint: Callable[[], None] | None = None
    #: The run policy of the graph (ggpgfx.policy.RunPolicy) or None when unrestricted.
    policy: Any = None


class NodeIO(Protocol):
    """What an executor gives a node it runs: outputs, `latest` inputs, and a way back onto the node's thread.

    Executors implement it (the local executor's `NodeRunner` does) and hand it to `Node.bind`; node code
    calls the `Node` methods of the same names, never this object directly.
    """

    def emit(self, port: str, payload: Any, pts: int | None) -> None:
        """Send a payload on an output port (from any thread)."""

    def latest(self, port: str) -> Any | None:
        """The newest payload of a `latest` input."""

    def call_soon(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(*args)` on the node's thread between two messages (from any thread)."""

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Block the node's thread until `predicate()` holds, delivering what worker threads post meanwhile."""

    def slot_frame(self, port: str, width: int, height: int, pixel_format: str, pts: int) -> Any | None:
        """A VideoFrame whose planes lie in the shared memory the output's only consumer reads, or None.

        Optional: an executor without it gives every node plain frames (`Node.new_frame` checks)."""


class Node:
    """Base class of every node type. Subclasses declare ports, Params and resources as class attributes."""

    type_name: ClassVar[str] = ""
    inputs: ClassVar[dict[str, Port]] = {}
    outputs: ClassVar[dict[str, Port]] = {}
    Params: ClassVar[type[BaseModel]] = NoParams
    resources: ClassVar[Resources] = Resources()
    #: True when the node takes and emits VideoFrames on the device it runs on (its `device` param resolved
    #: to CUDA): the runtime moves frames across CPU<->GPU boundaries. False: frames reach it in host memory.
    device_frames: ClassVar[bool] = False
    #: A heavy or blocking stage (codecs, inference, network and file I/O): the default `auto` scheduler keeps
    #: it on a thread of its own so it overlaps the other stages; light nodes run in their producer's thread.
    own_thread: ClassVar[bool] = False
    #: The node finishes files when it stops (a recording's trailer, renaming a temporary into place): a stop
    #: that timed out still gives it the graph's `finish_timeout_s` before its thread is abandoned, and then
    #: calls `abandon()` so no half-written file is left.
    writes_files: ClassVar[bool] = False

    def __init__(self, node_id: str, params: BaseModel | None = None, context: NodeContext | None = None) -> None:
        self.id = node_id
        self.params: Any = params if params is not None else self.Params()
        self.context = context or NodeContext(node_id=node_id)
        self.log = logging.getLogger(f"ggpgfx.node.{node_id}")
        self._io: NodeIO | None = None
        self._reported: dict[str, float] = {}
        self._reported_lock = threading.Lock()

    # -- lifecycle hooks, overridden by node types ------------------------------------------------
    def setup(self) -> None:
        """Acquire codecs, models, sockets. Called once, in the thread that will run the node."""

    def process(self, port: str, msg: Message) -> None:
        """Handle one message arriving on a `queue` input."""
        raise NotImplementedError(f"{type(self).__name__} has queue inputs but does not implement process()")

    def process_sync(self, messages: dict[str, Message]) -> None:
        """Handle one set of pts-aligned messages, one per `sync` input."""
        raise NotImplementedError(f"{type(self).__name__} has sync inputs but does not implement process_sync()")

    def on_latest(self, port: str, msg: Message) -> None:
        """Called when a `latest` input receives a new value (after `latest()` reflects it)."""

    def tick(self) -> bool:
        """Source nodes: emit zero or more messages; return False when the source is exhausted."""
        raise NotImplementedError(f"{type(self).__name__} is a source but does not implement tick()")

    def on_eos(self) -> None:
        """Every input has ended: flush buffered output (encoders, muxers) before teardown."""

    def teardown(self) -> None:
        """Release what setup acquired. Called even after an error."""

    def abandon(self) -> None:
        """The runtime gives up on this node's thread (stuck past every stop timeout; the process is about to
        end): remove half-written output. Called from another thread: touch only files, not what the node's
        thread is using."""

    def snapshot(self) -> Any | None:
        """Stateful nodes: a picklable snapshot of their state, or None when stateless."""
        return None

    def restore(self, state: Any) -> None:
        """Stateful nodes: restore from the value `snapshot()` returned."""

    @classmethod
    def graph_problems(cls, params: BaseModel, downstream: set[str]) -> list[str]:
        """Problems of this node's params given the types of the nodes its outputs reach (checked when a graph is
        validated; e.g. an overlay whose picture airs through `delay.secure` may not label itself LIVE)."""
        return []

    @classmethod
    def negotiate(cls, params: BaseModel, input_caps: dict[str, VideoCaps]) -> dict[str, VideoCaps]:
        """Caps of each video output given the params and upstream caps (default: declared or passed through)."""
        result: dict[str, VideoCaps] = {}
        upstream = next(iter(input_caps.values()), None) if len(input_caps) == 1 else None
        for name, port in cls.outputs.items():
            if not negotiates_caps(port.type):
                continue
            declared = port.caps or VideoCaps()
            result[name] = declared.merge(upstream) if upstream else declared
        return result

    # -- provided by the runtime ------------------------------------------------------------------
    def bind(self, io: NodeIO) -> None:
        """Attach the executor that runs this node (called by executors, once, before `setup`)."""
        self._io = io

    def emit(self, port: str, payload: Any, pts: int | None = None) -> None:
        """Send a payload on an output port; pts defaults to that of the message being processed.

        Safe from any thread: called from a worker thread the node started, the message is handed to the
        node's own thread, which numbers and sends it between two messages (pass `pts` explicitly there).
        """
        if self._io is None:
            raise RuntimeError(f"node '{self.id}' emitted on '{port}' outside a running graph")
        self._io.emit(port, payload, pts)

    def new_frame(self, port: str, width: int, height: int, pixel_format: str = "yuv420p", pts: int = 0) -> Any:
        """A VideoFrame to draw a new picture into and emit on `port`; its planes are NOT initialised (write every
        pixel, e.g. `np.copyto(plane, background)`).

        Where the port's only consumer runs in another process on this machine (a Ray fragment across a
        shared-memory edge), the planes are a slot of that edge's ring, and emitting the frame sends a small
        header instead of copying 3 MB (docs/ray.md, "Hop: drawing into the slot"). Everywhere else they are
        plain numpy arrays. Either way the frame behaves the same: emit it once (a second emit or a batch of
        frames is copied as before), keep it as long as you like (its slot is not reused while you do), or
        drop it without emitting (its slot is let go of).
        """
        frame = self.slot_frame(port, width, height, pixel_format, pts)
        if frame is not None:
            return frame
        # the port's declared frame class makes the plain frame (the graph layer knows no payload class by name)
        declared = self.outputs.get(port)
        empty = getattr(declared.type if declared is not None else None, "empty", None)
        if empty is None:
            raise TypeError(f"node '{self.id}': new_frame() needs an output port declared with a frame type that "
                            f"has an `empty` constructor (VideoFrame); '{port}' is "
                            f"{'not an output' if declared is None else declared.type!r}")
        return empty(width, height, pixel_format, pts)

    def slot_frame(self, port: str, width: int, height: int, pixel_format: str = "yuv420p",
                   pts: int = 0) -> Any | None:
        """Like `new_frame`, but None where the planes would not be a shared-memory slot: for a node whose
        pixels already sit in a buffer of their own (a decoder's), so it copies them only where the copy
        replaces the one the edge would make anyway."""
        make = getattr(self._io, "slot_frame", None)
        return None if make is None else make(port, width, height, pixel_format, pts)

    def call_soon(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(*args)` on this node's thread between two messages; for worker threads that touch node state."""
        if self._io is None:
            raise RuntimeError(f"node '{self.id}' called call_soon() outside a running graph")
        self._io.call_soon(fn, *args)

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Block until `predicate()` is true (True) or the timeout passes (False), e.g. in `on_eos` while a
        worker thread finishes; what workers emit or `call_soon` meanwhile is delivered while waiting."""
        if self._io is not None:
            return self._io.wait_until(predicate, timeout_s)
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def checkpoint_now(self) -> None:
        """Ask for a checkpoint at a point that matters to the node (the end of a hand); safe from any thread,
        a no-op where nothing checkpoints."""
        if self.context.request_checkpoint is not None:
            self.context.request_checkpoint()

    def set_metric(self, key: str, value: float) -> None:
        """Report a gauge (encoder bitrate, reader health, buffer fill...), exported with the node's labels.

        Keys named in `ggpgfx.telemetry.catalog` become their own Prometheus metric; others are exported as
        `ggp_node_metric{metric="key"}`. Safe from any thread.
        """
        with self._reported_lock:
            self._reported[key] = float(value)

    def count_metric(self, key: str, amount: float = 1.0) -> None:
        """Add to a counter the node reports (reconnects, conflicts); safe from any thread."""
        with self._reported_lock:
            self._reported[key] = self._reported.get(key, 0.0) + amount

    def reported_metrics(self) -> dict[str, float]:
        """A copy of what the node reported with `set_metric` / `count_metric`."""
        with self._reported_lock:
            return dict(self._reported)

    def latest(self, port: str) -> Any | None:
        """The newest payload received on a `latest` input, or None before the first one."""
        return None if self._io is None else self._io.latest(port)

    def output_used(self, port: str) -> bool:
        """True when an output port has an edge (or the executor does not say): skip work nobody receives."""
        used = self.context.connected_outputs
        return used is None or port in used

    @classmethod
    def is_source(cls) -> bool:
        """True for node types with no inputs."""
        return not cls.inputs


def register_node(cls: type[Node]) -> type[Node]:
    """Class decorator: add a node type to the registry under its `type_name`."""
    from ggpgfx.graph.registry import add_node_type

    add_node_type(cls)
    return cls

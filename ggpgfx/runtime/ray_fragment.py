"""The fragment actor: runs the local executor over its nodes, receives cross-fragment edges, checkpoints."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ggpgfx.errors import NodeError
from ggpgfx.graph.node import Message, Node, NodeContext
from ggpgfx.graph.validate import ResolvedEdge, ResolvedGraph, ResolvedNode
from ggpgfx.runtime import ray_checkpoint
from ggpgfx.runtime.local import LocalExecutor, NodeRunner, Outlet, RunOptions, StepHooks
from ggpgfx.runtime.planner import Fragment
from ggpgfx.runtime.ray_merge import InboundEdge
from ggpgfx.runtime.ray_metrics import MetricsExporter
from ggpgfx.runtime.ray_outlet import FanOutlet, RemoteOutlet
from ggpgfx.runtime.ray_socket import SocketServer
from ggpgfx.runtime.ray_wire import PIN_SLOTS, ShmReader, ShmRing, decode
from ggpgfx.runtime.state_store import StateStore

log = logging.getLogger(__name__)


@dataclass
class FragmentSetup:
    """Everything a fragment actor needs, identical on every (re)start."""

    graph_blob: bytes  # cloudpickled ResolvedGraph (test-only node classes travel by value)
    fragment: Fragment
    routes: dict[int, list[str]]  # edge index -> consumer fragment names (several for replicas)
    retain: dict[int, bool]  # edge index -> keep messages for replay (lossless edge into a restartable fragment)
    producers: dict[int, int]  # inbound edge index -> number of producer replicas
    run_id: str
    namespace: str
    options: dict[str, Any] = field(default_factory=dict)  # RunOptions fields
    home: str = ""
    transport: str = "auto"
    window: int = 4
    shm_prefix: str = "ggp"
    taps: dict[str, list[str]] = field(default_factory=dict)  # node id -> input ports whose messages go to the driver
    mirrors: dict[str, str] = field(default_factory=dict)  # key -> path of an append-only file the driver feeds


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


TAP_BACKLOG = 4096  # tapped messages kept for the driver between two polls (the oldest go first)


class _Taps(StepHooks):
    """Copies of what reaches tapped inputs (node id -> ports), held until the driver's next poll takes them.

    The driver polls every fragment every 50 ms anyway, so the copies travel in the poll's answer: no
    shared file system and no extra actor, on one machine or many. Payloads go as plain rows
    (`to_pylist()` of Arrow tables such as CardReads) or as they are (they must pickle).
    """

    def __init__(self, ports: dict[str, list[str]]) -> None:
        self.ports = {nid: set(names) for nid, names in ports.items() if names}
        self.pending: deque[tuple[str, str, Any]] = deque(maxlen=TAP_BACKLOG)
        self.dropped = 0
        self.lock = threading.Lock()

    def after_message(self, runner: NodeRunner, port: str, msg: Message) -> None:
        if port not in self.ports.get(runner.rnode.id, ()):
            return
        payload = msg.payload
        data = payload.to_pylist() if hasattr(payload, "to_pylist") else payload
        with self.lock:
            if len(self.pending) == self.pending.maxlen:
                self.dropped += 1
            self.pending.append((runner.rnode.id, port, data))

    def take(self) -> list[tuple[str, str, Any]]:
        """Everything tapped since the last call, oldest first."""
        with self.lock:
            taken = list(self.pending)
            self.pending.clear()
        if self.dropped:
            log.warning("%d tapped messages dropped: the driver did not poll for a while", self.dropped)
            self.dropped = 0
        return taken


class FragmentActor:
    """One fragment of a graph inside a Ray actor (wrapped with ray.remote by the executor)."""

    def __init__(self, setup: FragmentSetup) -> None:
        from ray import cloudpickle

        if setup.home:
            os.environ["GGP_HOME"] = setup.home
        self.setup = setup
        self.frag = setup.fragment
        self.graph: ResolvedGraph = cloudpickle.loads(setup.graph_blob)
        self.incarnation = uuid.uuid4().hex[:12]
        self.node_ref = _node_id()
        self.outlets: list[RemoteOutlet] = []
        self.reader = ShmReader()
        self._readers: dict[int, ShmReader] = {}
        self.restartable = self.frag.max_restarts > 0
        self.store = StateStore(self.graph.name, setup.run_id, root=None)
        self.abort = threading.Event()
        self.soon = threading.Event()
        replica = self.frag.replica_of is not None
        self.executor = LocalExecutor(self.graph, RunOptions(**setup.options), node_ids=list(self.frag.node_ids),
                                      outlet_factory=self._outlet, node_factory=self._make_node,
                                      barrier=self.restartable, echo_seq=replica)
        self.executor.abort = self.abort  # the outlets made during construction watch the same event
        self.inbound: dict[int, InboundEdge] = {}
        for index, queue in self.executor.inbound.items():
            queue.open_producers = setup.producers.get(index, 1)
            edge = self.graph.edges[index]
            self.inbound[index] = InboundEdge(queue, setup.producers.get(index, 1), self.executor.abort,
                                              lossy=edge.on_full == "drop_oldest",
                                              count_gaps=self.frag.replica_of != edge.dst)
        self.delivery_lock = threading.Lock()
        self.restored = False
        if self.restartable:
            state = self.store.load(self.frag.name)
            if state is not None:
                ray_checkpoint.restore(state, self.executor, self.outlets)
                for index, saved in state["inbound"].items():
                    if index in self.inbound:
                        self.inbound[index].load(saved)
                self.restored = True
        self.checkpoints = 0
        self.started = False
        self.server: SocketServer | None = None
        if self.inbound and setup.transport != "object_store" and ShmRing.available():
            try:
                self.server = SocketServer(f"{setup.run_id}-{self.incarnation}", self._socket_record)
            except OSError:  # no Unix sockets here: producers use actor calls
                self.server = None
        self.metrics = MetricsExporter(self.graph.name, self.frag.name, setup.options.get("metric_labels") or {})
        self.tapped = _Taps({nid: ports for nid, ports in setup.taps.items() if nid in self.frag.node_ids})
        if self.tapped.ports:
            self.executor.add_hooks(self.tapped)

    # -- construction hooks --------------------------------------------------------------------------
    def _make_node(self, rnode: ResolvedNode, context: NodeContext) -> Node:
        if self.frag.gpu and "device" not in type(rnode.params).model_fields:  # device params: resolved already
            visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
            context.device = "cuda:0" if visible and visible != "-1" else "cpu"
        # Node.checkpoint_now() only wakes the checkpoint thread, so it is safe anywhere.
        context.request_checkpoint = self.soon.set
        return rnode.cls(rnode.id, rnode.params, context)

    def _outlet(self, edge: ResolvedEdge) -> Outlet:
        outlets = []
        for replica_index, name in enumerate(self.setup.routes[edge.index]):
            target = _LazyActor(f"ggp/{self.graph.name}/{name}", self.setup.namespace)
            ring = None
            if self.setup.transport != "object_store" and ShmRing.available():
                ring = ShmRing(f"{self.setup.shm_prefix}_{self.frag.name}_{edge.index}_{replica_index}"
                               f"_{self.incarnation}", self.setup.window,
                               pins=0 if self.setup.transport == "shm_copy" else PIN_SLOTS)
            # A replicated producer is "replica k" of the consumer's merge; a replicated consumer gets one outlet each.
            replica = self.frag.replica_index if self.frag.replica_of else 0
            outlet = RemoteOutlet(edge.index, edge.label, edge.capacity, edge.on_full, target, replica=replica,
                                  retain=self.setup.retain.get(edge.index, False), window=self.setup.window,
                                  ring=ring, abort=self.abort, node_id=self.node_ref,
                                  draw_in_slots=self.setup.transport != "shm_copy_in")
            self.outlets.append(outlet)
            outlets.append(outlet)
        return outlets[0] if len(outlets) == 1 else FanOutlet(outlets)

    # -- control, called by the driver ---------------------------------------------------------------
    def ready(self) -> dict[str, Any]:
        """Where this fragment runs: pid, Ray node id, CUDA_VISIBLE_DEVICES, restored from a checkpoint?"""
        return {"pid": os.getpid(), "node_id": self.node_ref, "restored": self.restored,
                "incarnation": self.incarnation, "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
                "devices": {nid: r.node.context.device for nid, r in self.executor.runners.items()}}

    def start(self) -> bool:
        """Start node threads, outlet senders and the checkpoint thread (idempotent)."""
        if self.started:
            return False
        self.started = True
        for outlet in self.outlets:
            outlet.start()
        self.executor.start()
        if self.restartable:
            threading.Thread(target=self._checkpoint_loop, name="ggp-checkpoint", daemon=True).start()
        self.metrics.start(self.executor, self.outlets)
        return True

    def poll(self) -> dict[str, Any]:
        """Done? failed? (cheap: the driver calls this often)."""
        error = self.executor.error
        failed_outlet = next((o.failed for o in self.outlets if o.failed), None)
        done = self.started and not self.executor.alive() and all(o.finished.is_set() for o in self.outlets)
        packed = None
        if error is not None:
            packed = (getattr(error, "node_id", None), _plain_message(error), getattr(error, "pts", None))
        return {"done": done, "error": packed, "outlet_error": failed_outlet, "checkpoints": self.checkpoints,
                "taps": self.tapped.take(), "mirrors": {key: _size(path) for key, path in self.setup.mirrors.items()}}

    def append_mirror(self, key: str, offset: int, data: bytes) -> int:
        """Append the driver's bytes to a mirrored file when they continue it exactly (a repeat or a gap is
        left for the next poll to put right); returns the file's size."""
        path = self.setup.mirrors[key]
        if _size(path) == offset and data:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "ab") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        return _size(path)

    def stats(self) -> dict[str, Any]:
        """Per-node metrics, with drops seen on cross-fragment inputs added to the consuming node."""
        stats = self.executor.stats()
        for index, inbound in self.inbound.items():
            nid = self.graph.edges[index].dst
            if nid in stats:
                stats[nid]["drops"] += inbound.gap_drops
        for outlet in self.outlets:
            nid = self.graph.edges[outlet.edge_index].dst
            hops = sorted(outlet.hop_us)
            stats.setdefault("_hops", {})[outlet.label + (f" #{outlet.replica}" if outlet.replica else "")] = {
                "to": nid, "drops": outlet.drops, "p50_us": hops[len(hops) // 2] if hops else None,
                "p95_us": hops[min(len(hops) - 1, len(hops) * 95 // 100)] if hops else None,
                "transport": "shm" if outlet.use_ring else "object_store",
                "samples": len(hops), **_ring_stats(outlet.ring)}
        for nid in self.frag.node_ids:
            if nid in stats:
                stats[nid]["fragment"] = self.frag.name
        return stats

    def stop(self, drain: bool = True) -> None:
        """Stop sources (drain) or abort everything now."""
        self.executor.stop(drain)

    def results(self) -> dict[str, dict[str, Any]]:
        """What collect and stats sinks kept, for RunResult.collected()."""
        out: dict[str, dict[str, Any]] = {}
        for nid, runner in self.executor.runners.items():
            kept = {attr: getattr(runner.node, attr) for attr in ("items", "summary") if hasattr(runner.node, attr)}
            if kept:
                out[nid] = kept
        return out

    def peer_restarted(self, fragment: str) -> None:
        """A consumer fragment came back: finished edges into it replay and close again."""
        for outlet in self.outlets:
            if self.setup.routes[outlet.edge_index] and fragment in self.setup.routes[outlet.edge_index] \
                    and outlet.finished.is_set():
                threading.Thread(target=outlet.resync_after_restart, daemon=True).start()

    def shutdown(self) -> None:
        """Abort threads and free shared memory before the actor is killed; nodes still finishing files get
        the graph's `finish_timeout_s` (then their half-written files are removed)."""
        self.executor.stop(drain=False)
        if not self.executor.wait(self.graph.spec.settings.stop_timeout_s * 0.4):
            self.executor.finish_files()
        self.metrics.stop()
        if self.metrics.metrics:
            self.metrics.export(self.executor)  # the last numbers, so short runs show up too
        for outlet in self.outlets:
            outlet.shutdown()
        if self.server is not None:
            self.server.close()
        self.reader.close()

    # -- data, called by producer fragments ----------------------------------------------------------
    def deliver(self, edge: int, replica: int, wire: Any, incarnation: str | None, sent_ns: int,
                reader: ShmReader | None = None) -> tuple[Any, ...]:
        """Accept a batch (never blocks: the producer's credit keeps the backlog bounded)."""
        if incarnation != self.incarnation:
            return ("resync",)
        msgs: list[Message] = decode(wire, reader or self.reader)
        inbound = self.inbound[edge]
        with self.delivery_lock:
            inbound.accept(replica, msgs)
        hop_us = (time.perf_counter_ns() - sent_ns) / 1000 if sent_ns else None
        return ("ok", inbound.backlog(), self._committed(inbound, replica), hop_us)

    def resume(self, edge: int, replica: int) -> tuple[int, str, int, str, str | None]:
        """A producer (re)connects: last seq we hold for it, incarnation, backlog, Ray node, socket path."""
        inbound = self.inbound[edge]
        path = self.server.path if self.server is not None else None
        return inbound.received(replica), self.incarnation, inbound.backlog(), self.node_ref, path

    def backlog(self, edge: int, replica: int, incarnation: str | None) -> tuple[Any, ...]:
        """How many messages wait on an inbound edge (credit polling under backpressure)."""
        if incarnation != self.incarnation:
            return ("resync",)
        inbound = self.inbound[edge]
        return ("ok", inbound.backlog(), self._committed(inbound, replica), None)

    def close_edge(self, edge: int, replica: int, incarnation: str | None) -> tuple[Any, ...]:
        """A producer finished."""
        if incarnation != self.incarnation:
            return ("resync",)
        inbound = self.inbound[edge]
        with self.delivery_lock:
            inbound.close(replica)
        return ("ok", inbound.backlog(), self._committed(inbound, replica), None)

    def _socket_record(self, edge: int, replica: int, record: Any) -> tuple[Any, ...]:
        """One batch that came over a producer's socket (each connection thread has its own ring reader)."""
        reader = self._readers.get(threading.get_ident())
        if reader is None:
            reader = self._readers[threading.get_ident()] = ShmReader()
        wire, incarnation, sent_ns = record
        return self.deliver(edge, replica, wire, incarnation, sent_ns, reader)

    def _committed(self, inbound: InboundEdge, replica: int) -> int | None:
        # Without restarts nothing is replayed, so everything received counts as committed.
        return inbound.committed.get(replica, -1) if self.restartable else inbound.received(replica)

    # -- checkpoints ---------------------------------------------------------------------------------
    def _checkpoint_loop(self) -> None:
        interval = self.frag.snapshot_interval_s or 0.5
        while not self.executor.abort.is_set():
            self.soon.wait(interval)
            self.soon.clear()
            if not self.executor.alive():
                return
            self.checkpoint()

    def checkpoint(self) -> bool:
        """Write a consistent checkpoint now; True when one was written."""
        marks: dict[int, dict[str, Any]] = {}

        def inbound_state() -> dict[int, Any]:
            for index, inbound in self.inbound.items():
                marks[index] = inbound.dump()
            return marks

        state = ray_checkpoint.capture(self.executor, self.outlets, inbound_state, self.delivery_lock)
        if state is None:
            return False
        self.store.save(self.frag.name, state)
        for index, saved in marks.items():
            self.inbound[index].committed = dict(saved["received"])
        self.checkpoints += 1
        return True


class _LazyActor:
    """A named actor handle looked up on first use (its actor may still be starting when we are built)."""

    def __init__(self, name: str, namespace: str) -> None:
        self.name = name
        self.namespace = namespace
        self._handle: Any = None

    def __getattr__(self, method: str) -> Any:
        if self._handle is None:
            import ray

            self._handle = ray.get_actor(self.name, namespace=self.namespace)
        return getattr(self._handle, method)


def _ring_stats(ring: ShmRing | None) -> dict[str, int]:
    """How an edge's frames crossed: drawn in a slot and sent header-only (`in_slot`), copied into a slot
    (`copied_in`), claimed but never sent (`unsent`), and slots still in use (`ring_in_use`: 0 after the
    stream ended when the consumer keeps no frames)."""
    if ring is None:
        return {}
    return {"in_slot": ring.sealed, "copied_in": ring.copied, "unsent": ring.unsent, "ring_in_use": ring.in_use()}


def _plain_message(error: BaseException) -> str:
    if isinstance(error, NodeError):
        text = str(error)
        prefix = f"node '{error.node_id}'" + (f" at pts={error.pts}us" if error.pts is not None else "") + ": "
        return text[len(prefix):] if text.startswith(prefix) else text
    return str(error)


def _node_id() -> str:
    try:
        import ray

        return str(ray.get_runtime_context().get_node_id())
    except Exception:
        return "?"

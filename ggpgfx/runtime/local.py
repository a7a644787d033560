"""The local executor: every node on its own thread in this process, bounded queues between them."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ggpgfx.config import ggp_home
from ggpgfx.errors import GgpError, NodeError
from ggpgfx.graph.node import Message, Node, NodeContext
from ggpgfx.graph.ports import negotiates_caps
from ggpgfx.graph.validate import ResolvedEdge, ResolvedGraph, ResolvedNode
from ggpgfx.media.frames import VideoFrame, plane_sizes
from ggpgfx.runtime import devices
from ggpgfx.runtime.channel import EdgeQueue, Inbox
from ggpgfx.runtime.metrics import NodeMetrics
from ggpgfx.runtime.process import disable_huge_pages

log = logging.getLogger(__name__)


class Outlet(Protocol):
    """Where an output port's messages go: a local edge queue or a cross-process channel."""

    def put(self, msg: Message, stop: threading.Event) -> bool: ...

    def close(self) -> None: ...


@dataclass
class RunOptions:
    """How to run a graph; None means 'as the graph's settings say'."""

    realtime: bool | None = None
    max_frames: int | None = None
    duration_s: float | None = None
    on_stats: Callable[[dict[str, Any]], None] | None = None
    stats_interval_s: float = 1.0
    #: organisation / project / stream labels of the run's metrics (set by the platform for managed streams).
    metric_labels: dict[str, str] = field(default_factory=dict)
    #: once every node is set up, move what setup allocated (imports, kernels, tables) out of the garbage
    #: collector's reach (`gc.freeze`), so a full collection while frames flow does not walk it with the GIL
    #: held. For a process that runs one graph (`ggp run`); a long-lived process running many graphs keeps
    #: it off (what is frozen is never collected).
    freeze_gc: bool = False


@dataclass
class RunResult:
    """What a finished run reports: per-node metrics, errors, and the nodes (for collect sinks)."""

    graph: str
    elapsed_s: float
    nodes: dict[str, dict[str, Any]]
    error: GgpError | None = None
    interrupted: bool = False
    instances: dict[str, Node] = field(default_factory=dict, repr=False)

    def collected(self, node_id: str) -> list[Any]:
        """Payloads received by a `sink.collect` node."""
        return list(getattr(self.instances[node_id], "items", []))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (what `--stats-json` writes)."""
        return {"graph": self.graph, "elapsed_s": self.elapsed_s, "interrupted": self.interrupted,
                "error": str(self.error) if self.error else None, "nodes": self.nodes}


def _fanned_out(graph: Any, nid: str) -> frozenset[str]:
    """The node's output ports with more than one edge (their frames go out shared, read-only)."""
    ports = Counter(e.spec.src_port for e in graph.edges_from(nid))
    return frozenset(port for port, count in ports.items() if count > 1)


def as_node_error(node_id: str, exc: BaseException, pts: int | None) -> NodeError:
    """The NodeError reported for an exception raised by a node (user errors keep their own message)."""
    if isinstance(exc, NodeError):
        return exc
    text = str(exc) if isinstance(exc, GgpError) else f"{type(exc).__name__}: {exc}"
    error = NodeError(node_id, text, pts)
    error.__cause__ = exc
    return error


class InlineOutlet:
    """A fused edge: the consumer's process() runs in the producer's thread, with no queue."""

    def __init__(self, consumer: NodeRunner, port: str) -> None:
        self.consumer = consumer
        self.port = port

    def put(self, msg: Message, stop: threading.Event) -> bool:
        """Run the consumer on this message now."""
        if stop.is_set():
            return False
        self.consumer.deliver_inline(self.port, msg)
        return True

    def close(self) -> None:
        """End of stream for the consumer: flush, tear down, close its outputs."""
        self.consumer.finish_inline()


class HostOutlet:
    """A cross-fragment edge out of a node that keeps frames on a CUDA device: frames go to host memory
    (through pinned buffers) before the fragment channel, which carries host frames only."""

    def __init__(self, inner: Outlet, metrics: NodeMetrics) -> None:
        self.inner = inner
        self.metrics = metrics

    def put(self, msg: Message, stop: threading.Event) -> bool:
        """Download a device frame, then send."""
        payload = msg.payload
        if type(payload) is VideoFrame and payload.device != "cpu":
            self.metrics.downloads += 1
            msg = Message(devices.to_host_pinned(payload), msg.pts, msg.seq, msg.origin_ns)
        return self.inner.put(msg, stop)

    def close(self) -> None:
        """End of stream on the inner outlet."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # drops, counters and the rest of the wrapped outlet
        return getattr(self.inner, name)


class StepHooks:
    """Callbacks a `LocalExecutor` makes around each node's steps; subclass and override what you need.

    Every hook runs on the node's own thread. `before_message` sees a message after the runner took it from an
    input edge and before the node does; `after_message` after the node handled it (its emits are sent).
    """

    def after_setup(self, runner: NodeRunner) -> None:
        """The node's `setup()` returned (a checkpoint restores node state here)."""

    def before_message(self, runner: NodeRunner, port: str, msg: Message) -> None:
        """A message on `port` is about to reach the node."""

    def after_message(self, runner: NodeRunner, port: str, msg: Message) -> None:
        """The node has handled a message on `port`."""


class NodeRunner:
    """Runs one node on one thread: setup, its message loop or tick loop, EOS, teardown.

    The runner is the only writer of the node's sequence numbers and metrics: `emit` from any other thread
    (a worker the node started) is posted to the runner's inbox and sent from the node's thread between two
    messages. Every step that changes node state or emits (a message, a sync set, a tick, posted work, EOS)
    runs under the runner's gate when the executor has a barrier (`LocalExecutor(barrier=True)`).
    """

    def __init__(self, executor: LocalExecutor, rnode: ResolvedNode, node: Node, inbox: Inbox) -> None:
        self.ex = executor
        self.rnode = rnode
        self.node = node
        self.inbox = inbox
        self.outputs: dict[str, list[Outlet]] = {port: [] for port in rnode.cls.outputs}
        self.seq = dict.fromkeys(rnode.cls.outputs, 0)
        self.metrics = NodeMetrics(rnode.id, rnode.cls.type_name)
        self.current: Message | None = None
        self.is_source = rnode.cls.is_source() and not inbox.edges
        self.policies = {port: rnode.policy(port) for port in rnode.cls.inputs}
        self.sync_ports = [p for p, pol in self.policies.items() if pol == "sync"]
        self.sync_buffers: dict[str, deque[Message]] = {p: deque() for p in self.sync_ports}
        tolerances = [o.sync_tolerance_us for p, o in rnode.input_options.items() if p in self.sync_ports]
        self.sync_tolerance = max(tolerances, default=0)
        self.sync_drops = 0
        self.gate: threading.Lock | None = threading.Lock() if executor.has_barrier else None
        #: The message taken from an input edge whose step has not finished (set under `inbox.cond`; kept
        #: exact only with a barrier, which is when checkpoints read it).
        self.in_hand: tuple[EdgeQueue, Message] | None = None
        self._latest: dict[str, Message] = {}
        self._live_edges: list[EdgeQueue] = []
        self._pace_origin: tuple[int, float] | None = None
        self._paced_ns = 0
        self._ident: int | None = None  # the thread that runs this node (its host's, when fused)
        self._post_to = inbox  # where worker threads post (the host's inbox, when fused)
        self._in_step = False
        self._ended = False  # outputs closed: later emits from workers are dropped
        self.counts_frames = False  # a source with a video output: `max_frames` counts its ticks
        self.first_pts: int | None = None
        self.last_pts: int | None = None
        self.thread = threading.Thread(target=self._main, name=f"ggp-{rnode.id}", daemon=True)
        self.fused = False  # True: runs inside its producer's thread (scheduler: fused)
        self.frames_device = "cpu"  # where this node's VideoFrames live ("cuda:N" for device-frame nodes on CUDA)
        self.fused_children: list[NodeRunner] = []
        node.bind(self)

    # -- NodeIO: what the node calls ----------------------------------------------------------------
    def emit(self, port: str, payload: Any, pts: int | None) -> None:
        """Send a payload to every consumer of an output port (from a foreign thread: via the node's thread)."""
        if port not in self.outputs:
            raise ValueError(f"{self.rnode.cls.type_name} has no output port '{port}' "
                             f"(outputs: {', '.join(self.outputs) or 'none'})")
        if threading.get_ident() != self._ident:
            self._post_to.post(functools.partial(self._posted_emit, port, payload, pts, time.time_ns()))
            return
        self._send(port, payload, pts, None)

    def slot_frame(self, port: str, width: int, height: int, pixel_format: str, pts: int) -> VideoFrame | None:
        """A frame drawn in a claimed slot of the port's shared-memory ring, when the port's only consumer is
        across such an edge (an outlet with `claim_planes`, which says None when its ring has no free slot
        or the consumer is not on this machine); None everywhere else (the node then uses numpy planes)."""
        outlets = self.outputs.get(port)
        if not outlets or len(outlets) != 1 or self.frames_device != "cpu":
            return None
        claim = getattr(outlets[0], "claim_planes", None)
        if claim is None:
            return None
        buffers = claim(plane_sizes(pixel_format, width, height))
        return None if buffers is None else VideoFrame.on_buffers(buffers, width, height, pixel_format, pts)

    def call_soon(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(*args)` on the node's thread between two messages."""
        self._post_to.post(functools.partial(self._posted_call, fn, args))

    def latest(self, port: str) -> Any | None:
        """The newest payload of a `latest` input."""
        msg = self._latest.get(port)
        return None if msg is None else msg.payload

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Block until `predicate()` holds, running posted work meanwhile (polls when called off the node's thread)."""
        deadline = time.monotonic() + timeout_s
        own = threading.get_ident() == self._ident
        cond = self._post_to.cond
        while True:
            if own:
                self._run_posted()
            if predicate():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.ex.abort.is_set():
                return bool(predicate())
            with cond:
                if not (own and self._post_to.posted):
                    cond.wait(min(remaining, 0.05))

    # -- output ---------------------------------------------------------------------------------
    def _posted_emit(self, port: str, payload: Any, pts: int | None, origin_ns: int) -> None:
        self._step(self._send, port, payload, pts, origin_ns)

    def _posted_call(self, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        if not self._ended:
            self._step(fn, *args)

    def _send(self, port: str, payload: Any, pts: int | None, origin_ns: int | None) -> None:
        if self._ended:
            log.warning("node '%s' emitted on '%s' after its end of stream; dropped", self.rnode.id, port)
            return
        outlets = self.outputs[port]
        cur = self.current
        if pts is None:
            pts = cur.pts if cur is not None else 0
        if self.is_source:
            if self.first_pts is None:
                self.first_pts = pts
            self.last_pts = pts
            if self.ex.realtime:
                self._pace(pts)
        if origin_ns is None:
            origin_ns = cur.origin_ns if cur is not None else time.time_ns()
        seq = self.seq[port]
        self.seq[port] = seq + 1
        self.metrics.messages_out += 1
        if outlets:
            if len(outlets) > 1 and isinstance(payload, VideoFrame):
                payload.share()  # fan-out: consumers that draw into the frame get a copy via writable()
            msg = Message(payload, pts, seq, origin_ns)
            for outlet in outlets:
                outlet.put(msg, self.ex.abort)

    def _pace(self, pts: int) -> None:
        now = time.perf_counter()
        if self._pace_origin is None:
            self._pace_origin = (pts, now)
            return
        base_pts, base_wall = self._pace_origin
        delay = base_wall + (pts - base_pts) / 1e6 - now
        if delay > 0:
            began = time.perf_counter_ns()
            self.ex.sources_stop.wait(delay)
            self._paced_ns += time.perf_counter_ns() - began

    # -- steps ----------------------------------------------------------------------------------------
    def _step(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one state-changing step under the gate (re-entrant: a step inside a step runs as part of it)."""
        gate = self.gate
        if gate is None or self._in_step:  # no barrier: nothing to hold (the in-hand message only matters to one)
            return fn(*args)
        gate.acquire()
        self._in_step = True
        try:
            return fn(*args)
        finally:
            self._in_step = False
            self.in_hand = None
            gate.release()

    def _run_posted(self) -> None:
        """Run the work worker threads posted (emits, call_soon) on this thread, oldest first."""
        for work in self._post_to.take_posted():
            work()

    def _handle(self, port: str, msg: Message) -> None:
        """One input message, by the port's policy (runs inside a step)."""
        payload = msg.payload
        if type(payload) is VideoFrame and payload.device != self.frames_device:
            msg = self._moved(msg, payload)
        policy = self.policies[port]
        if policy == "latest":
            self._latest[port] = msg
            self.node.on_latest(port, msg)
        elif policy == "sync":
            self.sync_buffers[port].append(msg)
            self._try_sync()
        else:
            if self.ex.echo_seq:
                # A replica's outputs keep the seq of the input they answer, so a merge can order replicas.
                for out in self.seq:
                    self.seq[out] = msg.seq
            self.node.process(port, msg)

    def _moved(self, msg: Message, frame: VideoFrame) -> Message:
        """A CPU<->GPU boundary: the frame copied to this node's frame device (a new message: the producer's
        message may also go to other consumers)."""
        if self.frames_device == "cpu":
            self.metrics.downloads += 1
        else:
            self.metrics.uploads += 1
        return Message(devices.to_device(frame, self.frames_device), msg.pts, msg.seq, msg.origin_ns)

    def _deliver(self, port: str, msg: Message) -> None:
        hooks = self.ex.hooks
        if not hooks and self.gate is None:  # the common case, kept to one call
            self._handle(port, msg)
            return
        for hook in hooks:
            hook.before_message(self, port, msg)
        self._step(self._handle, port, msg)
        for hook in hooks:
            hook.after_message(self, port, msg)

    def _let_go(self, msg: Message) -> None:
        """After a message is processed, keep only its pts, seq and origin (a worker's later emit takes its pts by
        default) and let go of its payload: a frame kept until the next message arrived held a second frame's
        memory (and, across a shared-memory edge, its ring slot) while the producer drew the next one (#21)."""
        self.current = Message(None, msg.pts, msg.seq, msg.origin_ns)
        self.in_hand = None  # without a barrier nothing else clears it

    def _after_setup(self) -> None:
        for hook in self.ex.hooks:
            hook.after_setup(self)

    def _end_of_stream(self, failed: bool = False) -> None:
        """The end, shared by threaded and fused runners: on_eos and posted work (unless failed or aborted),
        teardown, what workers sent while stopping, then end of stream on every output."""
        self.in_hand = None  # without a barrier nothing clears it: it kept the last frame (and its ring slot)
        if not failed and not self.ex.abort.is_set() and self.metrics.state != "failed":
            try:
                self.current = None
                self._step(self.node.on_eos)
                self._run_posted()
            except Exception as exc:
                self._record_failure(exc)
        if not failed and self.metrics.state != "failed":
            self.metrics.state = "done"
        try:
            self.node.teardown()
        except Exception:
            log.exception("teardown of node '%s' failed", self.rnode.id)
        try:
            if not self.ex.abort.is_set():
                self._run_posted()
        except Exception as exc:
            self._record_failure(exc)
        finally:
            self._ended = True
            for outlets in self.outputs.values():
                for outlet in outlets:
                    outlet.close()

    # -- main loop ------------------------------------------------------------------------------
    def _main(self) -> None:
        self._ident = threading.get_ident()
        node, m = self.node, self.metrics
        failed = counted = False
        try:
            m.state = "setup"
            node.setup()
            self._after_setup()
            for child in self.fused_children:
                child.setup_inline(self._post_to)
            counted = True
            self.ex.node_set_up()
            m.state = "running"
            if self.is_source:
                # a source that started while its consumers still loaded (Numba, the hand tables, a skin) ran
                # its first second of frames into full queues: late for good, with real-time pacing (#21)
                if self.ex.wait_set_up():
                    self._source_loop()
                elif self.counts_frames:
                    self.ex.frame_source_ended()
            else:
                self._consumer_loop()
        except Exception as exc:
            failed = True
            self._record_failure(exc)  # a failed setup aborts the run first: no source then starts
            if not counted:
                self.ex.node_set_up()
        self._end_of_stream(failed)

    def _record_failure(self, exc: Exception) -> None:
        if not isinstance(exc, NodeError) or exc.node_id == self.rnode.id:
            self.metrics.errors += 1
            self.metrics.state = "failed"
        self.ex.fail(self.rnode.id, exc, self.current.pts if self.current else None)

    # -- fused (inline) execution -----------------------------------------------------------------
    def setup_inline(self, post_to: Inbox) -> None:
        """Set up this fused node and its own fused consumers, in the host thread (workers post to the host)."""
        self._ident = threading.get_ident()
        self._post_to = post_to
        try:
            self.metrics.state = "setup"
            self.node.setup()
            self._after_setup()
        except Exception as exc:
            self.metrics.state = "failed"
            self.metrics.errors += 1
            raise as_node_error(self.rnode.id, exc, None) from exc
        for child in self.fused_children:
            child.setup_inline(post_to)
        self.metrics.state = "running (fused)"

    def deliver_inline(self, port: str, msg: Message) -> None:
        """Process one message in the caller's thread."""
        m = self.metrics
        began = time.perf_counter_ns()
        m.queue_wait_us.add(0.0)
        m.latency_us.add((time.time_ns() - msg.origin_ns) / 1000)
        m.messages_in += 1
        self.current = msg
        try:
            self._deliver(port, msg)
        except NodeError:
            raise
        except Exception as exc:
            m.errors += 1
            m.state = "failed"
            raise as_node_error(self.rnode.id, exc, msg.pts) from exc
        self._let_go(msg)
        m.process_us.add((time.perf_counter_ns() - began) / 1000)

    def finish_inline(self) -> None:
        """The single input ended: flush, tear down and pass end of stream on."""
        self._end_of_stream()

    def _source_loop(self) -> None:
        try:
            self._source_ticks()
        finally:
            if self.counts_frames:
                self.ex.frame_source_ended()

    def _source_ticks(self) -> None:
        ex, node, m = self.ex, self.node, self.metrics
        posted = self._post_to.posted
        ticks = 0
        limit_us = None if ex.options.duration_s is None else int(ex.options.duration_s * 1e6)
        max_ticks = ex.options.max_frames
        follow = max_ticks is not None and not self.counts_frames and ex.has_frame_sources
        if follow:
            max_ticks = None  # a poll is not a frame: run while the video sources run
        while not ex.sources_stop.is_set():
            if posted:
                self._run_posted()
            if max_ticks is not None and ticks >= max_ticks:
                break
            if follow and ex.frame_sources_done.is_set():
                break
            if limit_us is not None and self.first_pts is not None and self.last_pts is not None \
                    and self.last_pts - self.first_pts >= limit_us:
                break
            began = time.perf_counter_ns()
            self._paced_ns = 0
            more = self._step(node.tick)
            m.process_us.add((time.perf_counter_ns() - began - self._paced_ns) / 1000)
            ticks += 1
            if not more:
                break

    def _next(self) -> tuple[EdgeQueue, Message, int] | None:
        """The oldest queued message of any input (None: every input ended, or abort; `_POSTED`: posted work)."""
        cond, edges = self.inbox.cond, self.inbox.edges
        live = self._live_edges
        posted = self.inbox.posted
        with cond:
            while True:
                if self.ex.abort.is_set():
                    return None
                if posted:
                    return _POSTED
                best: EdgeQueue | None = None
                for e in edges:
                    if e.items and (best is None or e.items[0][0] < best.items[0][0]):
                        best = e
                if best is not None:
                    was_full = len(best.items) >= best.capacity
                    _, msg, enq_ns = best.items.popleft()
                    self.in_hand = (best, msg)
                    if was_full:
                        cond.notify_all()
                    return best, msg, enq_ns
                if all(e.closed for e in live):
                    return None
                cond.wait(0.1)

    def _consumer_loop(self) -> None:
        m = self.metrics
        self._live_edges = [e for e in self.inbox.edges if not e.delay]  # edges whose end means EOS
        while True:
            item = self._next()
            if item is None:
                return
            if item is _POSTED:
                self._run_posted()
                continue
            edge, msg, enq_ns = item
            began = time.perf_counter_ns()
            m.queue_wait_us.add((began - enq_ns) / 1000)
            m.latency_us.add((time.time_ns() - msg.origin_ns) / 1000)
            m.messages_in += 1
            self.current = msg
            self._deliver(edge.port, msg)
            self._let_go(msg)
            del item, msg  # nor keep it while waiting for the next one
            m.process_us.add((time.perf_counter_ns() - began) / 1000)

    def _try_sync(self) -> None:
        bufs, ports, tol = self.sync_buffers, self.sync_ports, self.sync_tolerance
        while all(bufs[p] for p in ports):
            target = max(bufs[p][0].pts for p in ports)
            for p in ports:
                while bufs[p] and bufs[p][0].pts < target - tol:
                    bufs[p].popleft()
                    self.sync_drops += 1
            if not all(bufs[p] for p in ports):
                return
            batch = {p: bufs[p].popleft() for p in ports}
            self.current = batch[ports[0]]
            self.node.process_sync(batch)
            self._let_go(batch[ports[0]])

    def drops(self) -> int:
        """Messages dropped on this node's inputs (full drop_oldest edges and unmatched sync inputs)."""
        return sum(e.drops for e in self.inbox.edges) + self.sync_drops

    # -- driving by hand (ggpgfx.testing, benchmarks): the same steps, on the caller's thread ------------
    def adopt_thread(self) -> None:
        """Make the calling thread this node's thread, for driving it by hand instead of `start()`."""
        self._ident = threading.get_ident()

    def setup_node(self) -> None:
        """`setup()` plus the after-setup hooks (by hand)."""
        self.node.setup()
        self._after_setup()

    def deliver(self, port: str, msg: Message) -> None:
        """One input message through the port's policy, with metrics and hooks, then posted work (by hand)."""
        m = self.metrics
        began = time.perf_counter_ns()
        m.messages_in += 1
        self.current = msg
        self._deliver(port, msg)
        self._let_go(msg)
        m.process_us.add((time.perf_counter_ns() - began) / 1000)
        self._run_posted()

    def tick_once(self) -> bool:
        """One `tick()` of a source, then posted work (by hand); False when the source is exhausted."""
        more = bool(self._step(self.node.tick))
        self._run_posted()
        return more

    def run_posted(self) -> None:
        """Run what worker threads posted so far (by hand)."""
        self._run_posted()

    def finish(self) -> None:
        """End of stream (by hand): on_eos, posted work, teardown, close every output."""
        self._end_of_stream()

    # -- checkpoints ----------------------------------------------------------------------------------
    def checkpoint_state(self) -> dict[str, Any]:
        """Sequence numbers, `latest` values, sync buffers and queued lossless inputs (the message in hand
        first). Call inside `LocalExecutor.barrier()`, when the node is between two steps."""
        with self.inbox.cond:
            queues = [edge.pending() if edge.on_full == "block" else [] for edge in self.inbox.edges]
            in_hand = self.in_hand
        if in_hand is not None:
            edge, msg = in_hand
            if edge.on_full == "block":
                queues[self.inbox.edges.index(edge)].insert(0, msg)
        return {"seq": dict(self.seq), "latest": dict(self._latest),
                "sync": {p: list(b) for p, b in self.sync_buffers.items()}, "queues": queues}

    def restore_state(self, saved: dict[str, Any]) -> None:
        """Put back what `checkpoint_state()` returned, before the executor starts."""
        self.seq.update(saved["seq"])
        self._latest.update(saved["latest"])
        for port, items in saved["sync"].items():
            self.sync_buffers[port].extend(items)
        for edge, items in zip(self.inbox.edges, saved["queues"], strict=False):
            edge.refill(items)


_POSTED: Any = object()  # _next(): posted work is waiting


class LocalExecutor:
    """Runs a resolved graph (or a subset of its nodes, for a Ray fragment) on threads."""

    def __init__(self, graph: ResolvedGraph, options: RunOptions | None = None, *,
                 node_ids: list[str] | None = None,
                 outlet_factory: Callable[[ResolvedEdge], Outlet] | None = None,
                 node_factory: Callable[[ResolvedNode, NodeContext], Node] | None = None,
                 barrier: bool = False, echo_seq: bool = False) -> None:
        """`barrier`: gate every node step so `barrier()` can pause all nodes between steps (checkpoints);
        `echo_seq`: outputs of `process()` carry the seq of the input they answer (Ray replicas)."""
        disable_huge_pages()  # before any encoder opens, in every process that runs frames (runtime.process)
        self.graph = graph
        self.has_barrier = barrier
        self.echo_seq = echo_seq
        self.hooks: list[StepHooks] = []
        self.options = options or RunOptions()
        settings = graph.spec.settings
        self.realtime = settings.realtime if self.options.realtime is None else self.options.realtime
        self.sources_stop = threading.Event()
        self.abort = threading.Event()
        self.error: GgpError | None = None
        self._error_lock = threading.Lock()
        ids = node_ids if node_ids is not None else list(graph.nodes)
        self.runners: dict[str, NodeRunner] = {}
        #: Edges whose producer is outside this executor: fed through `inbound[edge.index].put(...)`.
        self.inbound: dict[int, EdgeQueue] = {}
        policy = getattr(graph, "policy", None)
        home = policy.home if policy is not None and policy.home is not None else ggp_home()
        #: Where each node runs (its `device` param resolved here; CUDA fallbacks said once per node).
        self.placements = devices.place(graph, ids)
        devices.announce(self.placements)
        for nid in ids:
            rnode = graph.nodes[nid]
            context = NodeContext(graph_name=graph.name, node_id=nid, fps=settings.fps, realtime=self.realtime,
                                  home=home, settings=settings.model_dump(), policy=policy,
                                  connected_inputs=frozenset(e.spec.dst_port for e in graph.edges_into(nid)),
                                  connected_outputs=frozenset(e.spec.src_port for e in graph.edges_from(nid)),
                                  shared_outputs=_fanned_out(graph, nid), device=self.placements[nid].device)
            node = node_factory(rnode, context) if node_factory else rnode.cls(nid, rnode.params, context)
            self.runners[nid] = NodeRunner(self, rnode, node, Inbox())
            self.runners[nid].frames_device = self.placements[nid].frames
        scheduler = settings.scheduler
        for edge in graph.edges:
            producer, consumer = self.runners.get(edge.src), self.runners.get(edge.dst)
            if producer is not None and consumer is not None and self._fuses(scheduler, edge, consumer):
                consumer.fused = True
                producer.fused_children.append(consumer)
                producer.outputs[edge.spec.src_port].append(InlineOutlet(consumer, edge.spec.dst_port))
                continue
            if consumer is not None:
                queue = EdgeQueue(consumer.inbox, edge.spec.dst_port, edge.capacity, edge.on_full, edge.label,
                                  delay=edge.spec.delay)
                if producer is not None:
                    producer.outputs[edge.spec.src_port].append(queue)
                else:
                    self.inbound[edge.index] = queue
            elif producer is not None:
                if outlet_factory is None:
                    raise ValueError(f"edge {edge.label} leaves the executor but no outlet factory was given")
                outlet = outlet_factory(edge)
                if devices.cross_fragment_transport(producer.frames_device) == "pinned-host":
                    outlet = HostOutlet(outlet, producer.metrics)
                producer.outputs[edge.spec.src_port].append(outlet)
        for runner in self.runners.values():
            runner.is_source = runner.rnode.cls.is_source() and not runner.inbox.edges
            runner.counts_frames = runner.is_source and any(
                negotiates_caps(port.type) for port in runner.rnode.cls.outputs.values())
        #: `max_frames` counts video frames: sources without a video output (ingest.operator, ingest.rfid:
        #: their ticks are polls) run until every video source of this executor has ended
        self._frame_sources = sum(1 for r in self.runners.values() if r.counts_frames)
        self._frame_sources_left = self._frame_sources
        self._frame_sources_lock = threading.Lock()
        self.frame_sources_done = threading.Event()
        #: set once every node of this executor finished `setup()`: sources tick only then
        self.set_up = threading.Event()
        self._setups_left = 0
        self._setups_lock = threading.Lock()
        self.started_at = 0.0

    @property
    def has_frame_sources(self) -> bool:
        """True when this executor runs a source with a video output (what `max_frames` counts)."""
        return self._frame_sources > 0

    def frame_source_ended(self) -> None:
        """A video source's loop ended; the last one lets the other sources end (with `max_frames`)."""
        with self._frame_sources_lock:
            self._frame_sources_left -= 1
            if self._frame_sources_left <= 0:
                self.frame_sources_done.set()

    def node_set_up(self) -> None:
        """A node thread finished setting up (its fused nodes included), or failed to; the last sets `set_up`."""
        with self._setups_lock:
            self._setups_left -= 1
            last = self._setups_left == 0
        if last:
            if self.options.freeze_gc:
                gc.freeze()
            self.set_up.set()

    def wait_set_up(self) -> bool:
        """Block a source until every node is set up; False when the run stopped or failed meanwhile."""
        while not self.set_up.wait(0.05):
            if self.abort.is_set() or self.sources_stop.is_set():
                return False
        return not (self.abort.is_set() or self.sources_stop.is_set())

    def _fuses(self, scheduler: str, edge: ResolvedEdge, consumer: NodeRunner) -> bool:
        """Whether this edge's consumer runs in its producer's thread under the scheduler.

        auto (the default): every fusable consumer except a node that asks for its own thread (`own_thread`:
        codecs, inference, I/O), so light chains cost a function call per hop while heavy stages still
        overlap on their own threads (they release the GIL in C for most of their time)."""
        if scheduler == "threads" or not self._fusable(edge, consumer):
            return False
        return scheduler == "fused" or not consumer.rnode.cls.own_thread

    def _fusable(self, edge: ResolvedEdge, consumer: NodeRunner) -> bool:
        """A consumer fed by exactly this one lossless queue edge can run in its producer's thread."""
        return (not edge.spec.delay and edge.on_full == "block" and edge.src != edge.dst
                and consumer.policies.get(edge.spec.dst_port) == "queue"
                and len(self.graph.edges_into(edge.dst)) == 1)

    def add_hooks(self, hooks: StepHooks) -> None:
        """Call `hooks` around every node's steps (before `start()`)."""
        self.hooks.append(hooks)

    @contextlib.contextmanager
    def barrier(self, timeout: float) -> Iterator[bool]:
        """Hold every node between two steps: yields True when all paused within `timeout`, else False.

        While held, no node of this executor processes, ticks, emits or runs posted work, so
        `runner.checkpoint_state()` and `node.snapshot()` see a consistent cut. Needs `barrier=True`.
        """
        if not self.has_barrier:
            raise RuntimeError("this executor was built without barrier=True")
        taken: list[threading.Lock] = []
        deadline = time.monotonic() + timeout
        try:
            for runner in self.runners.values():
                assert runner.gate is not None
                if not runner.gate.acquire(timeout=max(0.0, deadline - time.monotonic())):
                    break
                taken.append(runner.gate)
            yield len(taken) == len(self.runners)
        finally:
            for gate in taken:
                gate.release()

    def threaded(self) -> list[NodeRunner]:
        """Runners that own a thread (fused ones run inside another's)."""
        return [r for r in self.runners.values() if not r.fused]

    def start(self) -> None:
        """Start every node thread."""
        self.started_at = time.monotonic()
        for runner in self.runners.values():
            runner.metrics.started = time.monotonic()
        threaded = self.threaded()
        self._setups_left = len(threaded)
        if not threaded:
            self.set_up.set()
        for runner in threaded:
            runner.thread.start()

    def fail(self, node_id: str, exc: BaseException, pts: int | None) -> None:
        """Record the first failure and stop the graph."""
        with self._error_lock:
            if self.error is None:
                self.error = as_node_error(node_id, exc, pts)
                log.debug("node %s failed", node_id, exc_info=exc)
        self.stop(drain=False)

    def stop(self, drain: bool = True) -> None:
        """Stop sources (drain: let the rest finish) or abort everything now."""
        self.sources_stop.set()
        if not drain:
            self.abort.set()
        for runner in self.runners.values():
            runner.inbox.wake()

    def finish_files(self) -> None:
        """A stop timed out and the process will end with the threads still running: nodes that write files
        get `finish_timeout_s` more to finish them (a long recording's faststart rewrite takes seconds); those
        still running then are abandoned and remove their half-written files."""
        def hosted(runner: NodeRunner) -> list[NodeRunner]:  # the runner and the nodes fused into its thread
            return [runner] + [r for child in runner.fused_children for r in hosted(child)]

        writers = {r: [w for w in hosted(r) if w.node.writes_files] for r in self.threaded() if r.thread.is_alive()}
        writers = {r: nodes for r, nodes in writers.items() if nodes}
        if not writers:
            return
        limit = self.graph.spec.settings.finish_timeout_s
        names = ", ".join(w.rnode.id for nodes in writers.values() for w in nodes)
        log.warning("waiting up to %g s for %s to finish writing", limit, names)
        deadline = time.monotonic() + limit
        for runner in writers:
            runner.thread.join(max(0.0, deadline - time.monotonic()))
        for runner, nodes in writers.items():
            if not runner.thread.is_alive():
                continue
            for writer in nodes:
                log.error("node '%s' did not finish its files within %g s: its half-written files are removed",
                          writer.rnode.id, limit)
                try:
                    writer.node.abandon()
                except Exception:
                    log.exception("abandon of node '%s' failed", writer.rnode.id)

    def alive(self) -> bool:
        """True while any node thread runs."""
        return any(r.thread.is_alive() for r in self.threaded())

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every node to finish; True when all did within the timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for runner in self.threaded():
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            runner.thread.join(remaining)
        return not self.alive()

    def stats(self, refresh: bool = True) -> dict[str, dict[str, Any]]:
        """Metrics snapshot of every node (always live here; `refresh` matters to the Ray executor)."""
        result = {}
        for nid, runner in self.runners.items():
            runner.metrics.drops = runner.drops()
            result[nid] = runner.metrics.snapshot()
            reported = runner.node.reported_metrics()
            if reported:
                result[nid]["reported"] = reported
        return result

    def run(self) -> RunResult:
        """Run to the end (or Ctrl-C, or the first error) and report."""
        interrupted = False
        self.start()
        try:
            next_stats = time.monotonic() + self.options.stats_interval_s
            while self.alive():
                self.wait(0.05)
                if self.options.on_stats and time.monotonic() >= next_stats:
                    next_stats = time.monotonic() + self.options.stats_interval_s
                    self.options.on_stats(self.stats())
        except KeyboardInterrupt:
            interrupted = True
            timeout = self.graph.spec.settings.stop_timeout_s
            self.stop(drain=True)
            if not self.wait(timeout * 0.6):
                self.stop(drain=False)
                if not self.wait(timeout * 0.4):
                    self.finish_files()
        return RunResult(self.graph.name, time.monotonic() - self.started_at, self.stats(), self.error,
                         interrupted, {nid: r.node for nid, r in self.runners.items()})

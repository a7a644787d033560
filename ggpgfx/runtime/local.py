"""The local executor: every node on its own thread in this process, bounded queues between them."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ggpgfx.errors import GgpError, NodeError
from ggpgfx.graph.node import Message, Node, NodeContext
from ggpgfx.graph.validate import ResolvedEdge, ResolvedGraph, ResolvedNode
from ggpgfx.media.frames import VideoFrame
from ggpgfx.runtime.channel import EdgeQueue, Inbox
from ggpgfx.runtime.metrics import NodeMetrics

log = logging.getLogger(__name__)


class Outlet(Protocol):
    """Where an output port's messages go: a local edge queue or a cross-process channel."""

    def put(self, msg: Message, stop: threading.Event) -> bool: ...

    def close(self) -> None: ...


def ggp_home() -> Path:
    """GGP_HOME, the folder for state, logs, databases (default ~/.ggp)."""
    import os

    return Path(os.environ.get("GGP_HOME") or Path.home() / ".ggp")


@dataclass
class RunOptions:
    """How to run a graph; None means 'as the graph's settings say'."""

    realtime: bool | None = None
    max_frames: int | None = None
    duration_s: float | None = None
    on_stats: Callable[[dict[str, Any]], None] | None = None
    stats_interval_s: float = 1.0


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


class NodeRunner:
    """Runs one node on one thread: setup, its message loop or tick loop, EOS, teardown."""

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
        self._live_edges: list[EdgeQueue] = []
        self._pace_origin: tuple[int, float] | None = None
        self._paced_ns = 0
        self.first_pts: int | None = None
        self.last_pts: int | None = None
        self.thread = threading.Thread(target=self._main, name=f"ggp-{rnode.id}", daemon=True)
        self.fused = False  # True: runs inside its producer's thread (scheduler: fused)
        self.fused_children: list[NodeRunner] = []
        node._emit_hook = self.emit

    # -- output ---------------------------------------------------------------------------------
    def emit(self, port: str, payload: Any, pts: int | None) -> None:
        """Send a payload to every consumer of an output port."""
        outlets = self.outputs.get(port)
        if outlets is None:
            raise ValueError(f"{self.rnode.cls.type_name} has no output port '{port}' "
                             f"(outputs: {', '.join(self.outputs) or 'none'})")
        cur = self.current
        if pts is None:
            pts = cur.pts if cur is not None else 0
        if self.is_source:
            if self.first_pts is None:
                self.first_pts = pts
            self.last_pts = pts
            if self.ex.realtime:
                self._pace(pts)
        origin = cur.origin_ns if cur is not None else time.time_ns()
        seq = self.seq[port]
        self.seq[port] = seq + 1
        self.metrics.messages_out += 1
        if outlets:
            if len(outlets) > 1 and isinstance(payload, VideoFrame):
                payload.share()  # fan-out: consumers that draw into the frame get a copy via writable()
            msg = Message(payload, pts, seq, origin)
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

    # -- main loop ------------------------------------------------------------------------------
    def _main(self) -> None:
        node, m = self.node, self.metrics
        try:
            m.state = "setup"
            node.setup()
            for child in self.fused_children:
                child.setup_inline()
            m.state = "running"
            if self.is_source:
                self._source_loop()
            else:
                self._consumer_loop()
            if not self.ex.abort.is_set():
                self.current = None
                node.on_eos()
            m.state = "done"
        except Exception as exc:
            if not isinstance(exc, NodeError) or exc.node_id == self.rnode.id:
                m.errors += 1
                m.state = "failed"
            self.ex.fail(self.rnode.id, exc, self.current.pts if self.current else None)
        finally:
            try:
                node.teardown()
            except Exception:
                log.exception("teardown of node '%s' failed", self.rnode.id)
            for outlets in self.outputs.values():
                for outlet in outlets:
                    outlet.close()

    # -- fused (inline) execution -----------------------------------------------------------------
    def setup_inline(self) -> None:
        """Set up this fused node and its own fused consumers, in the host thread."""
        try:
            self.metrics.state = "setup"
            self.node.setup()
        except Exception as exc:
            self.metrics.state = "failed"
            self.metrics.errors += 1
            raise as_node_error(self.rnode.id, exc, None) from exc
        for child in self.fused_children:
            child.setup_inline()
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
            self.node.process(port, msg)
        except NodeError:
            raise
        except Exception as exc:
            m.errors += 1
            m.state = "failed"
            raise as_node_error(self.rnode.id, exc, msg.pts) from exc
        m.process_us.add((time.perf_counter_ns() - began) / 1000)

    def finish_inline(self) -> None:
        """The single input ended: flush, tear down and pass end of stream on."""
        try:
            if not self.ex.abort.is_set() and self.metrics.state != "failed":
                self.current = None
                self.node.on_eos()
                self.metrics.state = "done"
        except Exception as exc:
            self.metrics.state = "failed"
            self.ex.fail(self.rnode.id, exc, None)
        finally:
            try:
                self.node.teardown()
            except Exception:
                log.exception("teardown of node '%s' failed", self.rnode.id)
            for outlets in self.outputs.values():
                for outlet in outlets:
                    outlet.close()

    def _source_loop(self) -> None:
        ex, node, m = self.ex, self.node, self.metrics
        ticks = 0
        limit_us = None if ex.options.duration_s is None else int(ex.options.duration_s * 1e6)
        while not ex.sources_stop.is_set():
            if ex.options.max_frames is not None and ticks >= ex.options.max_frames:
                break
            if limit_us is not None and self.first_pts is not None and self.last_pts is not None \
                    and self.last_pts - self.first_pts >= limit_us:
                break
            began = time.perf_counter_ns()
            self._paced_ns = 0
            more = node.tick()
            m.process_us.add((time.perf_counter_ns() - began - self._paced_ns) / 1000)
            ticks += 1
            if not more:
                break

    def _next(self) -> tuple[EdgeQueue, Message, int] | None:
        cond, edges = self.inbox.cond, self.inbox.edges
        live = self._live_edges
        with cond:
            while True:
                if self.ex.abort.is_set():
                    return None
                best: EdgeQueue | None = None
                for e in edges:
                    if e.items and (best is None or e.items[0][0] < best.items[0][0]):
                        best = e
                if best is not None:
                    was_full = len(best.items) >= best.capacity
                    _, msg, enq_ns = best.items.popleft()
                    if was_full:
                        cond.notify_all()
                    return best, msg, enq_ns
                if all(e.closed for e in live):
                    return None
                cond.wait(0.1)

    def _consumer_loop(self) -> None:
        node, m = self.node, self.metrics
        self._live_edges = [e for e in self.inbox.edges if not e.delay]  # edges whose end means EOS
        while True:
            item = self._next()
            if item is None:
                return
            edge, msg, enq_ns = item
            began = time.perf_counter_ns()
            m.queue_wait_us.add((began - enq_ns) / 1000)
            m.latency_us.add((time.time_ns() - msg.origin_ns) / 1000)
            m.messages_in += 1
            self.current = msg
            policy = self.policies[edge.port]
            if policy == "latest":
                node._latest[edge.port] = msg
                node.on_latest(edge.port, msg)
            elif policy == "sync":
                self.sync_buffers[edge.port].append(msg)
                self._try_sync()
            else:
                node.process(edge.port, msg)
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

    def drops(self) -> int:
        """Messages dropped on this node's inputs (full drop_oldest edges and unmatched sync inputs)."""
        return sum(e.drops for e in self.inbox.edges) + self.sync_drops


class LocalExecutor:
    """Runs a resolved graph (or a subset of its nodes, for a Ray fragment) on threads."""

    def __init__(self, graph: ResolvedGraph, options: RunOptions | None = None, *,
                 node_ids: list[str] | None = None,
                 outlet_factory: Callable[[ResolvedEdge], Outlet] | None = None,
                 node_factory: Callable[[ResolvedNode, NodeContext], Node] | None = None) -> None:
        self.graph = graph
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
        for nid in ids:
            rnode = graph.nodes[nid]
            context = NodeContext(graph_name=graph.name, node_id=nid, fps=settings.fps, realtime=self.realtime,
                                  home=home, settings=settings.model_dump(), policy=policy,
                                  connected_inputs=frozenset(e.spec.dst_port for e in graph.edges_into(nid)))
            node = node_factory(rnode, context) if node_factory else rnode.cls(nid, rnode.params, context)
            self.runners[nid] = NodeRunner(self, rnode, node, Inbox())
        fused = settings.scheduler == "fused"
        for edge in graph.edges:
            producer, consumer = self.runners.get(edge.src), self.runners.get(edge.dst)
            if fused and producer is not None and consumer is not None and self._fusable(edge, consumer):
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
                producer.outputs[edge.spec.src_port].append(outlet_factory(edge))
        for runner in self.runners.values():
            runner.is_source = runner.rnode.cls.is_source() and not runner.inbox.edges
        self.started_at = 0.0

    def _fusable(self, edge: ResolvedEdge, consumer: NodeRunner) -> bool:
        """A consumer fed by exactly this one lossless queue edge can run in its producer's thread."""
        return (not edge.spec.delay and edge.on_full == "block" and edge.src != edge.dst
                and consumer.policies.get(edge.spec.dst_port) == "queue"
                and len(self.graph.edges_into(edge.dst)) == 1)

    def threaded(self) -> list[NodeRunner]:
        """Runners that own a thread (fused ones run inside another's)."""
        return [r for r in self.runners.values() if not r.fused]

    def start(self) -> None:
        """Start every node thread."""
        self.started_at = time.monotonic()
        for runner in self.runners.values():
            runner.metrics.started = time.monotonic()
        for runner in self.threaded():
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
                self.wait(timeout * 0.4)
        return RunResult(self.graph.name, time.monotonic() - self.started_at, self.stats(), self.error,
                         interrupted, {nid: r.node for nid, r in self.runners.items()})

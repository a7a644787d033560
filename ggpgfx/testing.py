"""The node test kit: run one node type on the real local runtime with given inputs and collect its outputs.

```python
from ggpgfx.testing import at, run_node

out = run_node(Passthrough, inputs={"inp": [1, 2, 3]})
assert out["out"] == [1, 2, 3]
```

`run_node` wires the node into a one-node graph of the local executor: each input list is queued on a real
edge (in pts order across ports, so `latest` and `sync` ports see what a graph would show them), the node
runs on its own thread with its declared port policies, and its inputs end (EOS) after the last message.
`NodeHarness` drives the same runner by hand, one message or tick at a time, on the calling thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ggpgfx.graph.model import EdgeSpec, GraphSpec, InputOptions, NodeSpec, Settings
from ggpgfx.graph.node import Message, Node, NodeContext
from ggpgfx.graph.validate import ResolvedEdge, ResolvedGraph, ResolvedNode
from ggpgfx.runtime.local import LocalExecutor, NodeRunner, RunOptions

__all__ = ["DEFAULT_STEP_US", "DirectCalls", "LeaderboardChange", "NodeHarness", "NodeRun", "Timed", "at",
           "leaderboard_change", "run_node", "serve_app", "timed", "tournament_program_rgb"]

DEFAULT_STEP_US = 33_333  # pts step of plain payloads: one frame at 30 fps


@dataclass(frozen=True)
class Timed:
    """An input payload with an explicit pts (microseconds)."""

    pts: int
    payload: Any


def at(pts: int, payload: Any) -> Timed:
    """`payload` arriving at `pts` µs."""
    return Timed(pts, payload)


def timed(payloads: Iterable[Any], step_us: int = DEFAULT_STEP_US, start_us: int = 0) -> list[Timed]:
    """Payloads spaced `step_us` apart from `start_us`."""
    return [Timed(start_us + i * step_us, payload) for i, payload in enumerate(payloads)]


class NodeRun(dict[str, list[Any]]):
    """What a node emitted: payloads by output port (every port present), plus messages, order and the node."""

    def __init__(self, node: Node, ports: Iterable[str]) -> None:
        super().__init__({port: [] for port in ports})
        self.node = node
        #: Every emitted message in order, as (port, Message).
        self.sequence: list[tuple[str, Message]] = []
        self.stats: dict[str, Any] = {}
        self.ended = False  # every output saw end of stream

    def messages(self, port: str) -> list[Message]:
        """Messages (payload, pts, seq, origin) emitted on `port`, in order."""
        return [msg for name, msg in self.sequence if name == port]

    def pts(self, port: str) -> list[int]:
        """The pts of each message emitted on `port`."""
        return [msg.pts for msg in self.messages(port)]


class _Collect:
    """Outlet at the end of an output edge: keeps what arrives."""

    def __init__(self, run: NodeRun, port: str, closed: list[str]) -> None:
        self.run = run
        self.port = port
        self.closed = closed

    def put(self, msg: Message, stop: threading.Event) -> bool:
        self.run[self.port].append(msg.payload)
        self.run.sequence.append((self.port, msg))
        return True

    def close(self) -> None:
        self.closed.append(self.port)


def _params(node_type: type[Node], params: BaseModel | Mapping[str, Any] | None) -> BaseModel:
    if isinstance(params, BaseModel):
        return params
    return node_type.Params.model_validate(dict(params or {}))


def _messages(items: Iterable[Any], step_us: int) -> list[Message]:
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Message):
            out.append(item)
        elif isinstance(item, Timed):
            out.append(Message(item.payload, item.pts, i, 0))
        else:
            out.append(Message(item, i * step_us, i, 0))
    return out


def _harness_graph(node_type: type[Node], params: BaseModel, node_id: str, ports_in: Iterable[str],
                   settings: Settings, policies: Mapping[str, str], capacity: int) -> ResolvedGraph:
    """A graph of just this node: an edge from outside into each fed input, one out of each output."""
    unknown = sorted(set(ports_in) - set(node_type.inputs))
    if unknown:
        raise ValueError(f"{node_type.__name__} has no input port {', '.join(map(repr, unknown))} "
                         f"(inputs: {', '.join(node_type.inputs) or 'none'})")
    edges: list[ResolvedEdge] = []
    for port in ports_in:
        spec = EdgeSpec.model_validate({"from": f"feed_{port}.out", "to": f"{node_id}.{port}"})
        edges.append(ResolvedEdge(len(edges), spec, capacity, "block"))
    for port in node_type.outputs:
        spec = EdgeSpec.model_validate({"from": f"{node_id}.{port}", "to": f"collect_{port}.inp"})
        edges.append(ResolvedEdge(len(edges), spec, capacity, "block"))
    options = {port: InputOptions(policy=policy) for port, policy in policies.items()}  # type: ignore[arg-type]
    node_spec = NodeSpec(type=node_type.type_name or "test.node", inputs=options)
    rnode = ResolvedNode(node_id, node_spec, node_type, params, options)
    graph_spec = GraphSpec(name="testing", settings=settings, nodes={node_id: node_spec})
    return ResolvedGraph(graph_spec, "<ggpgfx.testing>", {node_id: rnode}, edges)


def run_node(node_type: type[Node], params: BaseModel | Mapping[str, Any] | None = None,
             inputs: Mapping[str, Iterable[Any]] | None = None, *, ticks: int | None = None,
             eos: bool = True, policies: Mapping[str, str] | None = None, realtime: bool = False,
             settings: Mapping[str, Any] | None = None, step_us: int = DEFAULT_STEP_US,
             node_id: str = "node", timeout_s: float = 60.0) -> NodeRun:
    """Run one node to the end on the local runtime and return what it emitted, by output port.

    `inputs` maps input ports to payloads (pts `i * step_us`), `Timed` items (`at(pts, payload)`) or whole
    `Message`s; all ports are merged in pts order (ties: the order of `inputs`). `policies` overrides port
    policies (`latest`, `sync`, `queue`) as YAML `inputs:` would. A source runs until `tick()` returns False or
    for `ticks` ticks. `eos=False` stops the node after its inputs are handled without end of stream (no
    `on_eos`). An exception raised by the node is raised here.
    """
    inputs = dict(inputs or {})
    fed = {port: _messages(items, step_us) for port, items in inputs.items()}
    total = sum(len(msgs) for msgs in fed.values())
    graph = _harness_graph(node_type, _params(node_type, params), node_id, list(fed),
                           Settings(**{"realtime": realtime, **dict(settings or {})}), policies or {}, max(8, total + 1))
    closed: list[str] = []
    holder: list[NodeRun] = []

    def collect(edge: ResolvedEdge) -> _Collect:
        return _Collect(holder[0], edge.spec.src_port, closed)

    executor = LocalExecutor(graph, RunOptions(realtime=realtime, max_frames=ticks), node_ids=[node_id],
                             outlet_factory=lambda edge: collect(edge),
                             node_factory=_deferred(holder, node_type))
    runner = executor.runners[node_id]
    order = [port for port in fed]
    merged = sorted(((msg.pts, order.index(port), i, port, msg) for port, msgs in fed.items()
                     for i, msg in enumerate(msgs)), key=lambda item: item[:3])
    queues = {edge.spec.dst_port: executor.inbound[edge.index] for edge in graph.edges if edge.dst == node_id}
    for *_, port, msg in merged:
        queues[port].refill([msg])
    if eos:
        for queue in queues.values():
            queue.close()
    executor.start()
    if not eos:
        _wait_handled(runner, total, timeout_s)
        executor.stop(drain=False)
    if not executor.wait(timeout_s):
        executor.stop(drain=False)
        executor.wait(5)
        raise TimeoutError(f"{node_type.__name__} did not finish within {timeout_s:g} s")
    if executor.error is not None:
        raise executor.error.__cause__ or executor.error
    run = holder[0]
    run.stats = executor.stats()[node_id]
    run.ended = eos and set(closed) >= set(node_type.outputs)
    return run


def _deferred(holder: list[NodeRun], node_type: type[Node]) -> Any:
    """Node factory that also creates the NodeRun the collecting outlets write into."""

    def make(rnode: ResolvedNode, context: NodeContext) -> Node:
        node = node_type(rnode.id, rnode.params, context)
        holder.append(NodeRun(node, node_type.outputs))
        return node

    return make


def _wait_handled(runner: NodeRunner, total: int, timeout_s: float) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if runner.metrics.process_us.count >= total and not runner.inbox.posted:  # counted after each step
            return
        time.sleep(0.005)
    raise TimeoutError(f"node '{runner.rnode.id}' did not take its {total} inputs within {timeout_s:g} s")


class NodeHarness:
    """Drive one node by hand on the calling thread, through the same runner a graph uses.

    `send(port, payload, pts)` delivers one message by the port's policy, `tick()` runs one source tick,
    `eos()` ends the stream (on_eos, teardown); what the node emitted accumulates in `outputs` (a NodeRun).
    Work that worker threads post runs after each step, or while `wait_posted()` waits.
    """

    def __init__(self, node_type: type[Node], params: BaseModel | Mapping[str, Any] | None = None, *,
                 inputs: Iterable[str] | None = None, policies: Mapping[str, str] | None = None,
                 settings: Mapping[str, Any] | None = None, realtime: bool = False, node_id: str = "node",
                 setup: bool = True) -> None:
        ports = list(node_type.inputs) if inputs is None else list(inputs)
        graph = _harness_graph(node_type, _params(node_type, params), node_id, ports,
                               Settings(**{"realtime": realtime, **dict(settings or {})}), policies or {}, 8)
        self._closed: list[str] = []
        holder: list[NodeRun] = []
        self.executor = LocalExecutor(graph, RunOptions(realtime=realtime), node_ids=[node_id],
                                      outlet_factory=lambda edge: _Collect(holder[0], edge.spec.src_port,
                                                                           self._closed),
                                      node_factory=_deferred(holder, node_type))
        self.outputs = holder[0]
        self.node = self.outputs.node
        self.runner = self.executor.runners[node_id]
        self.runner.adopt_thread()
        self._seq: dict[str, int] = {}
        if setup:
            self.setup()

    def setup(self) -> None:
        """Call the node's setup (done by the constructor unless `setup=False`)."""
        self.runner.setup_node()

    def send(self, port: str, payload: Any, pts: int = 0) -> NodeRun:
        """Deliver one payload on an input port (by its policy); returns the outputs so far."""
        if port not in self.runner.policies:
            raise ValueError(f"{type(self.node).__name__} has no input port '{port}'")
        seq = self._seq.get(port, 0)
        self._seq[port] = seq + 1
        self.runner.deliver(port, payload if isinstance(payload, Message) else Message(payload, pts, seq, 0))
        return self.outputs

    def tick(self) -> bool:
        """One source tick; False when the source is exhausted."""
        return self.runner.tick_once()

    def wait_posted(self, predicate: Any, timeout_s: float = 10.0) -> bool:
        """Wait (delivering what worker threads post) until `predicate()` holds."""
        return self.node.wait_until(predicate, timeout_s)

    def eos(self) -> NodeRun:
        """End of stream: on_eos, posted work, teardown, outputs closed; returns the outputs."""
        self.runner.finish()
        if self.executor.error is not None:
            raise self.executor.error.__cause__ or self.executor.error
        self.outputs.ended = set(self._closed) >= set(type(self.node).outputs)
        return self.outputs

    def take(self, port: str) -> list[Any]:
        """The payloads emitted on `port` since the last `take` of it."""
        items = list(self.outputs[port])
        self.outputs[port].clear()
        return items


class DirectCalls:
    """A `NodeIO` without a runtime, for hand-written baseline loops: `emit` calls `on_emit` at once, on the
    caller's thread (no sequence numbers, metrics or thread hand-off; not safe from worker threads)."""

    def __init__(self, on_emit: Callable[[str, Any, int | None], None]) -> None:
        self.on_emit = on_emit
        self.latest_payloads: dict[str, Any] = {}

    def emit(self, port: str, payload: Any, pts: int | None) -> None:
        """Hand the payload to `on_emit`."""
        self.on_emit(port, payload, pts)

    def latest(self, port: str) -> Any | None:
        """What the loop stored in `latest_payloads`."""
        return self.latest_payloads.get(port)

    def call_soon(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn` now."""
        fn(*args)

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Poll `predicate` until the timeout."""
        import time

        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True


@contextmanager
def serve_app(app: Any, start_timeout_s: float = 30.0) -> Iterator[str]:
    """Serve an ASGI app (e.g. the platform's `create_local_app(settings)`) with uvicorn on a free 127.0.0.1
    port in a thread; yields its base URL (`http://127.0.0.1:PORT`) and stops the server on exit."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="serve-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not (server.started and server.servers) and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not (server.started and server.servers):
        server.should_exit = True
        raise RuntimeError("the app did not start serving")
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass(frozen=True)
class LeaderboardChange:
    """Where a program video's leaderboard turns from one tournament state's drawing into another's."""

    frames: int  # decoded frames
    visible_change: float  # mean |difference| of the region between the two expected drawings
    first_after: int | None  # index of the first frame matching the `after` drawing
    before_it_matches_before: bool  # the frame before that one matches the `before` drawing
    stays: bool  # every frame from first_after on matches `after`
    mismatch: list[float]  # every 10th frame's mean |difference| from `after` (for failure messages)


def tournament_program_rgb(state: Any, width: int, height: int, skin: str = "broadcast") -> Any:
    """The program frame the renderer makes from a TournamentState over the test pattern (no animation), as
    int16 RGB: the golden a decoded program frame of `ingest.test_pattern -> render.overlay` is compared with."""
    import av
    import numpy as np

    from ggpgfx.media.frames import VideoFrame
    from ggpgfx.media.pattern import bars_planes
    from ggpgfx.render.composite import composite_layers
    from ggpgfx.render.options import OverlayOptions
    from ggpgfx.render.scene import Scene

    frame = VideoFrame(bars_planes(width, height, "yuv420p"), "yuv420p", width, height)
    scene = Scene(OverlayOptions(skin=skin, animate=False), width, height)
    scene.set_tournament(state, 0)
    composite_layers(frame, scene.layers(None, 0))
    flat = np.concatenate([p.reshape(-1) for p in frame.planes]).reshape(height * 3 // 2, width)
    return av.VideoFrame.from_numpy_buffer(flat, format="yuv420p").to_ndarray(format="rgb24").astype(np.int16)


def leaderboard_change(video: str, before: Any, after: Any, width: int, height: int, skin: str = "broadcast",
                       rows: int = 4, tolerance: float = 3.0) -> LeaderboardChange:
    """Decode a program video (an H.264 file or HLS playlist the graph wrote) and find where the top `rows`
    of its leaderboard region change from the renderer's drawing of `before` to its drawing of `after`."""
    import av
    import numpy as np

    from ggpgfx.render.layout import Layout
    from ggpgfx.render.skins import load_skin

    layout = Layout(load_skin(skin), width, height)
    x, y = layout.origin("tournament_leaderboard")
    w, row = layout.size("tournament_leaderboard")
    region = (slice(y, y + row * rows), slice(x, x + w))
    with av.open(video) as container:
        frames = [f.to_ndarray(format="rgb24").astype(np.int16)[region] for f in container.decode(video=0)]
    want_before = tournament_program_rgb(before, width, height, skin)[region]
    want_after = tournament_program_rgb(after, width, height, skin)[region]

    def off(got: Any, want: Any) -> float:
        return float(np.abs(got - want).mean())

    first = next((i for i, f in enumerate(frames) if off(f, want_after) < tolerance), None)
    return LeaderboardChange(
        frames=len(frames), visible_change=off(want_before, want_after), first_after=first,
        before_it_matches_before=first is not None and first > 0 and off(frames[first - 1], want_before) < tolerance,
        stays=first is not None and all(off(f, want_after) < tolerance for f in frames[first:]),
        mismatch=[round(off(f, want_after), 2) for f in frames[::10]])

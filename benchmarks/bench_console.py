"""Operator console latency and load: action sent -> first encoded frame that shows it; 4 clients at 20 actions/s.

Run: .venv/bin/python benchmarks/bench_console.py [--sizes 720p,1080p] [--actions 24] [--toggles 12]
[--load-seconds 60] [--no-animate]

Latency: a live graph (static bars -> render.overlay -> encode.h264, ultrafast/zerolatency, realtime 30 fps)
with ingest.operator -> rules.poker feeding the overlay. Hands are running (six player boxes on screen);
one WebSocket client plays betting actions (check/call, bet the minimum raise, fold: the to-act highlight,
the action badge, the stack and the pot change) `--interval` s apart, starting a new hand when a betting
round ends; a second row toggles `graphics {hidden}` (show/hide, which the skin animates in and out).
Every encoded packet is decoded. For each request: `before` = the last frame that arrived before the send,
`after` = the last frame before the next request (the settled picture); the pixels that differ between
them (by more than 24 luma levels) are the change, and the frame that shows it is the first one arriving
after the send whose change pixels have moved at least half of the way from `before` to `after` on
average. Latency = that frame's arrival (at the encoder's consumer) minus the send, in frames. Beside it,
in the same run, the pipeline's own source-to-encoder latency (a packet's arrival minus the emit time of
the camera frame it encodes), in frames. The target is p95(action) <= p95(pipeline) + 2 frames.

Stage by stage (the run wraps the control server, the journal, ingest.operator, rules.poker and
render.overlay with timestamps; only the benchmark does this): ws send -> judge start (the request
reached the server's worker) -> journal fsync -> judged and acked; the operator node read the entry ->
rules.poker applied it (state version V) -> render.overlay took V (`on_latest`: it draws there, or hands
the drawing to its background renderer) -> the first frame composited after V arrived -> its packet at the
encoder's consumer -> the frame that shows the change (later when the drawing or an animation was not done
yet). Printed as p50/p95 ms per stage.

Load: 4 WebSocket clients send `tag` requests (unique notes) at 20 requests/s in total for
`--load-seconds`; every tenth request is sent twice (a retry with the same id). Checks: every acked note
reached the graph exactly once, in version order, and each retry got the first ack back.
Writes benchmarks/results/console.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
SEATS = [{"seat": s, "name": f"Player {s}", "stack": 10_000} for s in range(1, 7)]


def _register_arrivals() -> None:
    from ggpgfx.graph.node import Message, Node, Port, register_node
    from ggpgfx.graph.registry import get_node_type

    if get_node_type("bench.arrivals") is not None:
        return

    @register_node
    class Arrivals(Node):
        """Keeps (arrival wall time ns, source emit time ns, pts, payload) of every message."""

        type_name = "bench.arrivals"
        inputs = {"inp": Port(object)}

        def setup(self) -> None:
            self.items: list[tuple[int, int, int, Any]] = []

        def process(self, port: str, msg: Message) -> None:
            self.items.append((time.time_ns(), msg.origin_ns, msg.pts, msg.payload))


class Trace:
    """Timestamps (wall ns) of the stages an operator request passes, recorded by wrapped methods."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, Any]] = []
        self._lock = threading.Lock()
        self._undo: list[tuple[Any, str, Any]] = []

    def mark(self, stage: str, info: Any = None) -> None:
        """Record one stage event now."""
        with self._lock:
            self.events.append((stage, time.time_ns(), info))

    def first(self, stage: str, after: int, match: Any = None) -> tuple[int, Any] | None:
        """The first `stage` event at or after `after` (whose info satisfies `match`, when given)."""
        for name, when, info in self.events:
            if name == stage and when >= after and (match is None or match(info)):
                return when, info
        return None

    def _wrap(self, owner: Any, name: str, make: Any) -> None:
        original = owner.__dict__.get(name)
        inherited = getattr(owner, name)
        self._undo.append((owner, name, original))
        setattr(owner, name, make(inherited))

    def install(self) -> None:
        """Wrap the control path's methods (undone by `remove`)."""
        from ggpgfx.control.journal import JournalReader, JournalWriter
        from ggpgfx.control.server import ControlServer
        from ggpgfx.graph.registry import get_node_type

        Overlay, PokerRules = get_node_type("render.overlay"), get_node_type("rules.poker")

        trace = self

        def handle(fn: Any) -> Any:
            def wrapper(server: Any, table: str, request: dict[str, Any]) -> Any:
                trace.mark("judge_start", request.get("id"))
                result = fn(server, table, request)
                trace.mark("judged", request.get("id"))
                return result
            return wrapper

        def append(fn: Any) -> Any:
            def wrapper(writer: Any, entry: dict[str, Any]) -> None:
                trace.mark("fsync_start", entry.get("id"))
                fn(writer, entry)
                trace.mark("fsync_done", entry.get("id"))
            return wrapper

        def read(fn: Any) -> Any:
            def wrapper(reader: Any) -> list[dict[str, Any]]:
                entries: list[dict[str, Any]] = fn(reader)
                if entries:
                    trace.mark("operator_read", [e.get("id") for e in entries])
                return entries
            return wrapper

        def process_rules(fn: Any) -> Any:
            def wrapper(node: Any, port: str, msg: Any) -> None:
                trace.mark("rules_start")
                fn(node, port, msg)
                state = getattr(node, "_state", None)
                trace.mark("rules_done", state.version if state is not None else None)
            return wrapper

        def on_latest(fn: Any) -> Any:
            def wrapper(node: Any, port: str, msg: Any) -> None:
                version = getattr(msg.payload, "version", None) if port == "state" else None
                trace.mark("overlay_draw_start", version)
                fn(node, port, msg)
                trace.mark("overlay_draw_done", version)
            return wrapper

        def process_overlay(fn: Any) -> Any:
            def wrapper(node: Any, port: str, msg: Any) -> None:
                state = node.latest("state")
                version = state.version if state is not None else None
                trace.mark("frame_start", (version, msg.pts, msg.origin_ns))
                fn(node, port, msg)
                trace.mark("frame_done", (version, msg.pts))
            return wrapper

        self._wrap(ControlServer, "handle", handle)
        self._wrap(JournalWriter, "append", append)
        self._wrap(JournalReader, "read", read)
        self._wrap(PokerRules, "process", process_rules)
        self._wrap(Overlay, "on_latest", on_latest)
        self._wrap(Overlay, "process", process_overlay)

    def remove(self) -> None:
        """Put the original methods back."""
        for owner, name, original in reversed(self._undo):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._undo.clear()


def _session(base: str, token: str) -> str:
    import httpx

    return str(httpx.post(f"{base}/control/v1/session", json={"token": token}, timeout=60).json()["session"])


def _ws(base: str, session: str) -> Any:
    from websockets.sync.client import connect

    return connect(f"ws://{base.removeprefix('http://')}/control/v1/ws?session={session}", open_timeout=30)


def _await(ws: Any, request_id: str, timeout: float = 60.0, states: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ack or reject of `request_id`; `states` keeps the newest table state pushed meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message.get("type") == "state" and states is not None:
            if message["version"] >= states.get("version", -1):
                states.update(version=message["version"], state=message["state"])
        if message.get("id") == request_id and message["type"] in ("ack", "reject"):
            return dict(message)
    raise TimeoutError(f"no reply to {request_id}")


def _pump(ws: Any, states: dict[str, Any], until_version: int, timeout: float = 10.0) -> None:
    """Read pushed states until the table state of `until_version` is in `states`."""
    deadline = time.monotonic() + timeout
    while states.get("version", -1) < until_version and time.monotonic() < deadline:
        try:
            message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        except TimeoutError:
            break
        if message.get("type") == "state" and message["version"] >= states.get("version", -1):
            states.update(version=message["version"], state=message["state"])


#: the betting pattern the latency run plays, one verb per request, for whoever is to act
PATTERN = ("check_call", "bet", "fold", "check_call", "check_call", "fold", "check_call")


def _next_action(state: dict[str, Any], number: int) -> tuple[str, dict[str, Any]] | None:
    """The next timed request: a betting verb for the player to act (None: the betting round is over)."""
    predict = state.get("predict") or {}
    seat = predict.get("seat")
    if seat is None:
        return None
    verb = PATTERN[number % len(PATTERN)]
    if verb == "bet" and not predict.get("can_raise"):
        verb = "check_call"
    if verb == "fold" and predict.get("can_check"):
        verb = "check_call"  # folding when checking is free would end hands too soon
    args: dict[str, Any] = {"seat": seat}
    if verb == "bet":
        args["amount"] = int(predict["min_raise_to"])
    return verb, args


def _decode(items: list[tuple[int, int, int, Any]]) -> list[tuple[int, int, int, np.ndarray]]:
    """(arrival, origin, pts, luma every 4th pixel) of every decoded frame, in arrival order."""
    import av

    decoder = av.CodecContext.create("h264", "r")
    extradata = items[0][3].stream_info.get("extradata") if items else None
    if extradata:
        decoder.extradata = extradata
    frames: list[tuple[int, int, int, np.ndarray]] = []
    for arrival, origin, pts, packet in items:
        for frame in decoder.decode(av.Packet(bytes(packet.data))):
            luma = frame.to_ndarray(format="gray")[::4, ::4].astype(np.int16)
            frames.append((arrival, origin, pts, luma))
    return frames


def _shown_at(frames: list[tuple[int, int, int, np.ndarray]], sent: int, settled: int) -> int | None:
    """Arrival of the first frame after `sent` that shows the change `before` -> `after` (see the module doc)."""
    before = [f for f in frames if f[0] < sent]
    after = [f for f in frames if f[0] < settled]
    if not before or not after:
        return None
    old, new = before[-1][3], after[-1][3]
    mask = np.abs(new - old) > 24
    if int(mask.sum()) < 20:
        return None  # nothing visible changed
    way = float(np.abs(new - old)[mask].mean())
    for arrival, _, _, luma in frames:
        if arrival >= sent and float(np.abs(luma - old)[mask].mean()) >= 0.5 * way:
            return arrival
    return None


def _same_frame(frames: dict[int, Any], pts: int) -> int | None:
    """The frame pts a packet pts stands for (it went through 1/90000 s ticks: within 100 us)."""
    for key in (pts, pts - 1, pts + 1):
        if key in frames:
            return key
    return next((key for key in frames if abs(key - pts) <= 100), None)


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


STAGES = (("ws send -> judge start", "sent", "judge_start"), ("judge (replica)", "judge_start", "fsync_start"),
          ("journal fsync", "fsync_start", "fsync_done"), ("fsync -> ack sent", "fsync_done", "judged"),
          ("journal write -> operator node read", "fsync_start", "operator_read"),
          ("operator read -> rules.poker start", "operator_read", "rules_start"),
          ("rules.poker", "rules_start", "rules_done"),
          ("rules -> overlay draw start", "rules_done", "overlay_draw_start"),
          ("overlay on_latest (draws, or hands off)", "overlay_draw_start", "overlay_draw_done"),
          ("overlay drawn -> next frame starts", "overlay_draw_done", "frame_start"),
          ("frame composite (first frame after the new state)", "frame_start", "frame_done"),
          ("composited -> packet at consumer", "frame_done", "packet"),
          ("sent -> packet at consumer (total)", "sent", "packet"),
          ("that packet -> the frame showing it", "packet", "shown"))


def _stages(trace: Trace, sends: list[tuple[str, int, int]], arrivals: list[tuple[int, int, int, Any]],
            shown: dict[str, int]) -> dict[str, dict[str, float]]:
    """p50/p95 ms of each stage over the requests (events matched by request id, state version and pts)."""
    marks: list[dict[str, int]] = []
    for request_id, sent, _ in sends:
        row: dict[str, int] = {"sent": sent}
        for stage in ("judge_start", "judged", "fsync_start", "fsync_done"):
            hit = trace.first(stage, sent, lambda info, rid=request_id: info == rid)
            if hit:
                row[stage] = hit[0]
        hit = trace.first("operator_read", sent, lambda info, rid=request_id: rid in info)
        if hit:
            row["operator_read"] = hit[0]
            rules = trace.first("rules_start", hit[0])
            done = trace.first("rules_done", hit[0])
            if rules and done:
                row["rules_start"], row["rules_done"] = rules[0], done[0]
                version = done[1]
                draw = trace.first("overlay_draw_start", done[0], lambda info, v=version: info == v)
                drawn = trace.first("overlay_draw_done", done[0], lambda info, v=version: info == v)
                frame = trace.first("frame_start", done[0], lambda info, v=version: info[0] is not None
                                    and info[0] >= v)
                if draw and drawn:
                    row["overlay_draw_start"], row["overlay_draw_done"] = draw[0], drawn[0]
                if frame:
                    row["frame_start"] = frame[0]
                    pts = frame[1][1]
                    end = trace.first("frame_done", frame[0], lambda info, p=pts: info[1] == p)
                    if end:
                        row["frame_done"] = end[0]
                    # a packet's pts went through 1/90000 s ticks: within 100 us is the same frame
                    packet = next((a for a, _, p, _ in arrivals if abs(p - pts) <= 100), None)
                    if packet is not None:
                        row["packet"] = packet
        if request_id in shown:
            row["shown"] = shown[request_id]
        marks.append(row)
    out: dict[str, dict[str, float]] = {}
    for label, a, b in STAGES:
        values = [(row[b] - row[a]) / 1e6 for row in marks if a in row and b in row]
        out[label] = {"p50_ms": _pct(values, 50), "p95_ms": _pct(values, 95), "n": len(values)}
    return out


def latency(size: str, kind: str, count: int, interval: float, animate: bool = True) -> dict[str, Any]:
    """Request -> first encoded frame showing it, and the pipeline's own latency, in frames at 30 fps.

    `kind`: "actions" (betting verbs for the player to act) or "toggles" (graphics hidden / shown).
    """
    from ggpgfx.api import Graph
    from ggpgfx.control.live import start_live

    width, height = SIZES[size]
    fps = 30.0
    g = Graph(f"bench-console-{size}-{kind}", realtime=True, fps=fps)
    g.add("ingest.test_pattern", id="camera", width=width, height=height, moving=False)
    g.add("ingest.operator", id="op")
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("render.overlay", id="gfx", skin="broadcast", reveal="live", animate=animate)
    g.add("encode.h264", id="enc", preset="ultrafast", tune="zerolatency", crf=28, keyint=30)
    g.add("bench.arrivals", id="packets")
    g.connect("camera.video", "gfx.video", capacity=2, on_full="drop_oldest")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "gfx.state")
    g.connect("gfx.video", "enc.video", capacity=4)
    g.connect("enc.packets", "packets.inp", capacity=256)
    trace = Trace()
    trace.install()
    sends: list[tuple[str, int, int]] = []  # (request id, sent ns, version acked)
    cuts: list[int] = []  # when an untimed request (misdeal, new hand) was sent
    hands = 0
    try:
        live = start_live(g.validate())
        try:
            session = _session(live.url, live.server.token)
            with _ws(live.url, session) as ws:
                states: dict[str, Any] = {}

                def request(request_id: str, verb: str, args: dict[str, Any]) -> dict[str, Any]:
                    ws.send(json.dumps({"id": request_id, "verb": verb, "table": "table-1", "args": args}))
                    reply = _await(ws, request_id, states=states)
                    if reply["type"] != "ack":
                        raise RuntimeError(f"{verb} {args} rejected: {reply['error']['message']}")
                    _pump(ws, states, int(reply["version"]))
                    return reply

                def new_hand() -> None:
                    nonlocal hands
                    cuts.append(time.time_ns())  # the picture the last action settled to ends here
                    hands += 1
                    if hands > 1:  # a misdeal restores the stacks and deals the hand again: every hand alike
                        request(f"misdeal-{hands}", "misdeal", {})
                    else:
                        request("hand", "new_hand", {"button": 6, "small_blind": 50, "big_blind": 100,
                                                     "seats": SEATS})
                    time.sleep(interval)  # the boxes have entered

                new_hand()
                arrivals = live.handle.executor.runners["packets"].node
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and len(getattr(arrivals, "items", [])) < 30:
                    time.sleep(0.1)  # the encoder is up
                time.sleep(1.0)
                hidden = False
                for number in range(count):
                    if kind == "toggles":
                        hidden = not hidden
                        verb, args = "graphics", {"hidden": hidden}
                    else:
                        step = _next_action(states["state"], number)
                        if step is None:
                            new_hand()
                            step = _next_action(states["state"], number)
                        assert step is not None
                        verb, args = step
                    request_id = f"{kind}-{number}"
                    sent = time.time_ns()
                    reply = request(request_id, verb, args)
                    sends.append((request_id, sent, int(reply["version"])))
                    time.sleep(interval)
                ending = time.time_ns()
        finally:
            result = live.stop(timeout=30)
    finally:
        trace.remove()
    items = result.instances["packets"].items
    frames = _decode(items)
    frame_ns = 1e9 / fps
    # the pipeline's own latency: a packet's arrival minus the emit time of the camera frame it encodes (its
    # message's origin is the frame the encoder was given when it came out, later when the encoder delays)
    source = {info[1]: info[2] for name, _, info in trace.events if name == "frame_start"}
    pipeline = [(arrival - source[key]) / frame_ns for arrival, _, pts, _ in items
                for key in [_same_frame(source, pts)] if key is not None]
    shown: dict[str, int] = {}
    lags: list[float] = []
    missed = 0
    for index, (request_id, sent, _) in enumerate(sends):
        settled = min([sends[index + 1][1] if index + 1 < len(sends) else ending]
                      + [cut for cut in cuts if cut > sent])
        first = _shown_at(frames, sent, settled)
        if first is None:
            missed += 1
            continue
        shown[request_id] = first
        lags.append((first - sent) / frame_ns)
    stages = _stages(trace, sends, items, shown)
    return {"size": size, "kind": kind, "animate": animate, "requests": len(sends), "missed": missed,
            "hands": hands, "frames_decoded": len(frames),
            "action_p50_frames": _pct(lags, 50), "action_p95_frames": _pct(lags, 95),
            "pipeline_p50_frames": _pct(pipeline, 50), "pipeline_p95_frames": _pct(pipeline, 95),
            "extra_p95_frames": _pct(lags, 95) - _pct(pipeline, 95), "stages_ms": stages}


def load(seconds: float, clients: int = 4, rate: float = 20.0) -> dict[str, Any]:
    """`clients` WebSocket clients at `rate` requests/s in total; nothing lost, nothing applied twice."""
    from ggpgfx.api import Graph
    from ggpgfx.control.live import start_live

    home = Path(tempfile.mkdtemp(prefix="ggp-bench-console-"))
    g = Graph("bench-console-load", realtime=True)
    g.add("ingest.operator", id="op", journal=str(home / "journal.jsonl"))
    g.add("sink.collect", id="actions", limit=1_000_000)
    g.connect("op.actions", "actions.inp", capacity=4096)
    live = start_live(g.validate())
    acked: dict[str, int] = {}
    retries_ok: list[bool] = []
    rtts: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(number: int) -> None:
        try:
            session = _session(live.url, live.server.token)
            period = clients / rate
            with _ws(live.url, session) as ws:
                started = time.monotonic()
                sent = 0
                while time.monotonic() - started < seconds:
                    note = f"c{number}-{sent}"
                    request = json.dumps({"id": note, "verb": "tag", "table": "table-1", "args": {"note": note}})
                    began = time.perf_counter()
                    ws.send(request)
                    reply = _await(ws, note)
                    rtt = time.perf_counter() - began
                    if sent % 10 == 0:  # a retry with the same id: the same ack, applied once
                        ws.send(request)
                        retries_ok.append(_await(ws, note) == reply)
                    with lock:
                        rtts.append(rtt)
                        if reply["type"] == "ack":
                            acked[note] = int(reply["version"])
                    sent += 1
                    next_at = started + sent * period
                    time.sleep(max(0.0, next_at - time.monotonic()))
        except Exception as error:  # noqa: BLE001 - reported in the result
            errors.append(f"client {number}: {error!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.monotonic() - began
    deadline = time.monotonic() + 30
    sink = live.handle.executor.runners["actions"].node
    while time.monotonic() < deadline and sum(1 for a in list(sink.items) if a.kind == "tag") < len(acked):
        time.sleep(0.1)
    result = live.stop(timeout=30)
    received = [a.note for a in result.collected("actions") if a.kind == "tag"]
    in_version_order = [note for note, _ in sorted(acked.items(), key=lambda item: item[1])]
    return {"clients": clients, "seconds": seconds, "requests_acked": len(acked),
            "rate_achieved": len(acked) / elapsed, "received": len(received),
            "lost": len(set(acked) - set(received)), "applied_twice": len(received) - len(set(received)),
            "in_version_order": received == in_version_order, "retries_same_ack": all(retries_ok),
            "retries": len(retries_ok), "rtt_p50_ms": statistics.median(rtts) * 1000 if rtts else None,
            "rtt_p95_ms": float(np.percentile(rtts, 95)) * 1000 if rtts else None, "errors": errors}


def _print_row(row: dict[str, Any]) -> None:
    print(f"{row['size']} {row['kind']} ({'animated' if row['animate'] else 'animate: false'}): request -> "
          f"encoded frame showing it p50 {row['action_p50_frames']:.2f} / p95 {row['action_p95_frames']:.2f} "
          f"frames; pipeline source -> encoder p50 {row['pipeline_p50_frames']:.2f} / p95 "
          f"{row['pipeline_p95_frames']:.2f} frames; extra p95 {row['extra_p95_frames']:+.2f} frames (target <= +2); "
          f"missed {row['missed']} of {row['requests']}")
    for label, value in row["stages_ms"].items():
        print(f"    {label:<52} p50 {value['p50_ms']:7.2f} ms  p95 {value['p95_ms']:7.2f} ms  (n={value['n']})")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both parts and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="720p,1080p")
    parser.add_argument("--actions", type=int, default=24, help="betting actions per size")
    parser.add_argument("--toggles", type=int, default=12, help="graphics hide/show toggles per size (0: none)")
    parser.add_argument("--interval", type=float, default=0.8, help="seconds between requests (the skin counts "
                        "stacks up over 0.6 s: the settled picture is taken just before the next request)")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--no-animate", action="store_true", help="overlay without enter/exit/count-up animations")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "console.json")
    args = parser.parse_args(argv)
    _register_arrivals()
    report: dict[str, Any] = {"latency": [], "load": None}
    if not args.skip_latency:
        for size in [s for s in args.sizes.split(",") if s]:
            for kind, count in (("actions", args.actions), ("toggles", args.toggles)):
                if count <= 0:
                    continue
                row = latency(size, kind, count, args.interval, animate=not args.no_animate)
                report["latency"].append(row)
                _print_row(row)
    if args.load_seconds > 0:
        row = report["load"] = load(args.load_seconds)
        print(f"load: {row['clients']} clients, {row['requests_acked']} acked in {row['seconds']:.0f} s "
              f"({row['rate_achieved']:.1f}/s), received {row['received']}, lost {row['lost']}, applied twice "
              f"{row['applied_twice']}, in version order {row['in_version_order']}, retries same ack "
              f"{row['retries_same_ack']} ({row['retries']}); rtt p50 {row['rtt_p50_ms']:.1f} ms p95 "
              f"{row['rtt_p95_ms']:.1f} ms")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])

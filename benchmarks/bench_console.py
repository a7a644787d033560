"""Operator console latency and load: action sent -> first encoded frame that shows it; 4 clients at 20 actions/s.

Run: .venv/bin/python benchmarks/bench_console.py [--sizes 720p,1080p] [--toggles 20] [--load-seconds 60]

Latency: a live graph (static bars -> render.overlay -> encode.h264, ultrafast/zerolatency, realtime 30 fps)
with ingest.operator -> rules.poker feeding the overlay. A hand is running (player boxes on screen); a
client toggles `graphics {hidden}` every `--interval` s over the WebSocket. Every encoded packet is
decoded; for each toggle: frames from the send to the arrival (at the encoder's consumer) of the first
packet whose picture has moved a quarter of the way from the old state to the new one (the skin animates
the change; that is the first frame where it visibly happens). Beside it, in the
same run, the pipeline's own source-to-encoder latency (arrival minus the source frame's emit time), in
frames. The target is p95(action) <= p95(pipeline) + 2 frames.

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
        """Keeps (arrival wall time ns, source emit time ns, payload) of every message."""

        type_name = "bench.arrivals"
        inputs = {"inp": Port(object)}

        def setup(self) -> None:
            self.items: list[tuple[int, int, Any]] = []

        def process(self, port: str, msg: Message) -> None:
            self.items.append((time.time_ns(), msg.origin_ns, msg.payload))


def _session(base: str, token: str) -> str:
    import httpx

    return str(httpx.post(f"{base}/control/v1/session", json={"token": token}, timeout=60).json()["session"])


def _ws(base: str, session: str) -> Any:
    from websockets.sync.client import connect

    return connect(f"ws://{base.removeprefix('http://')}/control/v1/ws?session={session}", open_timeout=30)


def _await(ws: Any, request_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message.get("id") == request_id and message["type"] in ("ack", "reject"):
            return dict(message)
    raise TimeoutError(f"no reply to {request_id}")


def latency(size: str, toggles: int, interval: float, animate: bool = True) -> dict[str, Any]:
    """Action -> first encoded frame showing it, and the pipeline's own latency, in frames at 30 fps."""
    import av

    from ggpgfx.api import Graph
    from ggpgfx.control.live import start_live

    width, height = SIZES[size]
    fps = 30.0
    g = Graph(f"bench-console-{size}", realtime=True, fps=fps)
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
    live = start_live(g.validate())
    sends: list[tuple[int, bool]] = []
    try:
        session = _session(live.url, live.server.token)
        with _ws(live.url, session) as ws:
            ws.send(json.dumps({"id": "hand", "verb": "new_hand", "table": "table-1",
                                "args": {"button": 6, "small_blind": 50, "big_blind": 100, "seats": SEATS}}))
            assert _await(ws, "hand")["type"] == "ack"
            arrivals = live.handle.executor.runners["packets"].node
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(getattr(arrivals, "items", [])) < 30:
                time.sleep(0.1)  # the encoder is up
            time.sleep(1.0)  # the boxes are drawn and encoded: the "shown" reference
            hidden = False
            for number in range(toggles):
                hidden = not hidden
                request_id = f"g-{number}"
                sent = time.time_ns()
                ws.send(json.dumps({"id": request_id, "verb": "graphics", "table": "table-1",
                                    "args": {"hidden": hidden}}))
                assert _await(ws, request_id)["type"] == "ack"
                sends.append((sent, hidden))
                time.sleep(interval)
    finally:
        result = live.stop(timeout=30)
    items = result.instances["packets"].items
    decoder = av.CodecContext.create("h264", "r")
    extradata = items[0][2].stream_info.get("extradata") if items else None
    if extradata:
        decoder.extradata = extradata
    frames: list[tuple[int, int, np.ndarray]] = []  # (arrival, origin, small luma)
    for arrival, origin, packet in items:
        for frame in decoder.decode(av.Packet(bytes(packet.data))):
            luma = frame.to_ndarray(format="gray")[::8, ::8].astype(np.int16)
            frames.append((arrival, origin, luma))
    frame_ns = 1e9 / fps
    pipeline = [(arrival - origin) / frame_ns for arrival, origin, _ in frames]

    def nearest_before(when: int) -> np.ndarray:
        earlier = [luma for arrival, _, luma in frames if arrival < when]
        return earlier[-1]

    shown_ref = nearest_before(sends[0][0])
    hidden_ref = nearest_before(sends[1][0]) if len(sends) > 1 else frames[-1][2]
    if float(np.abs(shown_ref - hidden_ref).mean()) < 0.5:
        raise RuntimeError("the overlay did not change the picture: cannot tell shown from hidden")
    lags: list[float] = []
    missed = 0
    gap = float(np.abs(shown_ref - hidden_ref).mean())
    for sent, hidden in sends:
        before = shown_ref if hidden else hidden_ref
        # "shows it": the picture has left the old state by a quarter of the way (the skin animates the
        # change over several frames; its first visible frame is when the operator sees it happen)
        first = next((arrival for arrival, _, luma in frames if arrival >= sent
                      and float(np.abs(luma - before).mean()) > 0.25 * gap), None)
        if first is None:
            missed += 1
            continue
        lags.append((first - sent) / frame_ns)

    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")

    return {"size": size, "animate": animate, "toggles": len(sends), "missed": missed, "frames_decoded": len(frames),
            "action_p50_frames": pct(lags, 50), "action_p95_frames": pct(lags, 95),
            "pipeline_p50_frames": pct(pipeline, 50), "pipeline_p95_frames": pct(pipeline, 95),
            "extra_p95_frames": pct(lags, 95) - pct(pipeline, 95)}


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


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both parts and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="720p,1080p")
    parser.add_argument("--toggles", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between graphics toggles")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--no-animate", action="store_true", help="overlay without enter/exit animations")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "console.json")
    args = parser.parse_args(argv)
    _register_arrivals()
    report: dict[str, Any] = {"latency": [], "load": None}
    if not args.skip_latency:
        for size in [s for s in args.sizes.split(",") if s]:
            row = latency(size, args.toggles, args.interval, animate=not args.no_animate)
            report["latency"].append(row)
            print(f"{size}: action -> encoded frame p50 {row['action_p50_frames']:.2f} / p95 "
                  f"{row['action_p95_frames']:.2f} frames; pipeline source -> encoder p50 "
                  f"{row['pipeline_p50_frames']:.2f} / p95 {row['pipeline_p95_frames']:.2f} frames; "
                  f"extra p95 {row['extra_p95_frames']:+.2f} frames (target <= +2); missed {row['missed']}")
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

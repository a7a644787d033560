"""Tournament update at 1080p30: a 1,000-player leaderboard and a 27-table chip-count update, against the frame budget.

Side by side in one run, per update (median / p95 / max, wall and thread CPU time):
  * parse: the 1,000-player JSON message validated into a TournamentState (what ingest.tournament does, on
    its own thread, before the overlay sees the update);
  * update frame: the overlay's work for the first frame that shows the update — scene update (redraws of
    the leaderboard page, strip, field bug and their YUVA layers) plus the composite into a 1080p yuv420p frame;
  * steady frame: the same work for a frame where nothing changed (the baseline every frame pays);
  * budget: 33.3 ms, one frame at 30 fps. Ratios: update / budget and update / steady.
Then end to end in a real-time graph (test pattern 1080p30 -> render.overlay <- the updates as messages):
how many frames after an update's pts the program output first shows it (0 = the first frame at or after it).

Then platform -> program (`bench_push`): a platform app with a 1,000-player event, a graph of 1080p30 ->
render.overlay <- ingest.tournament reading the platform, and 27-table bulk chip writes through REST: write
acknowledged -> first program frame showing it, p50/p95 in ms and frames, long-poll (push) side by side with
the 0.25 s poll it replaced.

Run: .venv/bin/python benchmarks/bench_tournament.py [--updates 30] [--skin broadcast] [--push-updates 12]
Writes benchmarks/results/tournament.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import composite_layers, warm_up
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.scene import Scene
from ggpgfx.tournament.samples import sample_tournament
from ggpgfx.tournament.state import GraphicsCues, TournamentState, parse_tournament_state

W, H, FPS = 1920, 1080, 30
BUDGET_MS = 1000 / FPS
PLAYERS, TABLES, UPDATED_TABLES = 1000, 112, 27
CUES = GraphicsCues(leaderboard=True, chip_strip=True, clock=True, field=True)


def field_of_1000() -> TournamentState:
    """1,000 players still in at 112 tables, the leaderboard, strip, clock and field bug on air."""
    return sample_tournament(PLAYERS, PLAYERS, tables=TABLES, seats_per_table=9, graphics=CUES)


def chip_update(state: TournamentState, rng: random.Random) -> TournamentState:
    """New counts for every player at 27 tables (~243 players; chips move between them, the total stays)."""
    tables = {f"T{n}" for n in rng.sample(range(1, TABLES + 1), UPDATED_TABLES)}
    tables.add(state.standings()[0].table or "T1")  # the leader's table too, so the visible top rows change
    players = list(state.players)
    updated = [i for i, p in enumerate(players) if p.table in tables]
    moved = 0
    for i in updated[:-1]:
        delta = rng.randrange(-players[i].chips // 2, players[i].chips // 2 + 1, 100) if players[i].chips else 0
        players[i] = players[i].model_copy(update={"chips": players[i].chips + delta})
        moved += delta
    last = updated[-1]
    players[last] = players[last].model_copy(update={"chips": max(0, players[last].chips - moved)})
    return state.model_copy(update={"players": players, "version": state.version + 1})


def _stats(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"median_ms": round(statistics.median(values), 3), "p95_ms": round(values[max(0, int(len(values) * .95) - 1)], 3),
            "max_ms": round(values[-1], 3)}


def bench_update(updates: int, skin: str) -> dict[str, Any]:
    """Parse, update frame and steady frame, measured in this thread as the overlay node does them."""
    from ggpgfx.media.pattern import bars_planes

    warm_up()
    rng = random.Random(15)
    base = VideoFrame(bars_planes(W, H, "yuv420p"), "yuv420p", W, H)
    scene = Scene(OverlayOptions(skin=skin, animate=False), W, H)
    state = field_of_1000()
    scene.set_tournament(state, 0)
    composite_layers(base.copy(), scene.layers(None, 0))
    parse_ms, parse_cpu, update_ms, update_cpu, steady_ms, steady_cpu = [], [], [], [], [], []
    message_bytes = 0
    pts = 0
    for _ in range(updates):
        new = chip_update(state, rng)
        text = new.to_json()
        message_bytes = len(text)
        began, began_cpu = time.perf_counter(), time.thread_time()
        state = parse_tournament_state(text)
        parse_ms.append((time.perf_counter() - began) * 1000)
        parse_cpu.append((time.thread_time() - began_cpu) * 1000)
        for bucket, bucket_cpu in ((update_ms, update_cpu), (steady_ms, steady_cpu)):
            pts += 1_000_000 // FPS
            frame = base.copy()
            began, began_cpu = time.perf_counter(), time.thread_time()
            scene.set_tournament(state, pts)
            composite_layers(frame, scene.layers(None, pts))
            bucket.append((time.perf_counter() - began) * 1000)
            bucket_cpu.append((time.thread_time() - began_cpu) * 1000)
    update, steady = _stats(update_ms), _stats(steady_ms)
    return {
        "players": PLAYERS, "tables_updated": UPDATED_TABLES, "message_bytes": message_bytes, "updates": updates,
        "skin": skin, "size": f"{W}x{H}", "budget_ms": round(BUDGET_MS, 2),
        "parse": _stats(parse_ms), "parse_cpu": _stats(parse_cpu),
        "update_frame": update, "update_frame_cpu": _stats(update_cpu),
        "steady_frame": steady, "steady_frame_cpu": _stats(steady_cpu),
        "update_vs_budget": round(update["median_ms"] / BUDGET_MS, 3),
        "update_p95_vs_budget": round(update["p95_ms"] / BUDGET_MS, 3),
        "update_vs_steady": round(update["median_ms"] / max(1e-6, steady["median_ms"]), 1),
    }


class _Updates(BaseModel):
    seconds: list[float]


class _NoParams(BaseModel):
    pass


#: (monotonic time, pts) of each update as the source emitted it, and of each frame as the program sink got it
EMITTED: list[tuple[float, int]] = []
ARRIVED: list[tuple[float, int, bytes]] = []
#: the leaderboard's rows in the broadcast layout at 1080p (the part a chip update changes)
ROWS = (slice(240, 580), slice(780, 1190))


def bench_graph(skin: str, updates_at: tuple[float, ...] = (2.01, 3.01, 4.01)) -> dict[str, Any]:
    """Real time, 1080p30: updates as messages between frames into render.overlay; time until the program shows each.

    Each program frame's lag is its arrival at the sink minus its pts on the sink's clock, less the smallest such
    lag of the run (the pipeline's fixed offset: start-up, pacing). An update's latency is the arrival of the first
    frame showing it minus the update's pts on the same clock: up to one frame period of it is waiting for the next
    frame (updates land 10 ms after a frame), the rest is the overlay's work on the update.
    """
    from ggpgfx.api import Graph
    from ggpgfx.graph.node import Message, Node, Port, register_node
    from ggpgfx.graph.registry import get_node_type

    rng = random.Random(7)
    states = [field_of_1000()]
    for _ in updates_at:
        states.append(chip_update(states[-1], rng))
    times = (0.0, *updates_at)
    EMITTED.clear()
    ARRIVED.clear()

    class TournamentUpdates(Node):
        """The first state at pts 0, then a 27-table chip update at each of `seconds`."""

        type_name = "bench.tournament_updates"
        outputs = {"tournament": Port(TournamentState)}
        Params = _Updates

        def setup(self) -> None:
            self.index = 0

        def tick(self) -> bool:
            pts = int(times[self.index] * 1e6)
            EMITTED.append((time.monotonic(), pts))
            self.emit("tournament", states[self.index], pts=pts)
            self.index += 1
            return self.index < len(states)

    class ProgramSink(Node):
        """Notes when each program frame arrives and what its leaderboard rows look like."""

        type_name = "bench.program_sink"
        inputs = {"video": Port(VideoFrame)}
        Params = _NoParams

        def process(self, port: str, msg: Message) -> None:
            rows = msg.payload.planes[0][ROWS]
            ARRIVED.append((time.monotonic(), msg.pts, rows.tobytes()))

    for node_type in (TournamentUpdates, ProgramSink):
        if get_node_type(node_type.type_name) is None:
            register_node(node_type)
    g = Graph("bench-tournament", fps=FPS)
    g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=int((updates_at[-1] + 1) * FPS), moving=False)
    g.add("bench.tournament_updates", id="event", seconds=list(updates_at))
    g.add("render.overlay", id="gfx", skin=skin, animate=False)
    g.add("bench.program_sink", id="out")
    g.connect("cam.video", "gfx.video")
    g.connect("event.tournament", "gfx.tournament")
    g.connect("gfx.video", "out.video")
    result = g.run(realtime=True)
    if result.error is not None:
        raise result.error
    base = min(arrived - pts / 1e6 for arrived, pts, _ in ARRIVED)
    lags = sorted((arrived - pts / 1e6 - base) * 1000 for arrived, pts, _ in ARRIVED)
    latency_ms: list[float] = []
    frames_late: list[int] = []
    for _, pts in EMITTED[1:]:
        before = next(rows for _, p, rows in reversed(ARRIVED) if p < pts)
        after = [(t, p, rows) for t, p, rows in ARRIVED if p >= pts]
        shown = next((i for i, (_, _, rows) in enumerate(after) if rows != before), None)
        if shown is None:
            latency_ms.append(float("nan"))
            frames_late.append(-1)
            continue
        latency_ms.append(round((after[shown][0] - base - pts / 1e6) * 1000, 1))
        frames_late.append(shown)
    return {"frames": len(ARRIVED), "updates_at_s": list(updates_at), "latency_ms": latency_ms,
            "frames_after_update_pts": frames_late, "frame_lag_median_ms": round(statistics.median(lags), 1),
            "frame_lag_p95_ms": round(lags[int(len(lags) * 0.95) - 1], 1)}


#: (arrival monotonic time, leaderboard rows) of each program frame of the platform run
WATCHED: list[tuple[float, bytes]] = []


def _platform_event(players: int) -> tuple[Any, Any, str, str, dict[str, str], list[dict[str, Any]]]:
    """A platform app (SQLite, in this process) serving an event of `players` seated at 9-seat tables with the
    leaderboard, strip, clock and field bug on air; set up through the service object (fast)."""
    import os
    import tempfile
    from contextlib import ExitStack

    import httpx

    from ggpgfx.services import tournament_schemas as ts
    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import load_settings
    from ggpgfx.services.security import Principal
    from ggpgfx.testing import serve_app

    os.environ.setdefault("GGP_ARGON2_TIME_COST", "1")
    os.environ.setdefault("GGP_ARGON2_MEMORY_KIB", "8192")
    home = Path(tempfile.mkdtemp(prefix="ggp-bench-push-"))
    settings = load_settings(home=home, database_url=f"sqlite:///{home / 'ggp.db'}", rate_limit_per_s=1e6,
                             rate_limit_burst=1_000_000)
    app = create_local_app(settings)
    stack = ExitStack()
    url = stack.enter_context(serve_app(app, start_timeout_s=120))
    http = stack.enter_context(httpx.Client(base_url=url, timeout=60))
    password = "correct horse battery staple"
    signup = http.post("/api/v1/auth/signup", json={"email": "push@t.test", "password": password,
                                                     "organization_name": "push"}).json()
    token = http.post("/api/v1/auth/login", json={"email": "push@t.test", "password": password}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    key = http.post("/api/v1/api-keys", json={"name": "graph", "role": "viewer"}, headers=headers).json()["key"]
    service = app.state.backend.services["tournament"]
    who = Principal(organization_id=signup["organization"]["id"], role="owner", user_id=signup["user"]["id"])
    event = service.create_event(who, ts.EventIn(name="Push Main", buy_in=1000, starting_stack=60_000)).id
    service.set_structure(who, event, ts.StructureIn(levels=[
        ts.LevelIn(small_blind=100 * i, big_blind=200 * i, big_blind_ante=200 * i, duration_s=3600)
        for i in range(1, 13)]))
    service.clock_action(who, event, ts.ClockIn(action="start"))
    for t in range(-(-players // 9)):
        service.create_table(who, event, ts.TableIn(name=str(t + 1), seats=9))
    for i in range(players):
        player = service.create_player(who, ts.PlayerIn(name=f"Push Player {i:04d}", country="US"))
        service.create_entry(who, event, ts.EntryIn(player_id=player.id))
    service.seating(who, event, ts.SeatingIn(action="draw", seed=1))
    service.set_graphics(who, event, CUES)
    entries = http.get(f"/api/v1/events/{event}/entries", headers=headers).json()
    return stack, http, url, event, {"Authorization": headers["Authorization"], "X-API-Key": key}, entries


def bench_push(players: int, updates: int, skin: str) -> dict[str, Any]:
    """Platform -> program, real time at 1080p30: a 27-table bulk chip-count write through REST; time from the
    write's acknowledgement to the first program frame whose leaderboard shows it. Side by side in one run:
    `ingest.tournament` long-polling the platform (push, `wait_s`) and polling it every 0.25 s (`wait_s: 0`,
    the previous behaviour). Each update makes a new chip leader, so the leaderboard's top row changes."""
    import threading

    from ggpgfx.api import Graph
    from ggpgfx.graph.node import Message, Node, Port, register_node
    from ggpgfx.graph.registry import get_node_type

    class ProgramWatch(Node):
        """Notes when each program frame arrives and what its leaderboard rows look like."""

        type_name = "bench.program_watch"
        inputs = {"video": Port(VideoFrame)}
        Params = _NoParams

        def process(self, port: str, msg: Message) -> None:
            WATCHED.append((time.monotonic(), msg.payload.planes[0][ROWS].tobytes()))

    if get_node_type(ProgramWatch.type_name) is None:
        register_node(ProgramWatch)
    began = time.perf_counter()
    stack, http, url, event, headers, entries = _platform_event(players)
    setup_s = time.perf_counter() - began
    tables = sorted({e["table_name"] for e in entries if e["table_name"]}, key=int)[:UPDATED_TABLES]
    chosen = [e for e in entries if e["table_name"] in tables]
    rng = random.Random(11)
    top = [60_000]
    report: dict[str, Any] = {"players": players, "counts_per_update": len(chosen), "updates": updates,
                              "setup_s": round(setup_s, 1)}
    try:
        for mode, params in (("push", {"wait_s": 2.0}), ("poll_0.25s", {"wait_s": 0.0, "poll_s": 0.25})):
            WATCHED.clear()
            seconds = 6.0 + updates * 2.0  # room for slow writes on a loaded machine; ends when the writes end
            g = Graph(f"bench-push-{mode}", fps=FPS)
            g.add("ingest.test_pattern", id="cam", width=W, height=H, frames=int(seconds * FPS), moving=False)
            g.add("ingest.tournament", id="event", url=f"{url}/api/v1/events/{event}/state",
                  api_key=headers["X-API-Key"], stop_after_s=seconds, timeout_s=30, **params)
            g.add("render.overlay", id="gfx", skin=skin, animate=False)
            g.add("bench.program_watch", id="out")
            g.connect("cam.video", "gfx.video")
            g.connect("event.tournament", "gfx.tournament")
            g.connect("gfx.video", "out.video")
            results: list[Any] = []
            runner = threading.Thread(target=lambda g=g, results=results: results.append(g.run(realtime=True)))
            runner.start()
            deadline = time.monotonic() + 120
            while len(WATCHED) < 45 and time.monotonic() < deadline:  # the first state on air for ~1.5 s
                time.sleep(0.05)
            samples: list[tuple[float, float]] = []  # (sent, acknowledged)
            for _ in range(updates):
                time.sleep(rng.uniform(0.6, 0.9))  # at a random phase of the frame clock
                counts = [{"entry_id": e["id"], "chips": rng.randrange(1, 500) * 1000} for e in chosen]
                top[0] += 1_000_000  # a new leader every update: the top row changes
                counts[rng.randrange(len(counts))]["chips"] = top[0]
                sent = time.monotonic()
                response = http.post(f"/api/v1/events/{event}/chips", json={"counts": counts},
                                     headers={"Authorization": headers["Authorization"]})
                samples.append((sent, time.monotonic()))
                assert response.status_code == 200, response.text
            runner.join(120)
            if results and results[0].error is not None:
                raise results[0].error
            frames = list(WATCHED)
            latency_ms: list[float] = []
            frames_after_ack: list[int] = []
            for sent, ack in samples:
                before = next(rows for t, rows in reversed(frames) if t < sent)
                shown = next(((t, rows) for t, rows in frames if t >= sent and rows != before), None)
                if shown is None:
                    latency_ms.append(float("nan"))
                    frames_after_ack.append(-1)
                    continue
                latency_ms.append(round((shown[0] - ack) * 1000, 1))
                # 0: the first program frame to arrive after the acknowledgement already shows the update
                frames_after_ack.append(sum(1 for t, _ in frames if ack <= t < shown[0]))
            ok = sorted(v for v in latency_ms if v == v)
            report[mode] = {
                "latency_ms": latency_ms, "frames_after_ack": frames_after_ack,
                "write_ack_ms_median": round(statistics.median((a - s) * 1000 for s, a in samples), 1),
                "p50_ms": round(statistics.median(ok), 1) if ok else None,
                "p95_ms": round(ok[max(0, int(len(ok) * .95) - 1)], 1) if ok else None,
                "p50_frames": round(statistics.median(ok) / BUDGET_MS, 2) if ok else None,
                "p95_frames": round(ok[max(0, int(len(ok) * .95) - 1)] / BUDGET_MS, 2) if ok else None,
                "within_one_frame": sum(1 for v in ok if v <= BUDGET_MS), "missed": latency_ms.count(float("nan")),
            }
    finally:
        stack.close()
    if report["push"]["p50_ms"] and report["poll_0.25s"]["p50_ms"]:
        report["push_vs_poll_p50"] = round(report["push"]["p50_ms"] / report["poll_0.25s"]["p50_ms"], 3)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--skin", default="broadcast")
    parser.add_argument("--no-graph", action="store_true", help="skip the real-time graph run")
    parser.add_argument("--push-updates", type=int, default=12, help="chip writes in the platform -> program run "
                                                                     "(0: skip it)")
    parser.add_argument("--push-players", type=int, default=PLAYERS)
    args = parser.parse_args()
    report: dict[str, Any] = {"update": bench_update(args.updates, args.skin)}
    u = report["update"]
    print(f"1,000-player state, {UPDATED_TABLES}-table chip update, {W}x{H} {args.skin}, {args.updates} updates "
          f"(message {u['message_bytes']:,} bytes)")
    print(f"{'':28}{'median':>10}{'p95':>10}{'max':>10}  (ms; CPU = this thread's CPU time)")
    for label, key in (("parse (ingest thread)", "parse"), ("parse CPU", "parse_cpu"),
                       ("update frame", "update_frame"), ("update frame CPU", "update_frame_cpu"),
                       ("steady frame (baseline)", "steady_frame"), ("steady frame CPU", "steady_frame_cpu")):
        s = u[key]
        print(f"{label:28}{s['median_ms']:>10.2f}{s['p95_ms']:>10.2f}{s['max_ms']:>10.2f}")
    print(f"frame budget at {FPS} fps: {BUDGET_MS:.1f} ms; update frame / budget = {u['update_vs_budget']:.2f}x "
          f"(p95 {u['update_p95_vs_budget']:.2f}x); update / steady frame = {u['update_vs_steady']:.0f}x")
    if not args.no_graph:
        report["graph"] = bench_graph(args.skin)
        graph = report["graph"]
        print(f"real-time graph 1080p30 ({graph['frames']} frames): update's pts -> first program frame showing it "
              f"arrives: {graph['latency_ms']} ms (budget {BUDGET_MS:.1f} ms; includes the wait for the next frame); "
              f"every frame's lag behind its pts: median {graph['frame_lag_median_ms']} ms, p95 "
              f"{graph['frame_lag_p95_ms']} ms; frames after the update's pts: {graph['frames_after_update_pts']} "
              f"(0 = the first frame at or after it)")
    if args.push_updates:
        report["push"] = push = bench_push(args.push_players, args.push_updates, args.skin)
        print(f"platform -> program, 1080p30, {push['players']} players, bulk write of {push['counts_per_update']} "
              f"counts ({UPDATED_TABLES} tables), {push['updates']} writes; write acknowledged -> first program "
              f"frame showing it (the platform, the graph and the writer share this process):")
        for mode in ("push", "poll_0.25s"):
            m = push[mode]
            print(f"  {mode:11} p50 {m['p50_ms']} ms = {m['p50_frames']} frames, p95 {m['p95_ms']} ms = "
                  f"{m['p95_frames']} frames; within one frame ({BUDGET_MS:.1f} ms): {m['within_one_frame']}/"
                  f"{push['updates']}; frames after the ack before it: {m['frames_after_ack']}; "
                  f"write ack median {m['write_ack_ms_median']} ms")
        if "push_vs_poll_p50" in push:
            print(f"  push / poll p50 = {push['push_vs_poll_p50']:.3f}x")
    out = Path(__file__).parent / "results" / "tournament.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

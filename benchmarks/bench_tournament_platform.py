"""Tournament platform side: a 27-table chip-count update and the 1,000-player state message.

Run: .venv/bin/python benchmarks/bench_tournament_platform.py [--players 1000] [--tables 27] [--repeats 10]

The platform app (every service in this process, SQLite, plain uvicorn on 127.0.0.1) holds an event with
`--players` entries seated at 9-seat tables. Measured over HTTP with one keep-alive client, side by side in
one run:

* bulk: one `POST /api/v1/events/{id}/chips` with the counts of `--tables` tables (9 seats each), all or
  nothing, with history rows and audit entry;
* baseline: the same counts as one `PUT .../entries/{entry}/chips` per seat (what a crew without a bulk
  API does, seat by seat);
* state: `GET /api/v1/events/{id}/state` (the tournament-state message the graph polls) for the whole
  field right after an update (built afresh), and polled again with nothing changed (served from the
  service's per-version cache).

Printed: wall time per update (median of `--repeats`), CPU time of this process per update (server and
client share it: an upper bound of the server's), the ratio bulk / per-seat, and the state's size and time
against the 33.3 ms frame budget at 30 fps. The render side of the same update (leaderboard for 1,000
players) is benchmarks/bench_tournament.py. Writes benchmarks/results/tournament_platform.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FRAME_MS = 1000 / 30


def _serve(settings: Any) -> tuple[Any, Any, str]:
    import uvicorn

    from ggpgfx.services.app import create_local_app

    app = create_local_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise SystemExit("the platform app did not start")
    return app, server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def _timed(fn: Any, repeats: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process) over `repeats` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--tables", type=int, default=27, help="tables whose counts one update carries")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--baseline-repeats", type=int, default=2)
    args = parser.parse_args()

    import httpx

    from ggpgfx.services import tournament_schemas as ts
    from ggpgfx.services.config import load_settings
    from ggpgfx.services.security import Principal

    os.environ.setdefault("GGP_ARGON2_TIME_COST", "1")
    os.environ.setdefault("GGP_ARGON2_MEMORY_KIB", "8192")
    home = Path(tempfile.mkdtemp(prefix="ggp-bench-tournament-"))
    settings = load_settings(home=home, database_url=f"sqlite:///{home / 'ggp.db'}", rate_limit_per_s=1e6,
                             rate_limit_burst=1_000_000)
    app, server, url = _serve(settings)
    http = httpx.Client(base_url=url, timeout=60)
    try:
        password = "correct horse battery staple"
        signup = http.post("/api/v1/auth/signup", json={"email": "bench@t.test", "password": password,
                                                         "organization_name": "bench"}).json()
        token = http.post("/api/v1/auth/login", json={"email": "bench@t.test", "password": password}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # set-up straight through the service object (fast); the measured calls go over HTTP
        service = app.state.backend.services["tournament"]
        who = Principal(organization_id=signup["organization"]["id"], role="owner", user_id=signup["user"]["id"])
        t0 = time.perf_counter()
        event = service.create_event(who, ts.EventIn(name="Bench Main", buy_in=1000, starting_stack=60_000)).id
        service.set_structure(who, event, ts.StructureIn(levels=[
            ts.LevelIn(small_blind=100 * i, big_blind=200 * i, big_blind_ante=200 * i, duration_s=3600)
            for i in range(1, 13)]))
        service.clock_action(who, event, ts.ClockIn(action="start"))
        n_tables = -(-args.players // 9)
        for t in range(n_tables):
            service.create_table(who, event, ts.TableIn(name=str(t + 1), seats=9))
        for i in range(args.players):
            player = service.create_player(who, ts.PlayerIn(name=f"Bench Player {i:04d}", country="US"))
            service.create_entry(who, event, ts.EntryIn(player_id=player.id))
        service.seating(who, event, ts.SeatingIn(action="draw", seed=1))
        setup_s = time.perf_counter() - t0
        entries = http.get(f"/api/v1/events/{event}/entries", headers=headers).json()
        names = sorted({e["table_name"] for e in entries if e["table_name"]}, key=int)[: args.tables]
        chosen = [e for e in entries if e["table_name"] in names]
        rng = random.Random(5)

        def bulk() -> None:
            counts = [{"entry_id": e["id"], "chips": rng.randrange(1, 500) * 1000} for e in chosen]
            response = http.post(f"/api/v1/events/{event}/chips", json={"counts": counts}, headers=headers)
            assert response.status_code == 200, response.text

        def per_seat() -> None:
            for e in chosen:
                response = http.put(f"/api/v1/events/{event}/entries/{e['id']}/chips",
                                    json={"chips": rng.randrange(1, 500) * 1000}, headers=headers)
                assert response.status_code == 200, response.text

        sizes: list[int] = []

        def state() -> None:
            response = http.get(f"/api/v1/events/{event}/state", headers=headers)
            assert response.status_code == 200, response.text
            sizes.append(len(response.content))

        bulk()  # warm-up
        state()
        bulk_ms, bulk_cpu = _timed(bulk, args.repeats)
        seat_ms, seat_cpu = _timed(per_seat, args.baseline_repeats)
        changed_walls, changed_cpus = [], []
        for _ in range(args.repeats):  # the message right after an update (built afresh)
            bulk()
            c0, w0 = time.process_time(), time.perf_counter()
            state()
            changed_walls.append((time.perf_counter() - w0) * 1000)
            changed_cpus.append((time.process_time() - c0) * 1000)
        state_ms, state_cpu = statistics.median(changed_walls), statistics.median(changed_cpus)
        same_ms, same_cpu = _timed(state, args.repeats)  # polled again with nothing changed (cached)
        parsed = http.get(f"/api/v1/events/{event}/state", headers=headers).json()
        assert len(parsed["players"]) == args.players
    finally:
        http.close()
        server.should_exit = True

    result = {
        "players": args.players, "tables_updated": len(names), "counts_per_update": len(chosen),
        "setup_s": round(setup_s, 1),
        "bulk": {"wall_ms": round(bulk_ms, 1), "cpu_ms": round(bulk_cpu, 1)},
        "per_seat_baseline": {"wall_ms": round(seat_ms, 1), "cpu_ms": round(seat_cpu, 1)},
        "bulk_vs_per_seat_wall": round(bulk_ms / seat_ms, 3), "bulk_vs_per_seat_cpu": round(bulk_cpu / seat_cpu, 3),
        "state": {"wall_ms": round(state_ms, 1), "cpu_ms": round(state_cpu, 1), "bytes": sizes[-1],
                  "frames_at_30fps": round(state_ms / FRAME_MS, 2)},
        "state_unchanged": {"wall_ms": round(same_ms, 1), "cpu_ms": round(same_cpu, 1)},
    }
    print(f"field: {args.players} players at {n_tables} tables; one update = {len(chosen)} counts at "
          f"{len(names)} tables (set-up {setup_s:.1f} s)")
    print(f"bulk POST /chips      : {bulk_ms:8.1f} ms wall  {bulk_cpu:8.1f} ms CPU  per update")
    print(f"per-seat PUT baseline : {seat_ms:8.1f} ms wall  {seat_cpu:8.1f} ms CPU  per update "
          f"({len(chosen)} requests)")
    print(f"ratio bulk / per-seat : wall {bulk_ms / seat_ms:.3f}x  CPU {bulk_cpu / seat_cpu:.3f}x")
    print(f"GET /state ({args.players} players, {sizes[-1] / 1024:.0f} KiB): {state_ms:.1f} ms wall "
          f"{state_cpu:.1f} ms CPU = {state_ms / FRAME_MS:.2f} frames at 30 fps (after an update)")
    print(f"GET /state unchanged  : {same_ms:8.1f} ms wall  {same_cpu:8.1f} ms CPU (served from the per-version cache)")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "tournament_platform.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

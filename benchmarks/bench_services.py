"""Authenticated GET /api/v1/projects at a fixed 200 requests/s: Ray Serve vs the same app under plain uvicorn.

Run: .venv/bin/python benchmarks/bench_services.py [--rate 200] [--seconds 10]
Everything listens on 127.0.0.1; both servers share one SQLite database and one key set under a
temporary GGP_HOME. The rate limiter is raised for the run (one client sends everything). The
load generator runs in its own process. `--direct-ingress` measures Serve's experimental mode in
which the gateway replica serves HTTP itself (writes services_direct_ingress.json).
Writes benchmarks/results/services.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout_s: float = 120.0) -> None:
    """Poll the health endpoint until it answers."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not become ready in {timeout_s:.0f}s")


def serving_processes(uvicorn_pid: int | None) -> list[Any]:
    """The processes that serve requests: the uvicorn server, or Serve's proxy and replicas."""
    import psutil

    if uvicorn_pid is not None:
        root = psutil.Process(uvicorn_pid)
        return [root, *root.children(recursive=True)]
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if command.startswith(("ray::ServeReplica:ggpgfx", "ray::ProxyActor")):
            found.append(process)
    return found


def cpu_seconds(processes: list[Any]) -> float:
    """User+system CPU time used so far by these processes."""
    import psutil

    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def seed(url: str, projects: int) -> str:
    """Create a user, an organisation and some projects; return an access token."""
    import httpx

    email = f"bench-{time.time_ns()}@bench.test"
    with httpx.Client(base_url=url, timeout=30) as http:
        http.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                               "organization_name": "bench"}).raise_for_status()
        token = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
        for index in range(projects):
            http.post("/api/v1/projects", json={"name": f"table {index}"},
                      headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    return str(token)


async def fixed_rate(url: str, token: str, rate: float, seconds: float, warmup_s: float) -> dict[str, Any]:
    """Open-loop load: request i is sent at t0 + i/rate whatever earlier ones are doing."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    total = int((seconds + warmup_s) * rate)
    warm = int(warmup_s * rate)
    latencies: list[float] = []
    lateness: list[float] = []
    errors: dict[str, int] = {}
    finished: set[int] = set()
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=5.0, limits=limits) as http:

        async def one(index: int, scheduled: float) -> None:
            started = time.perf_counter()
            try:
                response = await http.get("/api/v1/projects", headers=headers)
                ok = response.status_code == 200
                key = "" if ok else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                ok, key = False, type(exc).__name__
            finished.add(index)
            if index >= warm:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                    lateness.append((started - scheduled) * 1000)
                else:
                    errors[key] = errors.get(key, 0) + 1

        t0 = time.perf_counter()
        tasks = []
        for index in range(total):
            scheduled = t0 + index / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index, scheduled)))
        sending = time.perf_counter() - t0
        _done, pending = await asyncio.wait(tasks, timeout=seconds + warmup_s + 30)
        for task in pending:  # bounded in time: whatever has not answered by now counts as an error
            task.cancel()
        unfinished = sum(1 for index in range(warm, total) if index not in finished)
        if unfinished:
            errors["unfinished"] = unfinished
        elapsed = time.perf_counter() - t0
    measured = total - warm
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
    return {
        "requests": measured, "ok": len(latencies), "errors": sum(errors.values()), "error_kinds": errors,
        "offered_rps": round(total / sending, 1), "completed_rps": round(total / elapsed, 1),
        "p50_ms": round(quantiles[49], 2), "p90_ms": round(quantiles[89], 2), "p99_ms": round(quantiles[98], 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "send_lateness_p99_ms": round(statistics.quantiles(lateness, n=100)[98], 2) if len(lateness) >= 2 else None,
    }


async def capacity(url: str, token: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """Closed loop: `concurrency` clients back to back for `seconds`; the most this target serves here."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    codes: list[int] = []
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
        stop = time.perf_counter() + seconds

        async def loop() -> None:
            while time.perf_counter() < stop:
                try:
                    codes.append((await http.get("/api/v1/projects", headers=headers)).status_code)
                except httpx.HTTPError:
                    codes.append(0)

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "requests": len(codes), "errors": sum(1 for c in codes if c != 200),
            "throughput_rps": round(len(codes) / elapsed, 1)}


def run_client(url: str, token: str, args: Any) -> dict[str, Any]:
    """The load generator in its own process, so it never shares an interpreter with Ray's driver."""
    command = [sys.executable, str(Path(__file__).resolve()), "--client", url, "--rate", str(args.rate),
               "--seconds", str(args.seconds), "--warmup", str(args.warmup)]
    done = subprocess.run(command, input=token, capture_output=True, text=True,
                          timeout=args.seconds + args.warmup + 180, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def capacity_probe(url: str, token: str) -> dict[str, Any]:
    """Closed-loop capacity (8 clients, 5 s) in a separate process, after the fixed-rate run."""
    command = [sys.executable, str(Path(__file__).resolve()), "--client", url, "--capacity"]
    done = subprocess.run(command, input=token, capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run both targets one after the other, print ratios, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--only", choices=("both", "uvicorn", "serve"), default="both",
                        help="run one side only (no ratios); for quick experiments")
    parser.add_argument("--direct-ingress", action="store_true",
                        help="Serve's experimental direct ingress: the gateway replica serves HTTP itself (no proxy)")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run only the load generator
    parser.add_argument("--capacity", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        token_in = sys.stdin.read().strip()
        if args.capacity:
            print(json.dumps(asyncio.run(capacity(args.client, token_in, 8, 5.0))))
        else:
            print(json.dumps(asyncio.run(fixed_rate(args.client, token_in, args.rate, args.seconds, args.warmup))))
        return
    direct_port = free_port() if args.direct_ingress else None
    if direct_port is not None:  # read by Serve at import time, so set before anything imports ray
        os.environ.update({"RAY_SERVE_ENABLE_DIRECT_INGRESS": "1",
                           "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT": str(direct_port),
                           "RAY_SERVE_DIRECT_INGRESS_MAX_HTTP_PORT": str(direct_port + 1)})
    home = Path(tempfile.mkdtemp(prefix="ggp-bench-services-"))
    env = {**os.environ, "GGP_HOME": str(home), "GGP_RATE_LIMIT_PER_S": "100000", "GGP_RATE_LIMIT_BURST": "100000"}
    env.pop("GGP_DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("GGP_HOME", "GGP_RATE_LIMIT_PER_S", "GGP_RATE_LIMIT_BURST")})
    os.environ.pop("GGP_DATABASE_URL", None)
    results: dict[str, Any] = {"direct_ingress": args.direct_ingress, "load_average_at_start": os.getloadavg(), "cpus": os.cpu_count(), "rate_rps": args.rate, "seconds": args.seconds, "endpoint": "GET /api/v1/projects",
                               "projects_listed": args.projects}

    # --- baseline: the same FastAPI app under plain uvicorn (one worker process) ---
    token = ""
    port = free_port()
    uvicorn_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "ggpgfx.services.app:create_local_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env)
    try:
        wait_ready(uvicorn_url)
        token = seed(uvicorn_url, args.projects)
        if args.only != "serve":
            processes = serving_processes(server.pid)
            before = cpu_seconds(processes)
            results["uvicorn"] = run_client(uvicorn_url, token, args)
            results["uvicorn"]["server_cpu_ms_per_request"] = round(
                (cpu_seconds(processes) - before) * 1000 / ((args.seconds + args.warmup) * args.rate), 2)
            results["uvicorn"]["closed_loop"] = capacity_probe(uvicorn_url, token)
            print("uvicorn:", json.dumps(results["uvicorn"]))
    finally:
        server.terminate()
        server.wait(timeout=20)

    if args.only == "uvicorn":
        return
    # --- ours: gateway + services as Ray Serve deployments on a local throwaway cluster ---
    import ray
    from ray import serve

    from ggpgfx.services.config import load_settings
    from ggpgfx.services.serve_app import deploy

    # deploy() starts Ray itself so it can set the Serve flags it wants before the cluster exists
    try:
        port = free_port()
        serve_url = f"http://127.0.0.1:{port}"
        deploy(load_settings(), host="127.0.0.1", port=port)
        if direct_port is not None:
            serve_url = f"http://127.0.0.1:{direct_port}"
        wait_ready(serve_url)
        processes = serving_processes(None)
        before = cpu_seconds(processes)
        results["serve"] = run_client(serve_url, token, args)
        results["serve"]["server_cpu_ms_per_request"] = round(
            (cpu_seconds(processes) - before) * 1000 / ((args.seconds + args.warmup) * args.rate), 2)
        results["serve"]["serving_processes"] = len(processes)
        time.sleep(5)  # let the queue from an overloaded fixed-rate run drain first
        results["serve"]["closed_loop"] = capacity_probe(serve_url, token)
        print("serve:  ", json.dumps(results["serve"]))
    finally:
        serve.shutdown()
        ray.shutdown()

    results["load_average_at_end"] = os.getloadavg()
    if args.only != "both":
        return
    base, ours = results["uvicorn"], results["serve"]
    results["ratios_serve_over_uvicorn"] = {
        "p50": round(ours["p50_ms"] / base["p50_ms"], 2), "p99": round(ours["p99_ms"] / base["p99_ms"], 2),
        "server_cpu_per_request": round(ours["server_cpu_ms_per_request"] / base["server_cpu_ms_per_request"], 2)}
    results["target"] = {"p99_ms_max": 50, "errors": 0,
                         "met": bool(ours["p99_ms"] <= 50 and ours["errors"] == 0)}
    results["ratios_serve_over_uvicorn"]["closed_loop_throughput"] = round(
        ours["closed_loop"]["throughput_rps"] / base["closed_loop"]["throughput_rps"], 2)
    print(f"closed-loop capacity (8 clients): serve {ours['closed_loop']['throughput_rps']} req/s, "
          f"uvicorn {base['closed_loop']['throughput_rps']} req/s")
    print(f"p50 serve/uvicorn = {results['ratios_serve_over_uvicorn']['p50']}x "
          f"({ours['p50_ms']} ms vs {base['p50_ms']} ms); p99 = {results['ratios_serve_over_uvicorn']['p99']}x "
          f"({ours['p99_ms']} ms vs {base['p99_ms']} ms); server CPU/request = "
          f"{results['ratios_serve_over_uvicorn']['server_cpu_per_request']}x ({ours['server_cpu_ms_per_request']} ms vs "
          f"{base['server_cpu_ms_per_request']} ms); errors serve={ours['errors']} uvicorn={base['errors']}; "
          f"target p99<=50ms & 0 errors: {'met' if results['target']['met'] else 'NOT met'}")
    out = ROOT / "benchmarks" / "results" / ("services_direct_ingress.json" if args.direct_ingress else "services.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

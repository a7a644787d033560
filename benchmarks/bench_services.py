"""Authenticated GET /api/v1/projects at a fixed 200 requests/s: Ray Serve vs the same app under plain uvicorn.

Run: .venv/bin/python benchmarks/bench_services.py [--rate 200] [--seconds 10] [--only ...]
Everything listens on 127.0.0.1; all targets share one SQLite database and one key set under a
temporary GGP_HOME. The rate limiter is raised for the run (one client sends everything). The
load generator (aiohttp's keep-alive client, the same for every target) runs in its own
process. Targets, one after the other: the app under plain uvicorn; Serve through its HTTP proxy
(`ggp serve --proxy`); Serve with direct ingress, the gateway replica serving HTTP itself (what
`ggp serve` does by default). Writes benchmarks/results/services.json."""

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

import aiohttp

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


class HTTPClient:
    """The load generator's client: aiohttp's keep-alive connection pool (C-accelerated HTTP parser), GET only.

    The load generator shares the 2 cores with the server, so it must cost little per request
    (httpx cost about as much CPU per request as uvicorn's whole request). Every target gets this
    same client; `open` counts the connections it made.
    """

    def __init__(self, url: str, headers: dict[str, str], timeout_s: float, max_connections: int = 256) -> None:
        self.open = 0
        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(self._opened)
        self.session = aiohttp.ClientSession(
            base_url=url, headers={"Accept": "application/json", **headers}, trace_configs=[trace],
            connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=4.0),
            timeout=aiohttp.ClientTimeout(total=timeout_s))

    async def _opened(self, *_: Any) -> None:
        self.open += 1

    async def get(self, path: str) -> tuple[int, bytes]:
        """One GET; errors raise (aiohttp.ClientError, TimeoutError, ...)."""
        async with self.session.get(path) as response:
            return response.status, await response.read()

    async def close(self) -> None:
        """Close the pool."""
        await self.session.close()


async def fixed_rate(url: str, token: str, rate: float, seconds: float, warmup_s: float) -> dict[str, Any]:
    """Open-loop load: request i is sent at t0 + i/rate whatever earlier ones are doing."""
    total = int((seconds + warmup_s) * rate)
    warm = int(warmup_s * rate)
    latencies: list[float] = []
    lateness: list[float] = []
    errors: dict[str, int] = {}
    finished: set[int] = set()
    http = HTTPClient(url, {"Authorization": f"Bearer {token}"}, timeout_s=5.0)
    request = "/api/v1/projects"
    cpu0 = time.process_time()

    async def one(index: int, scheduled: float) -> None:
        started = time.perf_counter()
        try:
            status, body = await http.get(request)
            ok = status == 200 and body.startswith(b"[{")  # the organisation's project list, not an error body
            key = "" if ok else f"HTTP {status}"
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
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
    client_cpu_ms = (time.process_time() - cpu0) * 1000 / total
    await http.close()
    measured = total - warm
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
    return {
        "requests": measured, "ok": len(latencies), "errors": sum(errors.values()), "error_kinds": errors,
        "offered_rps": round(total / sending, 1), "completed_rps": round(total / elapsed, 1),
        "p50_ms": round(quantiles[49], 2), "p90_ms": round(quantiles[89], 2), "p99_ms": round(quantiles[98], 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "send_lateness_p99_ms": round(statistics.quantiles(lateness, n=100)[98], 2) if len(lateness) >= 2 else None,
        "client_cpu_ms_per_request": round(client_cpu_ms, 3), "connections_opened": http.open,
    }


async def capacity(url: str, token: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """Closed loop: `concurrency` clients back to back for `seconds`; the most this target serves here."""
    codes: list[int] = []
    http = HTTPClient(url, {"Authorization": f"Bearer {token}"}, timeout_s=30.0)
    request = "/api/v1/projects"
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < stop:
            try:
                codes.append((await http.get(request))[0])
            except (OSError, TimeoutError, aiohttp.ClientError):
                codes.append(0)

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await http.close()
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


def measure_serve(token: str, args: Any, direct: bool) -> dict[str, Any]:
    """Deploy on a fresh local cluster (through the proxy, or with direct ingress), load it, shut it down."""
    import ray
    from ray import serve

    from ggpgfx.services.config import load_settings
    from ggpgfx.services.serve_app import deploy, direct_ingress_env

    # deploy() starts Ray itself so it can set the Serve flags it wants before the cluster exists
    direct_port = free_port() if direct else None
    try:
        port = free_port()
        deploy(load_settings(), host="127.0.0.1", port=port, direct_ingress_port=direct_port)
        serve_url = f"http://127.0.0.1:{direct_port or port}"
        wait_ready(serve_url)
        processes = serving_processes(None)
        before = cpu_seconds(processes)
        load_before = os.getloadavg()
        result = run_client(serve_url, token, args)
        result["server_cpu_ms_per_request"] = round(
            (cpu_seconds(processes) - before) * 1000 / ((args.seconds + args.warmup) * args.rate), 2)
        result["load_average_before"], result["load_average_after"] = load_before, os.getloadavg()
        result["serving_processes"] = len(processes)
        time.sleep(5)  # let the queue from an overloaded fixed-rate run drain first
        result["closed_loop"] = capacity_probe(serve_url, token)
        return result
    finally:
        serve.shutdown()
        ray.shutdown()
        for flag in direct_ingress_env(0):
            os.environ.pop(flag, None)  # the next cluster in this process starts without direct ingress


def main() -> None:
    """Run uvicorn, then Serve through its proxy, then Serve with direct ingress; print ratios, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--only", choices=("all", "uvicorn", "serve", "serve-direct"), default="all",
                        help="run one target only (no ratios, nothing written); for quick experiments")
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
    home = Path(tempfile.mkdtemp(prefix="ggp-bench-services-"))
    env = {**os.environ, "GGP_HOME": str(home), "GGP_RATE_LIMIT_PER_S": "100000", "GGP_RATE_LIMIT_BURST": "100000"}
    env.pop("GGP_DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("GGP_HOME", "GGP_RATE_LIMIT_PER_S", "GGP_RATE_LIMIT_BURST")})
    os.environ.pop("GGP_DATABASE_URL", None)
    results: dict[str, Any] = {"load_average_at_start": os.getloadavg(), "cpus": os.cpu_count(),
                               "rate_rps": args.rate, "seconds": args.seconds, "endpoint": "GET /api/v1/projects",
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
        if args.only in ("all", "uvicorn"):
            processes = serving_processes(server.pid)
            before = cpu_seconds(processes)
            load_before = os.getloadavg()
            results["uvicorn"] = run_client(uvicorn_url, token, args)
            results["uvicorn"]["server_cpu_ms_per_request"] = round(
                (cpu_seconds(processes) - before) * 1000 / ((args.seconds + args.warmup) * args.rate), 2)
            results["uvicorn"]["load_average_before"] = load_before
            results["uvicorn"]["load_average_after"] = os.getloadavg()
            results["uvicorn"]["closed_loop"] = capacity_probe(uvicorn_url, token)
            print("uvicorn:     ", json.dumps(results["uvicorn"]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)

    # --- ours: gateway + services as Ray Serve deployments on a local throwaway cluster, twice ---
    for key, direct in (("serve", False), ("serve_direct_ingress", True)):
        if args.only in ("all", key.replace("_ingress", "").replace("_", "-")):
            results[key] = measure_serve(token, args, direct)
            print(f"{key + ':':13}", json.dumps(results[key]), flush=True)

    results["load_average_at_end"] = os.getloadavg()
    if args.only != "all":
        return
    base = results["uvicorn"]
    results["ratios_over_uvicorn"] = {}
    for key in ("serve", "serve_direct_ingress"):
        ours = results[key]
        results["ratios_over_uvicorn"][key] = {
            "p50": round(ours["p50_ms"] / base["p50_ms"], 2), "p99": round(ours["p99_ms"] / base["p99_ms"], 2),
            "server_cpu_per_request": round(ours["server_cpu_ms_per_request"] / base["server_cpu_ms_per_request"], 2),
            "closed_loop_throughput": round(ours["closed_loop"]["throughput_rps"] / base["closed_loop"]["throughput_rps"], 2)}
    results["target"] = {"p99_ms_max": 50, "errors": 0, "met": {
        key: bool(results[key]["p99_ms"] <= 50 and results[key]["errors"] == 0)
        for key in ("serve", "serve_direct_ingress")}}
    print(f"{'target':22} {'p50 ms':>9} {'p99 ms':>9} {'errors':>6} {'req/s':>6} {'CPU ms/req':>10} {'capacity':>8}")
    for key in ("uvicorn", "serve", "serve_direct_ingress"):
        r = results[key]
        print(f"{key:22} {r['p50_ms']:9.2f} {r['p99_ms']:9.2f} {r['errors']:6d} {r['completed_rps']:6.1f} "
              f"{r['server_cpu_ms_per_request']:10.2f} {r['closed_loop']['throughput_rps']:8.1f}")
    for key, ratios in results["ratios_over_uvicorn"].items():
        print(f"{key} / uvicorn: p50 {ratios['p50']}x, p99 {ratios['p99']}x, CPU/request "
              f"{ratios['server_cpu_per_request']}x, capacity {ratios['closed_loop_throughput']}x; target "
              f"(p99 <= 50 ms, 0 errors at {args.rate:.0f}/s): {'met' if results['target']['met'][key] else 'NOT met'}")
    out = ROOT / "benchmarks" / "results" / "services.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

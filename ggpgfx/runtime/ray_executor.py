"""The Ray executor: plans fragments, starts one actor per fragment, watches, restarts, collects the result."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from ggpgfx.errors import ConfigError, GgpError, NodeError
from ggpgfx.graph.validate import ResolvedGraph
from ggpgfx.runtime.local import RunOptions, RunResult
from ggpgfx.runtime.planner import Plan, Split, make_plan
from ggpgfx.runtime.ray_cluster import RayConnection, live_view
from ggpgfx.runtime.ray_fragment import FragmentActor
from ggpgfx.runtime.ray_launch import announce, fragment_setup, merge_stats, pickle_graph
from ggpgfx.runtime.ray_socket import remove_run_sockets
from ggpgfx.runtime.ray_wire import remove_run_segments
from ggpgfx.runtime.state_store import StateStore

log = logging.getLogger("ggpgfx.run")

POLL_S = 0.05  # the driver's polls of its fragments while a graph starts, and throughout when taps or mirrors need it
#: afterwards: each poll is an actor call, ~0.3 ms of the fragment's CPU (its task thread) and ~1 ms of the
#: driver's; at 20 a second that was ~0.03 cores a table, driver and fragment together (#21, docs/ray.md)
POLL_IDLE_S = 0.25
FAST_POLL_FOR_S = 3.0
MIRROR_CHUNK = 1 << 20  # bytes of a mirrored file sent per poll
START_TIMEOUT_S = 60.0


def poll_interval(watched_s: float, needs_driver: bool) -> float:
    """Seconds between the driver's polls: fast while the graph starts (a failed start or setup is reported at
    once) and while taps or mirrored files need the driver; slower once it runs (an error, a crash or the end is
    then noticed within POLL_IDLE_S)."""
    return POLL_S if needs_driver or watched_s < FAST_POLL_FOR_S else POLL_IDLE_S


class RayExecutor:
    """Runs a resolved graph as fragment actors on a Ray cluster (embedded when no address is given)."""

    def __init__(self, graph: ResolvedGraph, options: RunOptions | None = None, *, address: str | None = None,
                 split: Split = "auto", transport: str = "auto", window: int = 4,
                 include_dashboard: bool | None = None, num_cpus: int | None = None, num_gpus: int | None = None,
                 resources: dict[str, float] | None = None, node_id: str | None = None,
                 cpu_budget: float | None = None, name_suffix: str = "", worker_home: str | None = None) -> None:
        if transport not in ("auto", "shm", "shm_copy", "shm_copy_in", "object_store"):
            raise ConfigError(f"unknown transport '{transport}'; choose auto, shm, shm_copy, shm_copy_in or "
                              "object_store")
        self.graph = graph
        self.options = options or RunOptions()
        self.split = split
        self.transport = transport
        self.window = window
        #: A show's table: every fragment on this Ray node (soft affinity) within this many CPUs of shares.
        self.node_id = node_id
        self.cpu_budget = cpu_budget
        self.name_suffix = name_suffix
        self.connection = RayConnection(address, include_dashboard=include_dashboard, num_cpus=num_cpus,
                                        num_gpus=num_gpus, resources=resources)
        self.sources_stop = threading.Event()
        self.abort = threading.Event()
        self.error: GgpError | None = None
        self.run_id = uuid.uuid4().hex[:10]
        self.namespace = f"ggp-{self.run_id}"
        self.plan: Plan | None = None
        self.actors: dict[str, Any] = {}
        self.placement: dict[str, dict[str, Any]] = {}
        self.restarts: dict[str, int] = {}
        self.checkpoints: dict[str, int] = {}  # checkpoints written by the current incarnation of each fragment
        self.started_at = 0.0
        self._stats: dict[str, dict[str, Any]] = {}
        self.hops: dict[str, Any] = {}
        self._done = threading.Event()
        self._running = False
        self.store = StateStore(graph.name, self.run_id)
        #: Called once the fragments run, with the Ray dashboard URL (None when the cluster has none).
        self.on_started: Callable[[str | None], None] | None = None
        self.taps: dict[tuple[str, str], list[Callable[[Any], None]]] = {}
        #: GGP_HOME of the fragment actors (default: the driver's, which suits one machine or a shared mount).
        self.worker_home = worker_home
        self.mirrors: dict[str, tuple[str, str]] = {}  # node id -> (file on the driver, its copy in the fragment)
        self._mirroring: dict[str, Any] = {}  # node id -> the append in flight

    def tap(self, node_id: str, port: str, callback: Callable[[Any], None]) -> None:
        """Before start: call `callback(data)` on the driver for every message that reaches input `port` of
        `node_id` in its fragment (after the node handled it; Arrow tables arrive as `to_pylist()` rows).

        The copies travel in the answers to the driver's polls (every 50 ms), so they reach the driver from
        any machine of the cluster, in order per node. After a fragment restart the replayed messages are
        tapped again: callbacks must take a repeat (card reads do: a read where the card already lies is a
        duplicate)."""
        if node_id not in self.graph.nodes or port not in self.graph.nodes[node_id].cls.inputs:
            raise ConfigError(f"cannot tap '{node_id}.{port}': no such node input in graph '{self.graph.name}'")
        self.taps.setdefault((node_id, port), []).append(callback)

    def mirror(self, node_id: str, source: str, target: str) -> None:
        """Before start: keep `target`, in the fragment holding `node_id`, a byte-for-byte copy of the driver's
        append-only file `source` (the control journal `ingest.operator` tails). Each poll answer says how
        long the copy is and the driver sends what it lacks (up to 1 MiB per poll), so the node reads the
        file on any machine of the cluster; when both are one file (same machine and path) nothing moves."""
        if node_id not in self.graph.nodes:
            raise ConfigError(f"cannot mirror a file to '{node_id}': no such node in graph '{self.graph.name}'")
        self.mirrors[node_id] = (source, target)

    def _feed_mirrors(self, name: str, sizes: dict[str, int]) -> None:
        import ray

        for node_id, copied in sizes.items():
            pending = self._mirroring.get(node_id)
            if pending is not None and not ray.wait([pending], timeout=0)[0]:
                continue  # the last append is still on its way
            source = self.mirrors[node_id][0]
            try:
                with open(source, "rb") as handle:
                    handle.seek(copied)
                    data = handle.read(MIRROR_CHUNK)
            except OSError:
                continue
            if data:
                self._mirroring[node_id] = self.actors[name].append_mirror.remote(node_id, copied, data)

    def _deliver_taps(self, tapped: list[tuple[str, str, Any]]) -> None:
        for node_id, port, data in tapped:
            for callback in self.taps.get((node_id, port), []):
                try:
                    callback(data)
                except Exception:  # a listener on the driver must never stop the graph
                    log.exception("tap of %s.%s failed", node_id, port)

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Connect, plan (refusing impossible requests before any actor exists), start every fragment."""
        self.started_at = time.monotonic()
        self._running = True
        self.connection.connect()  # before importing ray: it sets up token auth from the environment
        import ray

        try:
            view = live_view()
            self.plan = make_plan(self.graph, view, self.split, cpu_budget=self.cpu_budget, node_id=self.node_id)
            self.plan.check()
            announce(self.graph.name, self.namespace, view.dashboard_url)
            blob = pickle_graph(self.graph)
            tapped: dict[str, list[str]] = {}
            for node_id, port in self.taps:
                tapped.setdefault(node_id, []).append(port)
            remote_cls = ray.remote(FragmentActor)
            affinity: dict[str, Any] = {}
            if self.node_id is not None:
                from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

                affinity["scheduling_strategy"] = NodeAffinitySchedulingStrategy(self.node_id, soft=True)
            for frag in self.plan.fragments:
                self.actors[frag.name] = remote_cls.options(
                    name=f"ggp/{self.graph.name}{self.name_suffix}/{frag.name}", namespace=self.namespace,
                    num_cpus=frag.cpu, num_gpus=frag.gpu or None, resources=frag.custom or None,
                    max_restarts=frag.max_restarts, max_task_retries=0, max_concurrency=1, **affinity,
                ).remote(fragment_setup(self.graph, self.plan, frag, blob, self.options, self.run_id,
                                          self.namespace, self.transport, self.window, tapped, self.mirrors,
                                          self.worker_home))
            self._await_ready(list(self.actors))
            ray.get([actor.start.remote() for actor in self.actors.values()], timeout=START_TIMEOUT_S)
            if self.on_started is not None:
                self.on_started(view.dashboard_url)
        except BaseException:
            self._teardown()
            raise

    def _await_ready(self, names: list[str]) -> None:
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        refs = {name: self.actors[name].ready.remote() for name in names}
        try:
            answers = ray.get(list(refs.values()), timeout=START_TIMEOUT_S)
        except RayActorError as exc:
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"a fragment of graph '{self.graph.name}' failed to start: {first}") from None
        except GetTimeoutError:
            waiting = [n for n, r in refs.items() if not ray.wait([r], timeout=0)[0]]
            raise ConfigError(f"fragment(s) {', '.join(waiting)} did not start within {START_TIMEOUT_S:.0f}s: "
                              "the cluster has no free node with the resources they ask for "
                              "(see `ggp plan`)") from None
        for name, answer in zip(refs, answers, strict=True):
            self.placement[name] = answer
            nodes = ", ".join(self.plan.fragment(name).node_ids) if self.plan else "?"
            log.info("fragment %s (%s): actor ggp/%s/%s, pid %s on Ray node %s", name, nodes, self.graph.name,
                     name, answer["pid"], str(answer["node_id"])[:8])

    def run(self) -> RunResult:
        """Run to the end (sources exhausted, Ctrl-C or the first error) and report."""
        interrupted = False
        instances: dict[str, Any] = {}
        try:
            self.start()
        except GgpError as exc:
            self._done.set()
            return RunResult(self.graph.name, 0.0, {}, exc, False, {})
        try:
            self._watch()
        except KeyboardInterrupt:
            interrupted = True
            self.stop(drain=True)
            try:
                self._watch(deadline=time.monotonic() + self.graph.spec.settings.stop_timeout_s)
            except KeyboardInterrupt:
                pass
        finally:
            try:
                self._collect_final(instances)
            finally:
                self._teardown()
        return RunResult(self.graph.name, time.monotonic() - self.started_at, self._stats, self.error,
                         interrupted, instances)

    def _watch(self, deadline: float | None = None) -> None:
        import ray

        next_stats = time.monotonic() + self.options.stats_interval_s
        watching_since = time.monotonic()
        while True:
            if deadline is not None and time.monotonic() > deadline:
                self.stop(drain=False)
                return
            polls = {name: actor.poll.remote() for name, actor in self.actors.items()}
            all_done = True
            for name, ref in polls.items():
                try:
                    answer = ray.get(ref, timeout=30)
                except Exception as exc:  # the actor died: restart it or fail the graph
                    if not self._recover(name, exc):
                        return
                    all_done = False
                    continue
                if answer["error"] is not None:
                    node_id, message, pts = answer["error"]
                    error = NodeError(node_id or name, message, pts)
                    if self._restartable(name):
                        # A node raised: restart its fragment from the last checkpoint, as after a crash.
                        log.warning("%s; restarting fragment %s from its last checkpoint", error, name)
                        ray.kill(self.actors[name], no_restart=False)
                        if self._recover(name, error):
                            all_done = False
                            continue
                        return
                    self._fail(error)
                    return
                if answer["outlet_error"] and self.error is None and not self.abort.is_set():
                    self._fail(NodeError(self.plan.fragment(name).node_ids[0] if self.plan else name,
                                         f"cannot deliver to the next fragment: {answer['outlet_error']}"))
                    return
                self.checkpoints[name] = answer["checkpoints"]
                if answer.get("taps"):
                    self._deliver_taps(answer["taps"])
                if answer.get("mirrors"):
                    self._feed_mirrors(name, answer["mirrors"])
                all_done = all_done and answer["done"]
            if all_done:
                return
            if self.options.on_stats and time.monotonic() >= next_stats:
                next_stats = time.monotonic() + self.options.stats_interval_s
                self.options.on_stats(self.stats(refresh=True))
            time.sleep(poll_interval(time.monotonic() - watching_since, bool(self.taps or self.mirrors)))

    def _restartable(self, name: str) -> bool:
        if self.plan is None or self.abort.is_set():
            return False
        return self.restarts.get(name, 0) < self.plan.fragment(name).max_restarts

    def _recover(self, name: str, exc: BaseException) -> bool:
        """A fragment actor died: wait out the backoff, restart its nodes from the checkpoint, resync peers."""
        import ray
        from ray.exceptions import ActorDiedError

        assert self.plan is not None
        frag = self.plan.fragment(name)
        count = self.restarts.get(name, 0)
        if isinstance(exc, ActorDiedError) or count >= frag.max_restarts or self.abort.is_set():
            if self.abort.is_set():
                return False
            self._fail(exc if isinstance(exc, NodeError) else NodeError(
                frag.node_ids[0], f"fragment actor ggp/{self.graph.name}/{name} died ({type(exc).__name__}) "
                f"after {count} restart(s)"))
            return False
        self.restarts[name] = count + 1
        log.warning("fragment %s died (%s); restart %d of %d after %.1fs", name, type(exc).__name__, count + 1,
                    frag.max_restarts, frag.backoff_s * (2 ** count))
        old = self.placement.get(name, {}).get("incarnation")
        time.sleep(frag.backoff_s * (2 ** count))
        try:
            self._await_restarted(name, old)
            ray.get(self.actors[name].start.remote(), timeout=START_TIMEOUT_S)
        except Exception as again:
            self._fail(NodeError(frag.node_ids[0], f"fragment {name} could not restart: {again}"))
            return False
        for other, actor in self.actors.items():
            if other != name:
                actor.peer_restarted.remote(name)
        return True

    def _await_restarted(self, name: str, old: str | None) -> None:
        """Ray re-creates the actor by itself; calls fail with ActorUnavailableError until it is back."""
        import ray
        from ray.exceptions import ActorDiedError, ActorUnavailableError, GetTimeoutError

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                answer = ray.get(self.actors[name].ready.remote(), timeout=5)
                if answer["incarnation"] != old:  # not the instance that is still being killed
                    self.placement[name] = answer
                    return
                time.sleep(0.05)
            except ActorDiedError:
                raise
            except (ActorUnavailableError, GetTimeoutError):
                if time.monotonic() > deadline or self.abort.is_set():
                    raise
                time.sleep(0.1)

    def _fail(self, error: GgpError) -> None:
        if self.error is None:
            self.error = error
        self.stop(drain=False)

    def _collect_final(self, instances: dict[str, Any]) -> None:
        import ray

        self.stats(refresh=True)
        for actor in self.actors.values():
            try:
                for nid, kept in ray.get(actor.results.remote(), timeout=10).items():
                    instances.setdefault(nid, SimpleNamespace(**kept))
            except Exception:
                continue

    def _teardown(self) -> None:
        import ray

        settings = self.graph.spec.settings
        shutdowns = {}
        for name, actor in self.actors.items():
            try:
                shutdowns[name] = actor.shutdown.remote()
            except Exception:
                pass
        started = time.monotonic()
        for name, actor in self.actors.items():
            # a fragment that records may spend its finish timeout finishing the files before it answers
            writes = self.plan is not None and any(self.graph.nodes[nid].cls.writes_files
                                                   for nid in self.plan.fragment(name).node_ids)
            limit = 5.0 + (settings.stop_timeout_s + settings.finish_timeout_s if writes else 0.0)
            try:
                if name in shutdowns:
                    ray.get(shutdowns[name], timeout=max(0.1, started + limit - time.monotonic()))
            except Exception:
                pass
            try:
                ray.kill(actor, no_restart=True)
            except Exception:
                pass
        self.actors.clear()
        remove_run_segments(f"ggp_{self.run_id}")
        remove_run_sockets(self.run_id)
        self.store.clear()
        self.connection.close()
        self._running = False
        self._done.set()

    # -- the executor surface shared with LocalExecutor -----------------------------------------------
    def stop(self, drain: bool = True) -> None:
        """Stop sources (drain: let the rest finish) or abort everything now."""
        self.sources_stop.set()
        if not drain:
            self.abort.set()
        for actor in list(self.actors.values()):
            try:
                actor.stop.remote(drain)
            except Exception:
                pass

    def alive(self) -> bool:
        """True while the run has started and not ended."""
        return self._running and not self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True when it did."""
        return self._done.wait(timeout)

    def stats(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """Per-node metrics of every fragment (replicas of a node summed)."""
        if refresh and self.actors:
            import ray

            refs = {name: actor.stats.remote() for name, actor in self.actors.items()}
            parts: dict[str, dict[str, Any]] = {}
            for name, ref in refs.items():
                try:
                    parts[name] = ray.get(ref, timeout=10)
                except Exception:  # keep what we knew of a fragment that is restarting
                    parts[name] = {nid: s for nid, s in self._stats.items() if s.get("fragment") == name}
            self._stats = merge_stats(parts, self.graph, self.plan, self.restarts, self.hops)
        return self._stats

    def describe(self) -> dict[str, Any]:
        """Plan, placement and restart counts (for tests and `--stats-json`)."""
        return {"plan": self.plan.to_json() if self.plan else None, "placement": self.placement,
                "restarts": dict(self.restarts), "hops": self.hops,
                "fragments": [dataclasses.asdict(f) for f in self.plan.fragments] if self.plan else [],
                "pid": os.getpid()}

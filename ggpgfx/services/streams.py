"""Streams: start a project's graph version as a managed run, stop it, report status, meter usage."""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update

from ggpgfx.errors import GgpError, ServiceError
from ggpgfx.graph.ports import negotiates_caps
from ggpgfx.media.redact import redact_text, redact_value
from ggpgfx.services import schemas as s
from ggpgfx.services.analytics_jobs import AnalyticsJobs
from ggpgfx.services.base import Service, scoped_get
from ggpgfx.services.billing import BillingService
from ggpgfx.services.models import Destination, GraphVersion, Project, Stream, StreamEventLog, utcnow
from ggpgfx.services.notifications import NotificationsService
from ggpgfx.services.security import Principal
from ggpgfx.services.stream_analytics import (
    LogTooBig,
    StreamAnalytics,
    assign_event_logs,
    event_logs_of,
    logs_signature,
)

log = logging.getLogger("ggpgfx.services.streams")
ACTIVE = ("starting", "running")


class RunControl(Protocol):
    """What the streams service needs from a running graph (ggpgfx.runtime.run.RunHandle fits)."""

    def stop(self, timeout: float = 5.0) -> Any:
        """Stop the run."""

    def status(self) -> str:
        """'running', 'finished', 'failed' or 'stopped'."""

    def stats(self) -> dict[str, Any]:
        """Per-node metrics."""


class RunLauncher(Protocol):
    """Starts graphs; the default uses the runtime, tests may pass another executor name."""

    def start(self, resolved: Any, *, options: dict[str, Any]) -> RunControl:
        """Start a resolved graph (already checked against its run policy); return its control."""


def graph_demand(resolved: Any) -> dict[str, float]:
    """What a resolved graph asks of a plan: video sources, outputs, the longest delay, GPUs.

    A video source is an `ingest.*` node with a video output: `ingest.operator` (the console) and
    `ingest.rfid` (card reads) are inputs of a table, not video sources.
    """
    demand = {"video_sources": 0.0, "outputs": 0.0, "delay_seconds": 0.0, "gpus": 0.0}
    for node in resolved.nodes.values():
        type_name = str(node.cls.type_name)
        if type_name.startswith("ingest.") and any(negotiates_caps(port.type) for port in node.cls.outputs.values()):
            demand["video_sources"] += 1
        if type_name.startswith("publish."):
            demand["outputs"] += 1
        params = node.params.model_dump() if hasattr(node.params, "model_dump") else {}
        for key in ("delay_s", "delay_seconds", "delay"):
            if isinstance(params.get(key), int | float):
                demand["delay_seconds"] = max(demand["delay_seconds"], float(params[key]))
        demand["gpus"] += float(getattr(node.cls.resources, "gpu", 0.0) or 0.0)
    return demand


class RuntimeLauncher:
    """Runs graphs with `ggpgfx.runtime.run.start_run` on the chosen executor ('ray' or 'local')."""

    def __init__(self, executor: str = "ray") -> None:
        self.executor = executor

    def start(self, resolved: Any, *, options: dict[str, Any]) -> RunControl:
        """Start the graph in the background; metrics arrive through the executor's `on_stats` callback."""
        from ggpgfx.control.live import attach, control_server
        from ggpgfx.runtime.local import RunOptions
        from ggpgfx.runtime.run import RunHandle, make_executor

        control = _LiveRun()
        control.server = control_server(resolved)  # graphs with ingest.operator: their control endpoint
        if control.server is not None:
            control.server.start()
        try:
            runner = make_executor(resolved, self.executor, RunOptions(on_stats=control.update, **options))
            if control.server is not None:
                attach(control.server, resolved, runner)  # health, and RFID/vision cards for the console
            control.handle = RunHandle(runner)
        except BaseException:
            if control.server is not None:
                control.server.stop()
            raise
        if control.server is not None:
            handle = control.handle
            control.server.health.stats = lambda: handle.stats()  # no Ray refresh once the run ended
        return control


class _LiveRun:
    """A RunHandle plus the newest metrics it pushed (the Ray executor only reports through `on_stats`)."""

    def __init__(self) -> None:
        self.handle: Any = None
        self.latest: dict[str, Any] = {}
        self.server: Any = None  # the control endpoint (ggpgfx.control), when the graph has one

    def update(self, stats: dict[str, Any]) -> None:
        """on_stats callback."""
        self.latest = dict(stats)

    @property
    def result(self) -> Any:
        """The run's result once it ended."""
        return getattr(self.handle, "result", None)

    def status(self) -> str:
        """Delegated."""
        return str(self.handle.status())

    def stats(self) -> dict[str, Any]:
        """Pushed metrics, else whatever the executor holds."""
        pulled: dict[str, Any] = self.handle.stats()
        return pulled or self.latest

    def stop(self, timeout: float = 5.0) -> Any:
        """Delegated (the control endpoint closes after the graph)."""
        try:
            return self.handle.stop(timeout)
        finally:
            if self.server is not None:
                self.server.stop()


class StreamsService(Service):
    """Managed graph runs of one process (Serve runs this deployment as a single replica)."""

    run_options = ("realtime", "max_frames", "duration_s")
    meter_interval_s = 30.0

    def __init__(self, context: Any, billing: BillingService, notifications: NotificationsService | None = None,
                 launcher: Any = None) -> None:
        super().__init__(context)
        from ggpgfx.media.redact import install_log_redaction

        install_log_redaction()  # the decrypted keys live in this process: every log record here is scrubbed
        self.billing = billing
        self.notifications = notifications
        self.launcher = launcher or RuntimeLauncher(self.settings.stream_executor)
        self.runs: dict[str, RunControl] = {}
        self._outputs: dict[str, dict[str, bool]] = {}  # stream -> publish node -> connected when last polled
        from ggpgfx.telemetry.prom import GraphCollector

        self.graph_metrics = GraphCollector()  # per-node metrics of the runs held here, for /metrics
        self._run_spans: dict[str, Any] = {}  # stream id -> the open "stream.run" span
        self.show_analytics = StreamAnalytics(self.settings.analytics_max_log_bytes)
        self.analytics_jobs = AnalyticsJobs(self.settings.home / "analytics-jobs", self.settings.analytics_job_time_limit_s)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._meter_thread = threading.Thread(target=self._meter_loop, name="ggp-meter", daemon=True)
        self._meter_thread.start()
        self._fail_orphans()

    def _fail_orphans(self) -> None:
        """Streams left 'running' by a previous process have no run any more: mark them lost."""
        with self.context.session() as session:
            session.execute(update(Stream).where(Stream.status.in_(ACTIVE)).values(
                status="lost", stopped_at=utcnow(), error="the streams service restarted"))

    def close(self) -> None:
        """Stop every run and the metering thread."""
        self._stop.set()
        for stream_id in list(self.runs):
            self._finish(stream_id, "stopped", stop=True)
        self.analytics_jobs.close()

    def _prepare(self, session: Any, principal: Principal, project_id: str, yaml_text: str,
                 destination_ids: list[str]) -> Any:
        """The version as a runnable graph: destination secrets substituted into secret params only, then
        validated and checked against the organisation's run policy (422 with FILE:LINE:COL diagnostics)."""
        from ggpgfx.media.redact import SECRETS
        from ggpgfx.policy import PolicyError, prepare_graph
        from ggpgfx.services.run_policy import policy_for

        rows: dict[str, Destination] = {}
        for destination_id in destination_ids:
            row = scoped_get(session, Destination, destination_id, principal, "destination")
            if row.project_id != project_id:
                raise ServiceError(f"destination '{destination_id}' not found", 404)
            rows[row.name] = row

        def lookup(name: str, part: str) -> str:
            """One placeholder -> its decrypted value (remembered for redaction first)."""
            if name not in rows:
                raise PolicyError(f"destination '{name}' was not selected for this stream")
            row = rows[name]
            key = self.context.box.decrypt(row.stream_key_ciphertext, f"destination:{row.id}")
            SECRETS.add(key)
            return {"url": row.url, "key": key, "publish_url": row.url.rstrip("/") + "/" + key}[part]

        policy = policy_for(self.settings, session, principal.organization_id, principal.role)
        resolved, diagnostics = prepare_graph(yaml_text, "graph.yaml", policy, lookup)
        if resolved is None or diagnostics:
            raise ServiceError("graph cannot start: " + "; ".join(d.format() for d in diagnostics), 422)
        return resolved

    def start(self, principal: Principal, body: s.StreamStartIn) -> s.StreamOut:
        """Check plan limits, then run the project's graph version (latest unless given)."""
        from opentelemetry import trace

        from ggpgfx.telemetry.tracing import tracer

        span = tracer().start_span("stream.start", attributes={
            "ggp.organisation": principal.organization_id, "ggp.project": body.project_id})
        try:
            with trace.use_span(span, record_exception=True, set_status_on_exception=True):
                return self._start(principal, body, span)
        finally:
            span.end()

    def _start(self, principal: Principal, body: s.StreamStartIn, span: Any) -> s.StreamOut:
        from ggpgfx.telemetry.prom import GraphSource
        from ggpgfx.telemetry.tracing import tracer

        principal.require("producer")
        options = {k: v for k, v in body.settings.items() if k in self.run_options}
        with self.context.session() as session:
            project = scoped_get(session, Project, body.project_id, principal, "project")
            query = select(GraphVersion).where(GraphVersion.project_id == project.id)
            query = (query.where(GraphVersion.version == body.version) if body.version
                     else query.order_by(GraphVersion.version.desc()))
            version = session.scalars(query).first()
            if version is None:
                raise ServiceError(f"project '{project.id}' has no graph version to start", 404)
            yaml_text = version.yaml_text
            stream = Stream(organization_id=principal.organization_id, project_id=project.id,
                            graph_version_id=version.id, status="starting",
                            settings={**dict(body.settings), "destination_ids": list(body.destination_ids)},
                            started_by=principal.actor)
            session.add(stream)
            session.flush()
            stream_id = stream.id
        span.set_attribute("ggp.stream", stream_id)
        labels = {"organisation": principal.organization_id, "project": project.id, "stream": stream_id}
        try:
            with tracer().start_as_current_span("stream.prepare"), self.context.sessions() as session:
                resolved = self._prepare(session, principal, project.id, yaml_text, body.destination_ids)
            resolved, event_logs = assign_event_logs(resolved, self._storage(principal.organization_id), stream_id)
            demand = graph_demand(resolved)
            demand["outputs"] = max(demand.get("outputs", 0.0), float(len(body.destination_ids)))
            self.billing.check_stream_start(principal.organization_id, demand)
            with tracer().start_as_current_span("stream.placement", attributes={"ggp.graph": resolved.name}):
                control = self.launcher.start(resolved, options={**options, "metric_labels": labels})
        except BaseException as exc:
            error = redact_text(str(exc) if isinstance(exc, GgpError) else f"{type(exc).__name__}: {exc}")
            with self.context.session() as session:
                row = session.get(Stream, stream_id)
                assert row is not None
                row.status, row.stopped_at = "failed", utcnow()
                row.error = error[:2000]
            if isinstance(exc, ServiceError):
                if redact_text(str(exc)) != str(exc):
                    raise ServiceError(redact_text(str(exc)), exc.status_code) from None
                raise
            if not isinstance(exc, Exception):
                raise
            if isinstance(exc, GgpError):
                raise ServiceError(f"graph could not start: {error}", 422) from None
            log.exception("stream %s failed to start", stream_id)
            raise ServiceError(f"graph could not start: {error}", 503) from None
        with self._lock:
            self.runs[stream_id] = control
            self._run_spans[stream_id] = tracer().start_span("stream.running", attributes={"ggp.stream": stream_id})
        self.graph_metrics.attach(stream_id, GraphSource(str(getattr(resolved, "name", "graph")), control.stats, labels))
        with self.context.session() as session:
            row = session.get(Stream, stream_id)
            assert row is not None
            row.status, row.metered_until = "running", utcnow()
            row.settings = {**row.settings, "gpus": demand.get("gpus", 0.0)}
            for node_id, folder in event_logs.items():
                session.add(StreamEventLog(organization_id=principal.organization_id, stream_id=stream_id,
                                           node_id=node_id, folder=folder))
            self.audit(session, principal, principal.organization_id, "stream.started", f"stream:{stream_id}",
                       project=project.id, version=version.version)
            out = self._out(row)
        self._notify(principal.organization_id, "stream.started", {"stream_id": stream_id, "project_id": out.project_id})
        log.info("stream %s started for project %s (version %s)", stream_id, out.project_id, version.version)
        return out

    def stop(self, principal: Principal, body: s.StreamStopIn) -> s.StreamOut:
        """Stop a running stream and meter its final usage."""
        principal.require("producer")
        with self.context.sessions() as session:
            row = scoped_get(session, Stream, body.stream_id, principal, "stream")
        if row.status in ACTIVE:
            self._finish(row.id, "stopped", stop=True)
            with self.context.session() as session:
                self.audit(session, principal, principal.organization_id, "stream.stopped", f"stream:{row.id}")
        return self.get(principal, row.id)

    def control_endpoint(self, principal: Principal, stream_id: str) -> tuple[str, str]:
        """Base URL of a running stream's control endpoint and a fresh session on it (viewer or above)."""
        principal.require("viewer")
        server = self._control_server(principal, stream_id)
        return server.url, server.new_session()

    def _control_server(self, principal: Principal, stream_id: str) -> Any:
        """The control server of one of the organisation's running streams (404 when it has none)."""
        with self.context.sessions() as session:
            row = scoped_get(session, Stream, stream_id, principal, "stream")
        with self._lock:
            control = self.runs.get(row.id)
        server = getattr(control, "server", None)
        if server is None:
            raise ServiceError(f"stream '{stream_id}' has no control endpoint (it is not running, or its graph "
                               "has no ingest.operator node)", 404)
        return server

    def control_request(self, principal: Principal, stream_id: str, table: str, request: dict[str, Any]) -> dict[str, Any]:
        """Judge one control request for a stream's table (producer or above); accepted ones are audited."""
        principal.require("producer")
        server = self._control_server(principal, stream_id)
        reply, _state = server.handle(table, request)
        if reply.get("type") == "ack":
            self.audit_control(principal, stream_id, str(request.get("verb")), reply.get("id"), reply.get("version"))
        return dict(reply)

    def control_state(self, principal: Principal, stream_id: str, table: str) -> dict[str, Any]:
        """A table's protocol state (viewer or above)."""
        principal.require("viewer")
        control_table = self._control_server(principal, stream_id).tables.get(table)
        if control_table is None:
            raise ServiceError(f"stream '{stream_id}' has no table '{table}'", 404)
        return dict(control_table.state())

    def audit_control(self, principal: Principal, stream_id: str, verb: str, request_id: Any,
                      version: Any) -> None:
        """Write one accepted control action to the audit log."""
        with self.context.session() as session:
            self.audit(session, principal, principal.organization_id, "stream.control", f"stream:{stream_id}",
                       verb=verb, request_id=str(request_id), version=version)

    def _storage(self, organization_id: str) -> Path:
        from ggpgfx.policy import organization_storage

        return organization_storage(self.settings.home, organization_id)

    def analytics(self, principal: Principal, stream_id: str) -> dict[str, Any]:
        """Show analytics of a stream's event logs (viewer or above): hands per hour, average pot, showdown
        rate, biggest pots, per-player VPIP/PFR/aggression and table time; also while it runs."""
        principal.require("viewer")
        with self.context.sessions() as session:
            row = scoped_get(session, Stream, stream_id, principal, "stream")
            folders = dict(session.execute(select(StreamEventLog.node_id, StreamEventLog.folder).where(
                StreamEventLog.stream_id == row.id,
                StreamEventLog.organization_id == principal.organization_id)).tuples().all())
            status, project_id = row.status, row.project_id
        if not folders:
            raise ServiceError(f"stream '{stream_id}' has no event log (its graph has no publish.events node)", 404)
        storage = self._storage(principal.organization_id)
        head = {"stream_id": row.id, "project_id": project_id, "status": status}
        try:
            return {**head, **self.show_analytics.compute(row.id, storage, folders)}
        except LogTooBig as big:  # over the in-process cap: a background job on Ray Data (202 until it is done)
            job = self.analytics_jobs.submit(principal.organization_id, row.id, big.paths,
                                             logs_signature(big.paths), big.size)
        if job.status == "done" and job.result is not None:
            return {**head, **job.result, "event_logs": event_logs_of(storage, job.paths)}
        return {**head, "job": job.view()}

    def analytics_job(self, principal: Principal, job_id: str) -> dict[str, Any]:
        """A background analytics job of the organisation: status, stage, progress (viewer or above)."""
        principal.require("viewer")
        return self.analytics_jobs.get(principal.organization_id, job_id).view()

    def analytics_job_result(self, principal: Principal, job_id: str) -> dict[str, Any]:
        """The analytics a finished job computed, as GET /streams/{id}/analytics gives them (viewer or above);
        a job not done yet or failed is a 409 that says which."""
        principal.require("viewer")
        job = self.analytics_jobs.get(principal.organization_id, job_id)
        if job.status != "done" or job.result is None:
            reason = f"failed: {job.error}" if job.status == "failed" else f"{job.status} ({job.progress:.0%})"
            raise ServiceError(f"analytics job '{job_id}' has no result: it {reason}", 409)
        with self.context.sessions() as session:
            row = scoped_get(session, Stream, job.stream_id, principal, "stream")
            head = {"stream_id": row.id, "project_id": row.project_id, "status": row.status}
        storage = self._storage(principal.organization_id)
        return {**head, **job.result, "event_logs": event_logs_of(storage, job.paths), "job_id": job.job_id}

    def get(self, principal: Principal, stream_id: str) -> s.StreamOut:
        """One stream with live metrics while it runs."""
        principal.require("viewer")
        self._poll(stream_id)
        with self.context.sessions() as session:
            return self._out(scoped_get(session, Stream, stream_id, principal, "stream"))

    def status(self, principal: Principal, project_id: str | None = None, active_only: bool = False) -> list[s.StreamOut]:
        """Streams of the organisation (optionally of one project / only active ones), newest first."""
        principal.require("viewer")
        for stream_id in list(self.runs):
            self._poll(stream_id)
        with self.context.sessions() as session:
            query = select(Stream).where(Stream.organization_id == principal.organization_id)
            if project_id:
                query = query.where(Stream.project_id == project_id)
            if active_only:
                query = query.where(Stream.status.in_(ACTIVE))
            rows = session.scalars(query.order_by(Stream.started_at.desc()).limit(200)).all()
            return [self._out(r) for r in rows]

    def _out(self, row: Stream) -> s.StreamOut:
        control = self.runs.get(row.id)
        stats: dict[str, Any] = dict(row.final_stats or {})  # a finished run keeps its last statistics
        if control is not None:
            try:
                stats = redact_value(_plain(control.stats()))
            except Exception as exc:  # metrics must never break a status call
                stats = {"error": redact_text(f"{type(exc).__name__}: {exc}")}
        return s.StreamOut.model_validate(row).model_copy(update={"stats": stats})

    def _poll(self, stream_id: str) -> None:
        control = self.runs.get(stream_id)
        if control is None:
            return
        state = control.status()
        if state != "running":
            error = None
            result = getattr(control, "result", None)
            if result is not None and getattr(result, "error", None) is not None:
                error = redact_text(str(result.error))
            self._finish(stream_id, "failed" if state == "failed" else "stopped", stop=False, error=error)

    def _finish(self, stream_id: str, status: str, stop: bool, error: str | None = None) -> None:
        from ggpgfx.telemetry.tracing import tracer

        with self._lock:
            control = self.runs.pop(stream_id, None)
            run_span = self._run_spans.pop(stream_id, None)
        if control is None:
            return
        self.graph_metrics.detach(stream_id)
        self._outputs.pop(stream_id, None)
        stats: dict[str, Any] = {}
        if stop:
            with tracer().start_as_current_span("stream.stop", attributes={"ggp.stream": stream_id}):
                control.stop()
        if run_span is not None:
            from opentelemetry.trace import Status, StatusCode

            run_span.set_attribute("ggp.status", status)
            if status == "failed":
                run_span.set_status(Status(StatusCode.ERROR, redact_text(error or "failed")[:200]))
            run_span.end()
        try:
            stats = control.stats()
        except Exception:
            stats = {}
        with self.context.session() as session:
            row = session.get(Stream, stream_id)
            assert row is not None
            error = redact_text(error) if error else None
            row.status, row.stopped_at, row.error = status, utcnow(), error
            row.final_stats = redact_value(_plain(stats))
            self._meter_row(row, stats, final=True)
            org, project_id = row.organization_id, row.project_id
        event = "stream.failed" if status == "failed" else "stream.stopped"
        self._notify(org, event, {"stream_id": stream_id, "project_id": project_id, "error": error})

    def _meter_row(self, row: Stream, stats: dict[str, Any], final: bool) -> None:
        """Bill the time since the last metering point; output bytes once, at the end."""
        now = utcnow()
        since = row.metered_until or row.started_at
        seconds = max(0.0, (now - since).total_seconds())
        row.metered_until = now
        usage = {"stream_minutes": seconds / 60.0, "gpu_seconds": seconds * float(row.settings.get("gpus", 0) or 0)}
        if final:
            usage["output_bytes"] = float(sum(
                float(v.get("bytes_out", 0) or 0) for v in stats.values() if isinstance(v, dict)))
        self.billing.record_usage(row.organization_id, row.id, usage)

    def _meter_loop(self) -> None:
        while not self._stop.wait(self.meter_interval_s):
            for stream_id in list(self.runs):
                try:
                    self._poll(stream_id)
                    with self.context.session() as session:
                        row = session.get(Stream, stream_id)
                        if row is not None and row.status == "running":
                            self._meter_row(row, {}, final=False)
                            org, project_id = row.organization_id, row.project_id
                        else:
                            org = None
                    control = self.runs.get(stream_id)
                    if org is not None and control is not None:
                        self.watch_outputs(stream_id, org, project_id, control.stats())
                except Exception:
                    log.exception("metering stream %s failed", stream_id)

    def watch_outputs(self, stream_id: str, organization_id: str, project_id: str, stats: dict[str, Any]) -> list[str]:
        """output.down when a publish node that was connected reports `output_connected` 0, output.recovered when
        it is back; returns the events sent. An output that has never connected yet is starting, not down."""
        seen = self._outputs.setdefault(stream_id, {})
        sent = []
        for node, values in stats.items():
            reported = values.get("reported") if isinstance(values, dict) else None
            if not isinstance(reported, dict) or "output_connected" not in reported:
                continue
            up = float(reported["output_connected"]) >= 1.0
            before = seen.get(node)
            if before is None and not up:
                continue  # not connected yet
            seen[node] = up
            if before is None:
                continue
            if before and not up:
                sent.append("output.down")
            elif up and not before:
                sent.append("output.recovered")
            else:
                continue
            self._notify(organization_id, sent[-1], {"stream_id": stream_id, "project_id": project_id, "node": node,
                                                     "reconnects": reported.get("output_reconnects")})
        return sent

    def _notify(self, organization_id: str, event_type: str, data: dict[str, Any]) -> None:
        if self.notifications is not None:
            self.notifications.emit(organization_id, event_type, data)


def _plain(value: Any) -> Any:
    """Metrics as JSON-safe values (numpy scalars and the like become floats/strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) or (not isinstance(value, bool | int | str) and value is not None):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        return number if math.isfinite(number) else None  # JSON (and PostgreSQL's json) has no NaN
    return value

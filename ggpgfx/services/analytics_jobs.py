"""Background show-analytics jobs on Ray Data, for stream event logs over the in-process cap.

A job replays each of the stream's log folders into hand summaries (one Ray task per folder, written as
Parquet in the job's work folder under the platform home), then reduces them with
`ggpgfx.analytics.show.show_analytics` (Ray Data, the code path of `benchmarks/bench_analytics.py`), run as a
Ray task of its own so the time limit can cancel it. The result is kept in memory with the log signature it
was computed from; the work folder is deleted when the job ends.

Bounds: an organisation has at most one job queued or running (another stream's request is a 429 until it
ends); a job past `time_limit_s` is cancelled (its Ray tasks force-killed) and fails; finished jobs are kept
up to `keep` in all (oldest dropped first).
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggpgfx.errors import ServiceError

REPLAY_SHARE = 0.8  # of the progress: the replay of the logs; the Ray Data reduction is the rest


def replay_log(folder: str, out: str) -> int:
    """Hand summaries of one log folder (all its tables) written to `out` as Parquet; the row count."""
    import pyarrow.parquet as pq

    from ggpgfx.analytics.hands import hands_by_table, log_events

    table = hands_by_table(log_events(folder) if Path(folder).is_dir() else [])
    pq.write_table(table, out)
    return int(table.num_rows)


def reduce_hands(paths: list[str]) -> dict[str, Any]:
    """The show analytics of hand-summary Parquet files with Ray Data."""
    from ggpgfx.analytics.show import show_analytics

    return show_analytics(paths)


@dataclass
class AnalyticsJob:
    """One background job: what it reads, where it stands, and its result once done."""

    job_id: str
    organization_id: str
    stream_id: str
    paths: dict[str, Path]
    signature: Any
    log_bytes: int
    time_limit_s: float
    status: str = "queued"  # queued, running, done, failed
    stage: str = "queued"  # queued, replay, reduce, done, failed
    logs_done: int = 0
    progress: float = 0.0
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    result: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.status in ("queued", "running")

    def view(self) -> dict[str, Any]:
        """The job as the API shows it (no result, no server paths)."""
        return {"job_id": self.job_id, "stream_id": self.stream_id, "status": self.status, "stage": self.stage,
                "progress": round(self.progress, 4), "logs_done": self.logs_done, "logs_total": len(self.paths),
                "log_bytes": self.log_bytes, "time_limit_s": self.time_limit_s, "error": self.error,
                "created_at": self.created_at, "finished_at": self.finished_at,
                "hands": None if self.result is None else self.result["hands"],
                "status_url": f"/api/v1/analytics/jobs/{self.job_id}",
                "result_url": f"/api/v1/analytics/jobs/{self.job_id}/result"}


class AnalyticsJobs:
    """The background analytics jobs of this process (the streams service owns one)."""

    def __init__(self, work_root: Path, time_limit_s: float, keep: int = 64) -> None:
        self.work_root = work_root
        self.time_limit_s = time_limit_s
        self.keep = keep
        self.jobs: dict[str, AnalyticsJob] = {}
        self._lock = threading.Lock()
        self._connection: Any = None

    def submit(self, organization_id: str, stream_id: str, paths: dict[str, Path], signature: Any,
               log_bytes: int) -> AnalyticsJob:
        """The stream's job: its running one, its finished one when no log changed since, else a new one.
        Another stream's job still running in the organisation is a 429."""
        with self._lock:
            mine = [j for j in self.jobs.values() if j.organization_id == organization_id]
            for job in sorted(mine, key=lambda j: j.created_at, reverse=True):
                if job.stream_id == stream_id and (job.active or (job.status == "done" and job.signature == signature)):
                    return job
            busy = next((j for j in mine if j.active), None)
            if busy is not None:
                raise ServiceError(
                    f"the organisation already has an analytics job running (job '{busy.job_id}' for stream "
                    f"'{busy.stream_id}'): one at a time; ask again when it has ended", 429)
            job = AnalyticsJob(uuid.uuid4().hex, organization_id, stream_id, dict(paths), signature, log_bytes,
                               self.time_limit_s)
            self.jobs[job.job_id] = job
            self._forget_old()
        threading.Thread(target=self._run, args=(job,), name=f"ggp-analytics-{job.job_id[:8]}", daemon=True).start()
        return job

    def get(self, organization_id: str, job_id: str) -> AnalyticsJob:
        """A job of the organisation (another organisation's job is absent: 404)."""
        job = self.jobs.get(job_id)
        if job is None or job.organization_id != organization_id:
            raise ServiceError(f"analytics job '{job_id}' not found", 404)
        return job

    def _forget_old(self) -> None:
        finished = sorted((j for j in self.jobs.values() if not j.active), key=lambda j: j.created_at)
        for job in finished[:max(0, len(self.jobs) - self.keep)]:
            del self.jobs[job.job_id]

    def _ray(self) -> Any:
        """Ray, connected (the cluster this process already uses, else an embedded one kept until close)."""
        import ray

        from ggpgfx.runtime.ray_cluster import RayConnection

        with self._lock:
            if not ray.is_initialized():
                self._connection = RayConnection()
                self._connection.connect()
        return ray

    def _run(self, job: AnalyticsJob) -> None:
        deadline = time.monotonic() + job.time_limit_s
        work = self.work_root / job.job_id
        pending: list[Any] = []
        try:
            job.status, job.stage = "running", "replay"
            ray = self._ray()
            work.mkdir(parents=True, exist_ok=True, mode=0o700)
            replay = ray.remote(num_cpus=1, max_retries=0)(replay_log)
            outputs = [str(work / f"hands-{index}.parquet") for index in range(len(job.paths))]
            pending = [replay.remote(str(path), out) for path, out in zip(job.paths.values(), outputs, strict=True)]
            while pending:
                ready, pending = ray.wait(pending, num_returns=1, timeout=max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise TimeoutError
                ray.get(ready)
                job.logs_done += 1
                job.progress = REPLAY_SHARE * job.logs_done / len(job.paths)
            job.stage = "reduce"
            reduce = ray.remote(num_cpus=0, max_retries=0)(reduce_hands)
            pending = [reduce.remote(outputs)]
            ready, pending = ray.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            job.result = ray.get(ready[0])
            job.status, job.stage, job.progress = "done", "done", 1.0
        except TimeoutError:
            self._fail(job, f"over the time limit of {job.time_limit_s:g} s; cancelled")
        except Exception as exc:  # a log the tracker cannot replay, a lost worker: the job fails, the API goes on
            cause = getattr(exc, "cause", None) or exc
            self._fail(job, f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}")
        finally:
            for ref in pending:
                self._cancel(ref)
            job.finished_at = time.time()
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _fail(job: AnalyticsJob, error: str) -> None:
        job.status, job.stage, job.error = "failed", "failed", error

    @staticmethod
    def _cancel(ref: Any) -> None:
        import ray

        try:
            ray.cancel(ref, force=True)
        except Exception:  # already finished, or the worker is gone: nothing left to stop
            pass

    def close(self) -> None:
        """Disconnect from Ray when this object started the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

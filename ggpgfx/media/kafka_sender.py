"""Ship an EventLog's WAL to a Kafka topic from a background thread, at least once, keyed by event key.

The WAL on disk is the buffer: while the broker is unreachable nothing is lost and nothing blocks the
graph; the sender retries with backoff and resumes from its cursor file (`kafka-<topic>.offset`), which
advances only after the broker acknowledged (acks=all). Consumers deduplicate by key.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from ggpgfx.media.redact import redact_text

log = logging.getLogger(__name__)


class KafkaSender:
    """Background producer tailing a WAL file; `state`, `sent`, `failures` for reports."""

    def __init__(self, wal_path: Path, bootstrap: str, topic: str, *, batch: int = 500, backoff_s: float = 0.5,
                 max_backoff_s: float = 10.0, timeout_s: float = 10.0) -> None:
        self.wal_path = wal_path
        self.bootstrap = bootstrap
        self.topic = topic
        self.batch = batch
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.cursor_path = wal_path.with_name(f"kafka-{topic}.offset")
        self.cursor = int(self.cursor_path.read_text()) if self.cursor_path.exists() else 0
        self.sent = 0
        self.failures = 0
        self.state = "starting"
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._draining = False
        self._producer: Any = None
        self.thread = threading.Thread(target=self._run, name=f"ggp-kafka-{topic}", daemon=True)
        self.thread.start()

    def notify(self) -> None:
        """New records were appended to the WAL."""
        self._wake.set()

    def _connect(self) -> Any:
        import socket

        from kafka import KafkaProducer

        # kafka-python blocks ~30 s bootstrapping a closed port: probe with a plain TCP connect first
        reachable = False
        for address in self.bootstrap.split(","):
            host, _, port = address.strip().rpartition(":")
            try:
                with socket.create_connection((host or "127.0.0.1", int(port)), timeout=min(2.0, self.timeout_s)):
                    reachable = True
                    break
            except OSError:
                continue
        if not reachable:
            raise ConnectionRefusedError(f"no broker answers at {self.bootstrap}")

        return KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", retries=3, linger_ms=5,
                             request_timeout_ms=int(self.timeout_s * 1000), max_block_ms=int(self.timeout_s * 1000))

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                if self._producer is None:
                    self.state = "connecting"
                    self._producer = self._connect()
                    if self._stop.is_set():
                        break
                sent = self._ship()
                attempt = 0
                self.state = "connected"
                if sent == 0:
                    if self._draining:
                        break
                    self._wake.wait(0.2)
                    self._wake.clear()
            except Exception as exc:  # broker down or unreachable: keep the WAL, retry later
                self.failures += 1
                self.last_error = redact_text(f"{type(exc).__name__}: {exc}")
                self.state = "retrying"
                wait = min(self.max_backoff_s, self.backoff_s * 2 ** attempt)
                attempt += 1
                log.warning("kafka %s (%s): %s; retrying in %.1f s", self.topic, self.bootstrap, self.last_error,
                            wait)
                self._close_producer()
                if self._stop.wait(wait):
                    break
        self._close_producer()
        self.state = "closed" if self.state != "retrying" else "stopped with a backlog"

    def _ship(self) -> int:
        """Send up to `batch` WAL records after the cursor; advance it once all are acknowledged."""
        if not self.wal_path.exists():
            return 0
        with open(self.wal_path, "rb") as fh:
            fh.seek(self.cursor)
            chunk = fh.read(1 << 20)
        end = chunk.rfind(b"\n") + 1
        lines = chunk[:end].splitlines()[: self.batch]
        if not lines:
            return 0
        futures = []
        for line in lines:
            record = json.loads(line)
            futures.append(self._producer.send(self.topic, key=record["key"].encode(),
                                               value=record["payload"].encode(),
                                               headers=[("type", record["type"].encode())]))
        self._producer.flush(self.timeout_s)
        for future in futures:
            future.get(self.timeout_s)
        self.cursor += sum(len(line) + 1 for line in lines)
        tmp = self.cursor_path.with_suffix(".tmp")
        tmp.write_text(str(self.cursor))
        os.replace(tmp, self.cursor_path)
        self.sent += len(lines)
        return len(lines)

    def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=2)
            except Exception:
                log.debug("closing the Kafka producer", exc_info=True)

    def backlog_bytes(self) -> int:
        """WAL bytes not yet acknowledged by the broker."""
        return max(0, (self.wal_path.stat().st_size if self.wal_path.exists() else 0) - self.cursor)

    def close(self, timeout_s: float = 15.0) -> None:
        """Send the backlog (bounded by `timeout_s`), then stop; what is left stays in the WAL for next time."""
        self._draining = True
        self._wake.set()
        self.thread.join(timeout_s)
        self._stop.set()
        self._wake.set()
        # a sender stuck inside the client library is left to exit on its own (daemon): never block the graph
        self.thread.join(2.0)

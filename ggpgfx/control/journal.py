"""The control journal: accepted operator requests, one JSON line each, fsync'd before the ack.

The control server is the only writer; `ingest.operator` reads it by cursor (a byte offset), so the
node's snapshot is just that offset and a restarted fragment emits every accepted entry exactly once.
A reader in the writer's process is woken at once; one in another process (a Ray fragment) polls.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

_wakers: dict[str, threading.Condition] = {}
_wakers_lock = threading.Lock()


def _waker(path: Path) -> threading.Condition:
    key = str(path.resolve())
    with _wakers_lock:
        cond = _wakers.get(key)
        if cond is None:
            cond = _wakers[key] = threading.Condition()
        return cond


def journal_path(home: Path, graph: str, node_id: str) -> Path:
    """Where a graph's operator node keeps its journal unless its params name one."""
    return home / "control" / graph / f"{node_id}.jsonl"


class JournalWriter:
    """Append-only, durable: each entry is written and fsync'd before `append` returns."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab")
        self._lock = threading.Lock()
        self._cond = _waker(self.path)

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry durably and wake in-process readers."""
        line = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        """Close the file (entries already appended stay)."""
        with self._lock:
            self._file.close()


def read_entries(path: Path | str, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Complete entries after byte `offset` and the offset after the last one (a torn tail is left)."""
    path = Path(path)
    if not path.exists():
        return [], offset
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    entries: list[dict[str, Any]] = []
    position = 0
    while True:
        end = data.find(b"\n", position)
        if end < 0:
            break
        entries.append(json.loads(data[position:end]))
        position = end + 1
    return entries, offset + position


class JournalReader:
    """Reads new entries from a cursor; `wait` returns early when an in-process writer appends."""

    def __init__(self, path: Path | str, offset: int = 0) -> None:
        self.path = Path(path)
        self.offset = offset
        self._cond = _waker(self.path)

    def read(self) -> list[dict[str, Any]]:
        """New complete entries (the cursor moves past them)."""
        entries, self.offset = read_entries(self.path, self.offset)
        return entries

    def wait(self, timeout: float) -> None:
        """Sleep up to `timeout` or until an in-process writer appends."""
        with self._cond:
            if self.path.exists() and self.path.stat().st_size > self.offset:
                return
            self._cond.wait(timeout)

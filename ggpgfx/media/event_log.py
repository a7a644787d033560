"""A durable, append-only event log: a write-ahead JSONL file plus Parquet parts compacted from it.

Every accepted event is appended (and flushed to the OS) to `events.wal` before `append` returns, so a
killed writer loses nothing it acknowledged. Parquet parts are named by the WAL byte range they hold
(`part-<start>-<end>.parquet`, written to a temp name and renamed), so after a restart the parts say
exactly which WAL bytes are already compacted: nothing is written twice. Event keys are idempotent:
an event whose key is already in the log is skipped (at-least-once upstream, exactly-once in the log).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("key", pa.string()), ("kind", pa.string()), ("type", pa.string()), ("pts", pa.int64()),
    ("hand_number", pa.int64()), ("payload", pa.string()), ("logged_at", pa.timestamp("us", tz="UTC")),
])
_PART = re.compile(r"^part-(\d{15})-(\d{15})\.parquet$")


def event_record(event: Any, pts: int) -> dict[str, Any]:
    """The log row of an event: a pydantic model (GameEvent, stats) or a plain dict."""
    data = event.model_dump(mode="json") if hasattr(event, "model_dump") else dict(event)
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
    key = data.get("key") or f"{type(event).__name__}/{pts}/{abs(hash(payload)) & 0xFFFFFFFFFFFF:x}"
    return {"key": str(key), "kind": str(data.get("kind", "")), "type": type(event).__name__,
            "pts": int(data.get("pts", pts) or pts), "hand_number": data.get("hand_number"),
            "payload": payload, "logged_at": int(time.time() * 1e6)}


class EventLog:
    """WAL + Parquet parts in one folder; `append` is durable at return, `compact` writes a part."""

    def __init__(self, folder: str | Path, fsync: bool = False) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.wal_path = self.folder / "events.wal"
        self.fsync = fsync
        self.keys: set[str] = set()
        self.compacted_to = 0
        for part in self.parts():
            self.compacted_to = max(self.compacted_to, int(_PART.match(part.name).group(2)))  # type: ignore[union-attr]
            self.keys.update(pq.read_table(part, columns=["key"]).column("key").to_pylist())
        self._recover_wal_tail()
        self.wal = open(self.wal_path, "ab")  # noqa: SIM115 - the log keeps it open
        self.appended = 0
        self.duplicates = 0

    def parts(self) -> list[Path]:
        """Finished Parquet parts in WAL order."""
        return sorted(p for p in self.folder.glob("part-*.parquet") if _PART.match(p.name))

    def _recover_wal_tail(self) -> None:
        if not self.wal_path.exists():
            return
        data = self.wal_path.read_bytes()
        good = data.rfind(b"\n") + 1
        if good < len(data):  # a line cut by a kill: it was never acknowledged, drop it
            with open(self.wal_path, "r+b") as fh:
                fh.truncate(good)
        for line in data[self.compacted_to:good].splitlines():
            self.keys.add(json.loads(line)["key"])

    def append(self, record: dict[str, Any]) -> bool:
        """Append one record unless its key is already logged; True when written."""
        if record["key"] in self.keys:
            self.duplicates += 1
            return False
        self.wal.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        self.wal.flush()
        if self.fsync:
            os.fsync(self.wal.fileno())
        self.keys.add(record["key"])
        self.appended += 1
        return True

    def wal_size(self) -> int:
        """Bytes in the WAL (acknowledged records)."""
        return self.wal.tell()

    def compact(self) -> Path | None:
        """Write the WAL records not yet in a part as one new Parquet part; None when there are none."""
        end = self.wal_size()
        if end <= self.compacted_to:
            return None
        with open(self.wal_path, "rb") as fh:
            fh.seek(self.compacted_to)
            lines = fh.read(end - self.compacted_to).splitlines()
        rows = [json.loads(line) for line in lines]
        table = pa.Table.from_pylist(rows, schema=SCHEMA)
        name = f"part-{self.compacted_to:015d}-{end:015d}.parquet"
        tmp = self.folder / (name + ".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, self.folder / name)
        self.compacted_to = end
        return self.folder / name

    def read_all(self) -> pa.Table:
        """Every logged event: the parts plus the WAL tail not yet compacted."""
        tables = [pq.read_table(p) for p in self.parts()]
        with open(self.wal_path, "rb") as fh:
            fh.seek(self.compacted_to)
            tail = [json.loads(line) for line in fh.read().splitlines() if line]
        if tail:
            tables.append(pa.Table.from_pylist(tail, schema=SCHEMA))
        return pa.concat_tables(tables) if tables else SCHEMA.empty_table()

    def close(self) -> None:
        """Compact what is left and close the WAL."""
        self.compact()
        self.wal.close()

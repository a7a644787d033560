"""Show analytics of one stream, from the event logs its `publish.events` nodes wrote.

When a stream starts, `assign_event_logs` gives every `publish.events` node without a `folder` its own
folder under the organisation's storage (`events/streams/<stream>/<node>`), so two runs of one graph
never share a log, and the streams service records each node's folder in `stream_event_logs`. The
analytics read only those recorded folders (never a path from a request), replay them with the
tracker (`ggpgfx.analytics.hands.hands_by_table`) and reduce the hand rows in this process
(`ggpgfx.analytics.show.analytics_of_table`). The replays are kept per stream and fed only the events a
log gained since the last call (the log is append-only), so polling a live show costs its new events.
A log above `max_bytes` raises `LogTooBig` (a 413): the streams service hands such a log to a background
job on Ray Data instead (`ggpgfx.services.analytics_jobs`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from ggpgfx.errors import ServiceError

EVENTS_TYPE = "publish.events"


def assign_event_logs(resolved: Any, storage: Path, stream_id: str) -> tuple[Any, dict[str, str]]:
    """The graph with a per-stream folder for each `publish.events` node that has none, and every such
    node's folder (absolute; a folder the tenant set was already confined to its storage by the policy)."""
    nodes = dict(resolved.nodes)
    folders: dict[str, str] = {}
    changed = False
    for node_id, node in resolved.nodes.items():
        if str(node.cls.type_name) != EVENTS_TYPE:
            continue
        folder = getattr(node.params, "folder", None)
        if not folder:
            folder = str(storage / "events" / "streams" / stream_id / node_id)
            nodes[node_id] = replace(node, params=node.params.model_copy(update={"folder": folder}))
            changed = True
        folders[node_id] = str(folder)
    return (replace(resolved, nodes=nodes) if changed else resolved), folders


class LogTooBig(ServiceError):
    """A stream's event log is over what a request replays in-process; carries the checked folders."""

    def __init__(self, size: int, max_bytes: int, paths: dict[str, Path]) -> None:
        super().__init__(f"the stream's event log is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB the API "
                         "analyses in-process", 413)
        self.size = size
        self.paths = paths


def confined_folders(storage: Path, folders: dict[str, str]) -> dict[str, Path]:
    """The recorded folders (node id -> folder) resolved, each checked to be inside the storage root (also
    resolved: a symlinked home or storage is the same place); a folder that resolves outside is a 409."""
    root = Path(os.path.realpath(storage))
    paths: dict[str, Path] = {}
    for node_id, folder in sorted(folders.items()):
        path = Path(os.path.realpath(folder))
        if not path.is_relative_to(root):  # recorded inside the storage; a link moved since is refused
            raise ServiceError(f"the event log of node '{node_id}' is outside the organisation's storage", 409)
        paths[node_id] = path
    return paths


def event_logs_of(storage: Path, paths: dict[str, Path]) -> list[dict[str, Any]]:
    """What a result says of the logs it read: node, folder relative to the storage root, bytes."""
    from ggpgfx.analytics.hands import log_size

    root = Path(os.path.realpath(storage))
    return [{"node": node_id, "folder": str(p.relative_to(root)), "bytes": log_size(p)} for node_id, p in paths.items()]


def logs_signature(paths: dict[str, Path]) -> tuple[Any, ...]:
    """The signature of every log folder of a stream (equal signatures: no log changed)."""
    return tuple((node_id, _signature(p)) for node_id, p in paths.items())


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a log grows or compacts: its files' names, sizes and modification times."""
    if not folder.is_dir():
        return ()
    out = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file(follow_symlinks=False):
            info = entry.stat(follow_symlinks=False)
            out.append((entry.name, info.st_size, info.st_mtime_ns))
    return tuple(out)


@dataclass
class _FolderReplay:
    """How far one event-log folder was replayed: events consumed, the last one's key, a replay per table."""

    consumed: int = 0
    last_key: str | None = None
    tables: dict[str, Any] = field(default_factory=dict)  # table -> ggpgfx.analytics.hands.LogReplay

    def catch_up(self, events: list[dict[str, Any]]) -> _FolderReplay:
        """Feed the events after the consumed ones; start over when the log is not an extension of them."""
        from ggpgfx.analytics.hands import LogReplay, table_of

        extends = len(events) >= self.consumed and (
            self.consumed == 0 or str(events[self.consumed - 1].get("key")) == self.last_key)
        state = self if extends else _FolderReplay()
        new = events[state.consumed:]
        by_table: dict[str, list[dict[str, Any]]] = {}
        for event in new:
            by_table.setdefault(table_of(event), []).append(event)
        for table, table_events in by_table.items():
            replay = state.tables.get(table)
            if replay is None:
                replay = state.tables[table] = LogReplay(table)
            replay.feed(table_events)
        if new:
            state.consumed, state.last_key = len(events), str(new[-1].get("key"))
        return state


@dataclass
class _StreamState:
    """A stream's replays per log folder and its last result with the log signature it was computed from."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    folders: dict[str, _FolderReplay] = field(default_factory=dict)
    signature: Any = None
    result: dict[str, Any] | None = None


class StreamAnalytics:
    """Computes the analytics of streams' event logs, replaying only what a log gained since the last call
    (a live show's console can poll it), and nothing at all when no log file changed."""

    cache_size = 8  # streams whose replays are kept in memory (a tracker keeps its table's whole log)

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._streams: OrderedDict[str, _StreamState] = OrderedDict()
        self._lock = threading.Lock()

    def _state(self, stream_id: str) -> _StreamState:
        with self._lock:
            state = self._streams.get(stream_id)
            if state is None:
                state = self._streams[stream_id] = _StreamState()
            self._streams.move_to_end(stream_id)
            while len(self._streams) > self.cache_size:
                self._streams.popitem(last=False)
            return state

    def compute(self, stream_id: str, storage: Path, folders: dict[str, str]) -> dict[str, Any]:
        """The analytics of the recorded folders (node id -> folder) of one stream."""
        from ggpgfx.analytics.hands import HAND_SCHEMA, log_events, log_size
        from ggpgfx.analytics.show import analytics_of_table

        paths = confined_folders(storage, folders)
        size = sum(log_size(p) for p in paths.values())
        if size > self.max_bytes:
            raise LogTooBig(size, self.max_bytes, paths)
        state = self._state(stream_id)
        with state.lock:  # one replay per stream at a time; other streams go on
            signature = logs_signature(paths)
            if state.result is not None and state.signature == signature:
                return state.result
            rows: list[dict[str, Any]] = []
            try:
                for node_id, path in paths.items():
                    events = log_events(path) if path.is_dir() else []
                    replay = state.folders[node_id] = state.folders.get(node_id, _FolderReplay()).catch_up(events)
                    for table_replay in replay.tables.values():
                        rows += table_replay.rows()
            except (ValueError, KeyError, TypeError) as exc:  # a log the tracker cannot replay
                state.folders.clear()
                raise ServiceError(f"the stream's event log cannot be replayed: {type(exc).__name__}: {exc}",
                                   422) from None
            result = analytics_of_table(pa.Table.from_pylist(rows, schema=HAND_SCHEMA))
            result["event_logs"] = event_logs_of(storage, paths)
            state.signature, state.result = signature, result
            return result

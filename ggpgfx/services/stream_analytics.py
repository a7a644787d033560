"""Show analytics of one stream, from the event logs its `publish.events` nodes wrote.

When a stream starts, `assign_event_logs` gives every `publish.events` node without a `folder` its own
folder under the organisation's storage (`events/streams/<stream>/<node>`), so two runs of one graph
never share a log, and the streams service records each node's folder in `stream_event_logs`. The
analytics read only those recorded folders (never a path from a request), replay them with the
tracker (`ggpgfx.analytics.hands.hands_by_table`) and reduce the hand rows in this process
(`ggpgfx.analytics.show.analytics_of_table`). A log above `max_bytes` is refused with 413: big shows
go through `ggp analytics hands` + `ggp analytics show` (Ray Data).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

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


class StreamAnalytics:
    """Computes and caches the analytics of streams' event logs (a log that has not changed is not replayed)."""

    cache_size = 32

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._cache: OrderedDict[str, tuple[Any, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def compute(self, stream_id: str, storage: Path, folders: dict[str, str]) -> dict[str, Any]:
        """The analytics of the recorded folders (node id -> folder) of one stream."""
        from ggpgfx.analytics.hands import hands_by_table, log_events, log_size
        from ggpgfx.analytics.show import analytics_of_table

        paths: dict[str, Path] = {}
        for node_id, folder in sorted(folders.items()):
            path = Path(os.path.realpath(folder))
            if not path.is_relative_to(storage):  # recorded inside the storage; a link moved since is refused
                raise ServiceError(f"the event log of node '{node_id}' is outside the organisation's storage", 409)
            paths[node_id] = path
        size = sum(log_size(p) for p in paths.values())
        if size > self.max_bytes:
            raise ServiceError(
                f"the stream's event log is {size / 1e6:.1f} MB, over the {self.max_bytes / 1e6:.0f} MB the API "
                "analyses in-process; use `ggp analytics hands` and `ggp analytics show` (Ray Data)", 413)
        signature = tuple((node_id, _signature(p)) for node_id, p in paths.items())
        with self._lock:
            cached = self._cache.get(stream_id)
            if cached is not None and cached[0] == signature:
                self._cache.move_to_end(stream_id)
                return cached[1]
        events: list[dict[str, Any]] = []
        for path in paths.values():
            events += log_events(path) if path.is_dir() else []
        try:
            result = analytics_of_table(hands_by_table(events))
        except (ValueError, KeyError, TypeError) as exc:  # a log the tracker cannot replay
            raise ServiceError(f"the stream's event log cannot be replayed: {type(exc).__name__}: {exc}", 422) from None
        result["event_logs"] = [{"node": node_id, "folder": str(p.relative_to(storage)), "bytes": log_size(p)}
                                for node_id, p in paths.items()]
        with self._lock:
            self._cache[stream_id] = (signature, result)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

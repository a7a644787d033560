"""The `health` object of the control protocol, sampled from the runtime's per-node metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

EMPTY_STATS: Callable[[], dict[str, dict[str, Any]]] = dict
SILENT_AFTER_S = 3.0  # an RFID reader node that emitted nothing for this long is "silent"


class HealthSampler:
    """Turns executor stats into node rates, RFID/vision/encoder/recording lights and errors."""

    def __init__(self, graph: Any = None, stats: Callable[[], dict[str, dict[str, Any]]] = EMPTY_STATS) -> None:
        self.graph = graph
        self.stats = stats
        self.preview: dict[str, str | None] = {"program": None, "delayed": None}
        self._previous: dict[str, tuple[float, int, int]] = {}
        self._last_activity: dict[str, float] = {}
        self._lock = threading.Lock()
        self.types: dict[str, str] = {}
        self.delay_seconds: float | None = None
        if graph is not None:
            for node_id, node in graph.nodes.items():
                self.types[node_id] = node.spec.type
                if node.spec.type == "delay.secure":
                    self.delay_seconds = float(node.params.delay_s)
                if node.spec.type == "publish.webrtc" and node.params.port:
                    url = f"http://{node.params.host}:{node.params.port}/whep"
                    delayed = any(e.src.startswith("delay") or self.types.get(e.src) == "delay.secure"
                                  for e in graph.edges_into(node_id))
                    self.preview["delayed" if delayed else "program"] = url

    def sample(self) -> dict[str, Any]:
        """The health object now (fps over the time since the previous sample)."""
        try:
            stats = self.stats()
        except Exception as error:  # a Ray fragment mid-restart: report, do not fail the socket
            return {"nodes": {}, "rfid": "absent", "vision": "absent", "encoder_fps": None, "recording": False,
                    "delay_seconds": self.delay_seconds, "errors": [f"metrics unavailable: {error}"],
                    "preview": dict(self.preview)}
        now = time.monotonic()
        nodes: dict[str, Any] = {}
        errors: list[str] = []
        with self._lock:
            for node_id, item in stats.items():
                sent = int(item.get("messages_out", 0))
                activity = sent + int(item.get("messages_in", 0))
                previous = self._previous.get(node_id)
                if previous is None or now <= previous[0]:
                    fps = float(item.get("fps_out", 0.0))
                else:
                    fps = (sent - previous[1]) / (now - previous[0])
                if previous is None or activity != previous[2]:
                    self._last_activity[node_id] = now
                self._previous[node_id] = (now, sent, activity)
                kind = str(item.get("type") or self.types.get(node_id, ""))
                nodes[node_id] = {"fps": round(max(fps, 0.0), 2), "drops": int(item.get("drops", 0)),
                                  "errors": int(item.get("errors", 0)), "kind": kind}
                if item.get("errors") or item.get("state") == "failed":
                    errors.append(f"{node_id} ({kind}): {item.get('state', 'failed')}, {item.get('errors', 0)} errors")
        kinds = {node_id: self.types.get(node_id) or nodes.get(node_id, {}).get("kind", "") for node_id in
                 set(self.types) | set(nodes)}
        rfid = [n for n, k in kinds.items() if k == "ingest.rfid"]
        vision = [n for n, k in kinds.items() if k.startswith("detect.")]
        encoders = [n for n, k in kinds.items() if k.startswith("encode.") and k != "encode.aac"]
        files = [n for n, k in kinds.items() if k == "publish.file"]
        rfid_light = "absent"
        if rfid:
            quiet = [n for n in rfid if now - self._last_activity.get(n, now) > SILENT_AFTER_S or n not in nodes]
            rfid_light = "silent" if quiet else "ok"
        return {
            "nodes": nodes,
            "rfid": rfid_light,
            "vision": "ok" if vision else "absent",
            "encoder_fps": nodes[encoders[0]]["fps"] if encoders and encoders[0] in nodes else None,
            "recording": any(stats.get(n, {}).get("state", "").startswith("running") for n in files),
            "delay_seconds": self.delay_seconds,
            "errors": errors,
            "preview": dict(self.preview),
        }

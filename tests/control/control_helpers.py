"""Helpers shared by the control tests (a plain module: tests/control is on sys.path)."""

from __future__ import annotations

import json
import os
import queue
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from ggpgfx.api import Graph
from ggpgfx.control.live import LiveRun
from ggpgfx.graph.node import Node, Port, register_node
from ggpgfx.graph.registry import get_node_type
from ggpgfx.poker.messages import card_reads_table
from ggpgfx.types import CardReads

_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "data" / "phh"  # ../shared next to the repository
_SHARED = Path(os.environ.get("GGP_PHH_DATA") or (_BESIDE if _BESIDE.exists() else "/work/shared/data/phh"))
_LOCAL = Path(__file__).resolve().parents[1] / "poker" / "data"  # the same WSOP hand, shipped with the tests
PHH = next((d / "wsop-2019-42-3-00-01-07.phh" for d in (_SHARED, _LOCAL) if (d / "wsop-2019-42-3-00-01-07.phh").exists()),
           _LOCAL / "wsop-2019-42-3-00-01-07.phh")

SEATS = [{"seat": 1, "name": "Ann", "stack": 10_000}, {"seat": 2, "name": "Bob", "stack": 10_000},
         {"seat": 3, "name": "Cy", "stack": 10_000}]
NEW_HAND = {"button": 3, "small_blind": 50, "big_blind": 100, "seats": SEATS}


def live_graph(name: str, **operator: Any) -> Graph:
    """ingest.operator -> rules.poker -> sink.collect (the states rules.poker published)."""
    g = Graph(name, realtime=True)
    g.add("ingest.operator", id="op", **operator)
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.collect", id="states")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "states.inp", capacity=4096)
    return g


#: Card reads a test puts here; `test.queued_reads` sends each list as one reads message.
READS: queue.Queue[list[dict[str, Any]]] = queue.Queue()


class QueuedReads(Node):
    """Card reads the test puts in READS, as an RFID reader would send them."""

    type_name = "test.queued_reads"
    outputs = {"reads": Port(CardReads)}

    def tick(self) -> bool:
        try:
            rows = READS.get(timeout=0.01)
        except queue.Empty:
            return True
        pts = int(time.monotonic() * 1e6)
        self.emit("reads", card_reads_table([{**row, "pts": pts} for row in rows]), pts=pts)
        return True


def reads_graph(name: str, reader: type[Node] = QueuedReads, **reader_params: Any) -> Graph:
    """A card reader (test.queued_reads, READS emptied first) + ingest.operator -> rules.poker -> sink.collect."""
    if get_node_type(reader.type_name) is None:
        register_node(reader)
    while not READS.empty():
        READS.get_nowait()
    g = Graph(name, realtime=True)
    g.add(reader.type_name, id="rfid", **reader_params)
    g.add("ingest.operator", id="op")
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.collect", id="states")
    g.connect("rfid.reads", "rules.reads")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "states.inp", capacity=4096)
    return g


class Client:
    """A console-like client: one session, REST calls and WebSocket connections."""

    def __init__(self, live: LiveRun) -> None:
        self.live = live
        self.base = live.url
        reply = httpx.post(f"{self.base}/control/v1/session", json={"token": live.server.token}, timeout=60)
        assert reply.status_code == 200, reply.text
        self.session = reply.json()["session"]
        self.http = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.session}"},
                                 timeout=60)  # the first hand label loads compiled kernels (seconds)

    def act(self, verb: str, args: dict[str, Any] | None = None, request_id: str | None = None,
            table: str = "table-1", **extra: Any) -> httpx.Response:
        """POST one request to the REST mirror's actions route."""
        body = {"id": request_id or f"t-{verb}-{id(args)}-{self.counter()}", "verb": verb, "args": args or {},
                **extra}
        return self.http.post(f"/control/v1/tables/{table}/actions", json=body)

    _n = 0

    def counter(self) -> int:
        """A fresh number for request ids."""
        Client._n += 1
        return Client._n

    def ok(self, verb: str, args: dict[str, Any] | None = None, **extra: Any) -> int:
        """Send a request that must be acked; returns the new version."""
        reply = self.act(verb, args, **extra)
        assert reply.status_code == 200, reply.text
        assert reply.json()["type"] == "ack"
        return int(reply.json()["version"])

    def state(self, table: str = "table-1") -> dict[str, Any]:
        """The table's state object."""
        reply = self.http.get(f"/control/v1/tables/{table}/state")
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["state"])

    def ws(self) -> ClientConnection:
        """A WebSocket connection (its first messages are the states and a health)."""
        return connect(f"ws://{self.base.removeprefix('http://')}/control/v1/ws?session={self.session}",
                       open_timeout=10)


def receive(ws: ClientConnection, kind: str, timeout: float = 60.0) -> dict[str, Any]:
    """The next message of this type (others are skipped), within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return dict(message)
    raise AssertionError(f"no {kind} message within {timeout} s")

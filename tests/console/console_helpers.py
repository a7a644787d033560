"""Helpers shared by the console's browser tests (a plain module: tests/console is on sys.path)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx

from ggpgfx.api import Graph

REPO = Path(__file__).resolve().parents[2]
CONSOLE_BUILT = (REPO / "ggpgfx" / "console_dist" / "index.html").exists()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IMAGES = REPO / "docs" / "images"


def operator_graph(name: str) -> Graph:
    """ingest.operator -> rules.poker -> sink.collect: the smallest graph a console can drive."""
    g = Graph(name, realtime=True)
    g.add("ingest.operator", id="op")
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.collect", id="states")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "states.inp", capacity=4096)
    return g


class Rest:
    """The REST mirror with a session of its own (sets tables up; the browser does what is under test)."""

    def __init__(self, base: str, token: str) -> None:
        reply = httpx.post(f"{base}/control/v1/session", json={"token": token}, timeout=10)
        assert reply.status_code == 200, reply.text
        self.session = str(reply.json()["session"])
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {self.session}"}, timeout=10)
        self.count = 0

    def ok(self, verb: str, args: dict[str, Any] | None = None) -> int:
        """Send one request that must be acked; the new version."""
        self.count += 1
        reply = self.http.post("/control/v1/tables/table-1/actions",
                               json={"id": f"rest-{self.count}", "verb": verb, "args": args or {}})
        assert reply.status_code == 200 and reply.json()["type"] == "ack", reply.text
        return int(reply.json()["version"])

    def state(self) -> dict[str, Any]:
        """The table's state object."""
        reply = self.http.get("/control/v1/tables/table-1/state")
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["state"])


class FlakyLink:
    """A TCP relay in front of the control server whose 'network' can be cut: while down it forwards
    nothing (open connections go silent, as when Wi-Fi drops) and resets new ones."""

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.down = threading.Event()
        self.closed = threading.Event()
        self.connections: list[tuple[Any, Any]] = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            pair = (client, upstream)
            self.connections.append(pair)
            thread = threading.Thread(target=self._pump, args=pair, daemon=True)
            thread.start()
            self.threads.append(thread)

    def _pump(self, client: Any, upstream: Any) -> None:
        import select

        peers = {client: upstream, upstream: client}
        try:
            while not self.closed.is_set():
                readable, _, _ = select.select(list(peers), [], [], 0.05)
                if self.down.is_set():
                    continue  # the data waits in the kernel: nothing gets through
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def cut(self) -> None:
        """The network goes away: silence on open connections, new ones fail."""
        self.down.set()

    def restore(self) -> None:
        """The network is back (connections that went silent stay dead: the console dials again)."""
        for client, upstream in self.connections:
            for sock in (client, upstream):
                try:
                    sock.shutdown(2)
                except OSError:
                    pass
        self.connections.clear()
        self.down.clear()

    def close(self) -> None:
        """Stop relaying."""
        self.closed.set()
        self.restore()
        self.listener.close()
        for thread in self.threads:
            thread.join(2)

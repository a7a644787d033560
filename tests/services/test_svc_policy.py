"""Issue #20 items 1, 2, 9 against a real `ggp serve --plain`: tenant graphs confined, secrets never echoed.

The server runs as its own process with its own GGP_HOME (SQLite) or the PostgreSQL schema of the session;
only 127.0.0.2 is allow-listed by its admin (GGP_POLICY_ALLOW_HOSTS), so loopback 127.0.0.1 stays refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from svc_helpers import Org, free_port, make_org

SECRET = "k3y-PLANTED-secret-9f2c"


@dataclass
class Server:
    """A running `ggp serve --plain` and what the tests need to know about it."""

    url: str
    home: Path
    database_url: str | None
    log: Path
    http: httpx.Client


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`ggp serve --plain` on a free port; streams on the local executor in the server process."""
    home = tmp_path_factory.mktemp("policy-home")
    log = home / "server.log"
    port = free_port()
    env = {**os.environ, "GGP_HOME": str(home), "GGP_STREAM_EXECUTOR": "local", "GGP_POLICY_ALLOW_HOSTS": "127.0.0.2",
           "GGP_RATE_LIMIT_PER_S": "10000", "GGP_RATE_LIMIT_BURST": "10000"}
    env.pop("GGP_DATABASE_URL", None)
    pg = None if database_url.startswith("sqlite") else database_url
    if pg:
        env["GGP_DATABASE_URL"] = pg
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "serve", "--plain", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=str(home))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert process.poll() is None, log.read_text()
        with httpx.Client(base_url=url, timeout=60) as http:
            yield Server(url, home, pg, log, http)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def org(server: Server) -> Org:
    """A tenant with every role."""
    return make_org(server.http, "policy")


def _project(server: Server, org: Org) -> str:
    response = server.http.post("/api/v1/projects", json={"name": f"p{time.time_ns()}"}, headers=org.headers["owner"])
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _save(server: Server, org: Org, project: str, yaml_text: str, role: str = "producer") -> httpx.Response:
    return server.http.post(f"/api/v1/projects/{project}/versions", json={"yaml": yaml_text},
                            headers=org.headers[role])


def _errors(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return " | ".join(str(d["msg"]) for d in response.json()["detail"])


PATTERN = "  src: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 6}}\n"
ENCODE = "  enc: {type: encode.h264, params: {preset: ultrafast}}\n"
PACKETS = "edges:\n  - src.video -> enc.video\n  - enc.packets -> out.packets\n"


def record_to(path: str) -> str:
    """Test pattern -> H.264 -> publish.file at `path`."""
    return f"name: rec\nnodes:\n{PATTERN}{ENCODE}  out: {{type: publish.file, params: {{path: '{path}'}}}}\n{PACKETS}"


def read_from(source: str) -> str:
    """ingest.video reading `source` into a null sink."""
    return (f"name: read\nnodes:\n  src: {{type: ingest.video, params: {{source: '{source}'}}}}\n"
            "  out: {type: sink.null}\nedges:\n  - src.video -> out.inp\n")


def storage(server: Server, org: Org) -> Path:
    return server.home / "storage" / org.id


@pytest.mark.parametrize("path", ["/tmp/ggp-policy-escape.mp4", "../../escape.mp4", "../other-org/x.mp4",
                                  "~/.ggp-escape.mp4"])
def test_output_paths_outside_storage_refused_at_save(server: Server, org: Org, path: str) -> None:
    message = _errors(_save(server, org, _project(server, org), record_to(path)))
    assert message.startswith("graph.yaml:5:") and "node 'out': param 'path'" in message
    assert "outside the folders files may be written" in message
    assert not Path("/tmp/ggp-policy-escape.mp4").exists()


def test_server_files_and_symlinks_refused(server: Server, org: Org) -> None:
    project = _project(server, org)
    assert "outside the folders" in _errors(_save(server, org, project, read_from("/etc/passwd")))
    assert "server file" in _errors(_save(server, org, project, read_from(str(server.home / "jwt.key"))))
    link = storage(server, org) / "etc-link"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("/etc")
    message = _errors(_save(server, org, project, read_from("etc-link/passwd")))
    assert "resolves to '/etc/passwd'" in message


@pytest.mark.parametrize(("source", "why"), [
    ("http://127.0.0.1:1/api/v1/health", "loopback address"),
    ("http://localhost:1/x", "loopback address"),
    ("rtmp://10.1.2.3/live", "private address"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
    ("http://[::ffff:127.0.0.1]:1/x", "loopback address"),
    ("http://metadata.google.internal/x", "cloud metadata service"),
    ("file:///etc/passwd", "URL scheme 'file' is not allowed"),
])
def test_network_sources_refused_at_save(server: Server, org: Org, source: str, why: str) -> None:
    message = _errors(_save(server, org, _project(server, org), read_from(source)))
    assert message.startswith("graph.yaml:3:") and why in message


def test_rtmp_output_to_private_address_refused(server: Server, org: Org) -> None:
    graph = (f"name: out\nnodes:\n{PATTERN}{ENCODE}  out: {{type: publish.rtmp, params: {{url: "
             f"'rtmp://192.168.1.20/live'}}}}\n{PACKETS}")
    assert "private address" in _errors(_save(server, org, _project(server, org), graph))


def test_node_types_by_plan_and_role(server: Server, org: Org) -> None:
    project = _project(server, org)
    rfid = ("name: r\nnodes:\n  reader: {type: ingest.rfid, params: {source: 'tcp://127.0.0.2:4000'}}\n"
            "  out: {type: sink.null}\nedges:\n  - reader.reads -> out.inp\n")
    assert "node type 'ingest.rfid' is not allowed" in _errors(_save(server, org, project, rfid))
    assert _save(server, org, project, rfid, role="admin").status_code == 201  # admins may read the table
    webrtc = f"name: w\nnodes:\n{PATTERN}  out: {{type: publish.webrtc}}\nedges:\n  - src.video -> out.video\n"
    assert "node type 'publish.webrtc' is not allowed by the run policy of the 'free' plan" in _errors(
        _save(server, org, project, webrtc, role="owner"))


def test_allowed_graph_records_inside_the_organisations_storage(server: Server, org: Org) -> None:
    project = _project(server, org)
    assert _save(server, org, project, record_to("recordings/take1.mp4")).status_code == 201
    started = server.http.post("/api/v1/streams/start", headers=org.headers["producer"], json={
        "project_id": project, "settings": {"realtime": False}})
    assert started.status_code == 201, started.text
    target = storage(server, org) / "recordings" / "take1.mp4"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not target.exists():
        time.sleep(0.3)
    assert target.exists() and target.stat().st_size > 0
    assert not (server.home / "recordings").exists()  # not relative to the server's working folder
    server.http.post("/api/v1/streams/stop", json={"stream_id": started.json()["id"]}, headers=org.headers["producer"])


def _destination(server: Server, org: Org, project: str, url: str, key: str = SECRET) -> str:
    response = server.http.post(f"/api/v1/projects/{project}/destinations", headers=org.headers["owner"],
                                json={"name": "main", "url": url, "stream_key": key})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_destination_host_checked_at_start(server: Server, org: Org) -> None:
    project = _project(server, org)
    destination = _destination(server, org, project, "rtmp://10.9.8.7/live")
    graph = (f"name: out\nnodes:\n{PATTERN}{ENCODE}  out: {{type: publish.rtmp, params: "
             f"{{url: '${{destinations.main.url}}', stream_key: '${{destinations.main.key}}'}}}}\n{PACKETS}")
    assert _save(server, org, project, graph).status_code == 201
    started = server.http.post("/api/v1/streams/start", headers=org.headers["producer"],
                               json={"project_id": project, "destination_ids": [destination]})
    assert started.status_code == 422 and "10.9.8.7" in started.text and "private address" in started.text
    assert SECRET not in started.text


@pytest.mark.parametrize("where", ["source", "format"])
def test_secret_placeholders_only_in_secret_params(server: Server, org: Org, where: str) -> None:
    project = _project(server, org)
    if where == "source":
        graph = read_from("rtmp://203.0.113.5/live/${destinations.main.key}")
    else:
        graph = record_to("x.mp4").replace("path: 'x.mp4'", "path: 'x.mp4', format: '${destinations.main.key}'")
    message = _errors(_save(server, org, project, graph))
    assert "may only be used in an output URL or stream key" in message


class Receiver:
    """A webhook receiver on 127.0.0.2 (the host the server's admin allow-listed)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.2", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}/hook"


def _sql(server: Server, statement: str, **params: Any) -> Any:
    """Run one statement on the server's database (what an attacker cannot do; the test looks underneath)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url or f"sqlite:///{server.home / 'ggp.db'}")
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def _stored_error(server: Server, stream_id: str) -> str:
    return str(_sql(server, "SELECT error FROM streams WHERE id = :i", i=stream_id))


def test_webhook_address_checked_again_at_delivery(server: Server, org: Org) -> None:
    """An endpoint whose URL now points at the metadata service (as after a DNS change) is never called."""
    hook = server.http.post("/api/v1/webhooks", headers=org.headers["admin"],
                            json={"url": "http://127.0.0.2:9/hook", "events": ["stream.started"]})
    assert hook.status_code == 201, hook.text
    _sql(server, "UPDATE webhook_endpoints SET url = :u WHERE id = :i",
         u="http://169.254.169.254/latest/meta-data/", i=hook.json()["id"])
    project = _project(server, org)
    assert _save(server, org, project, record_to("hook-test.mp4")).status_code == 201
    started = server.http.post("/api/v1/streams/start", headers=org.headers["producer"],
                               json={"project_id": project, "settings": {"realtime": False}})
    assert started.status_code == 201, started.text
    deliveries: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not deliveries:
        deliveries = server.http.get(f"/api/v1/webhooks/{hook.json()['id']}/deliveries",
                                     headers=org.headers["admin"]).json()
        time.sleep(0.2)
    server.http.post("/api/v1/streams/stop", json={"stream_id": started.json()["id"]}, headers=org.headers["producer"])
    assert len(deliveries) == 1 and not deliveries[0]["delivered"]
    assert deliveries[0]["error"].startswith("refused: host '169.254.169.254' is a cloud metadata address")


def test_secret_never_leaves_a_failed_stream(server: Server, org: Org) -> None:
    """A publish target that refuses the connection: the error, column, webhook and log carry no key."""
    receiver = Receiver()
    hook = server.http.post("/api/v1/webhooks", headers=org.headers["admin"],
                            json={"url": receiver.url, "events": ["stream.failed"]})
    assert hook.status_code == 201, hook.text
    project = _project(server, org)
    destination = _destination(server, org, project, f"rtmp://127.0.0.2:{free_port()}/live")
    graph = (f"name: out\nnodes:\n{PATTERN.replace('frames: 6', 'frames: 3000')}{ENCODE}  out: {{type: publish.rtmp, "
             f"params: {{url: '${{destinations.main.publish_url}}', max_reconnects: 0}}}}\n{PACKETS}")
    assert _save(server, org, project, graph).status_code == 201
    started = server.http.post("/api/v1/streams/start", headers=org.headers["producer"], json={
        "project_id": project, "destination_ids": [destination], "settings": {"realtime": False}})
    assert started.status_code == 201, started.text
    stream_id = started.json()["id"]
    deadline = time.monotonic() + 60
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = server.http.get(f"/api/v1/streams/{stream_id}", headers=org.headers["viewer"]).json()
        if status["status"] not in ("starting", "running"):
            break
        time.sleep(0.3)
    assert status["status"] == "failed" and status["error"], status
    assert SECRET not in json.dumps(status)
    assert SECRET not in _stored_error(server, stream_id)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not receiver.bodies:
        time.sleep(0.2)
    receiver.server.shutdown()
    assert receiver.bodies and b"stream.failed" in receiver.bodies[0]
    assert SECRET.encode() not in b"".join(receiver.bodies)
    assert SECRET not in server.log.read_text(errors="replace")


def test_short_key_mask_shows_at_most_a_quarter(server: Server, org: Org) -> None:
    project = _project(server, org)
    _destination(server, org, project, "rtmp://203.0.113.9/live", key="ab1234")
    listed = server.http.get(f"/api/v1/projects/{project}/destinations", headers=org.headers["owner"]).json()
    masked = listed[0]["stream_key_masked"]
    assert masked.startswith("********") and len(masked.removeprefix("********")) <= 1


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:1/hook",
                                 "http://10.0.0.8/hook", "http://localhost:1/hook"])
def test_webhook_addresses_refused_at_registration(server: Server, org: Org, url: str) -> None:
    response = server.http.post("/api/v1/webhooks", headers=org.headers["admin"],
                                json={"url": url, "events": ["stream.failed"]})
    assert response.status_code == 422 and "webhook URL refused" in response.text


def test_yaml_bombs_are_diagnostics_over_the_api(server: Server, org: Org) -> None:
    project = _project(server, org)
    deep = _save(server, org, project, "[" * 20_000 + "]" * 20_000)
    assert "nesting deeper than" in _errors(deep)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    started = time.monotonic()
    bomb = _save(server, org, project, "\n".join(lines))
    assert "values once aliases are expanded" in _errors(bomb) and time.monotonic() - started < 30


@pytest.mark.parametrize("skin", ["../../../tmp/x", "/etc", "./broadcast"])
def test_render_skin_is_a_bundled_name(server: Server, org: Org, skin: str) -> None:
    response = server.http.post("/api/v1/graphics/render", headers=org.headers["viewer"],
                                json={"table_state": {}, "skin": skin})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "skin"]

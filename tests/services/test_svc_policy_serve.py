"""The run policy through `ggp serve` on Ray Serve: checks in the deployments, the policy inside fragment actors."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from svc_helpers import free_port, make_org, serve_env, serve_process
from test_svc_policy import Server, _errors, _project, _save, read_from, record_to, storage

pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`ggp serve` (Serve, direct ingress) as its own process and Ray cluster; streams on the Ray executor."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the Serve path runs once, on SQLite")
    home = tmp_path_factory.mktemp("policy-serve-home")
    env = serve_env(home, RAY_AUTH_MODE="disabled", GGP_POLICY_ALLOW_HOSTS="127.0.0.2",
                    GGP_RATE_LIMIT_PER_S="10000", GGP_RATE_LIMIT_BURST="10000")
    log = home / "serve.log"
    with serve_process(["--proxy-port", str(free_port())], env, log, free_port(), ready_s=180, cwd=home) as url, \
            httpx.Client(base_url=url, timeout=60) as http:
        yield Server(url, home, None, log, http)


def test_policy_through_serve(server: Server) -> None:
    """Refusals come from the projects and notifications replicas; an allowed graph runs on fragment actors
    with its relative output rewritten into the organisation's storage."""
    org = make_org(server.http, "serve-policy")
    project = _project(server, org)
    assert "outside the folders" in _errors(_save(server, org, project, read_from("/etc/passwd")))
    assert "cloud metadata address" in _errors(_save(server, org, project,
                                                     read_from("http://169.254.169.254/latest/meta-data/")))
    assert "may only be used in an output URL" in _errors(_save(
        server, org, project, read_from("rtmp://93.184.216.34/live/${destinations.main.key}")))
    hook = server.http.post("/api/v1/webhooks", headers=org.headers["admin"],
                            json={"url": "http://127.0.0.1:9/hook", "events": ["stream.failed"]})
    assert hook.status_code == 422 and "loopback address" in hook.text
    assert _save(server, org, project, record_to("serve/take.mp4")).status_code == 201
    started = server.http.post("/api/v1/streams/start", headers=org.headers["producer"],
                               json={"project_id": project, "settings": {"realtime": False}})
    assert started.status_code == 201, started.text
    target = storage(server, org) / "serve" / "take.mp4"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not target.exists():
        time.sleep(0.5)
    server.http.post("/api/v1/streams/stop", json={"stream_id": started.json()["id"]}, headers=org.headers["producer"])
    assert target.exists() and target.stat().st_size > 0, server.log.read_text()[-3000:]

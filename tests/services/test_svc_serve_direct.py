"""`ggp serve` in its default mode, Serve's direct ingress: the gateway replica answers HTTP itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from svc_helpers import PASSWORD, free_port, healthy

pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def urls(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(proxy URL, direct-ingress URL) of `ggp serve --port D --proxy-port P` run as its own process.

    Direct ingress is chosen when a Ray cluster starts, and this test session already runs one, so the
    server gets a process (and a throwaway cluster) of its own: the real command a user runs.
    """
    if not database_url.startswith("sqlite"):
        pytest.skip("the Serve path runs once, on SQLite")
    home = tmp_path_factory.mktemp("direct-ingress-home")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("RAY_", "GGP_DATABASE_URL"))}
    env.update(GGP_HOME=str(home), RAY_AUTH_MODE="disabled")
    port, direct = free_port(), free_port()
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        # the default mode: the gateway replica answers --port itself, Serve's proxy sits on --proxy-port
        server = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "serve", "--port", str(direct),
                                   "--proxy-port", str(port)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proxy_url, direct_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{direct}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"ggp serve exited early:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"ggp serve not ready:\n{log_path.read_text()[-3000:]}"
            if healthy(direct_url):
                break
            time.sleep(0.5)
        yield proxy_url, direct_url
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C: Serve and the throwaway cluster shut down
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def test_direct_ingress_is_authenticated_and_scoped(urls: tuple[str, str]) -> None:
    """On the direct port: 401 without a token, each organisation sees only its projects; the proxy agrees."""
    proxy_url, direct_url = urls
    with httpx.Client(base_url=direct_url, timeout=30) as http:
        headers = {}
        for name in ("direct-a", "direct-b"):
            email = f"{name}-{time.time_ns()}@x.test"
            assert http.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                           "organization_name": name}).status_code == 201
            token = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
            headers[name] = {"Authorization": f"Bearer {token}"}
        assert http.get("/api/v1/projects").status_code == 401
        assert http.get("/api/v1/projects", headers={"Authorization": "Bearer nonsense"}).status_code == 401
        project = http.post("/api/v1/projects", json={"name": "direct"}, headers=headers["direct-a"]).json()["id"]
        assert [p["id"] for p in http.get("/api/v1/projects", headers=headers["direct-a"]).json()] == [project]
        assert http.get("/api/v1/projects", headers=headers["direct-b"]).json() == []
        assert http.get(f"/api/v1/projects/{project}", headers=headers["direct-b"]).status_code == 404
        assert http.post("/api/v1/auth/logout", headers=headers["direct-a"]).status_code == 204
        assert http.get("/api/v1/projects", headers=headers["direct-a"]).status_code == 401
    through_proxy = httpx.get(f"{proxy_url}/api/v1/projects", headers=headers["direct-b"], timeout=30)
    assert through_proxy.status_code == 200 and through_proxy.json() == []


def test_graphql_subscription_over_websocket_on_both_ports(urls: tuple[str, str]) -> None:
    """A GraphQL subscription (graphql-transport-ws) answers through direct ingress and through the proxy."""
    import asyncio

    import aiohttp

    proxy_url, direct_url = urls
    with httpx.Client(base_url=direct_url, timeout=30) as http:
        email = f"ws-{time.time_ns()}@x.test"
        assert http.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                       "organization_name": "ws"}).status_code == 201
        token = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
        project = http.post("/api/v1/projects", json={"name": "watched"},
                            headers={"Authorization": f"Bearer {token}"}).json()["id"]

    async def first_update(base: str) -> dict:
        async with aiohttp.ClientSession() as session, session.ws_connect(
                f"{base}/graphql", protocols=["graphql-transport-ws"], timeout=30) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            assert (await ws.receive_json(timeout=30))["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription($p: ID!) { projectUpdated(projectId: $p) { name } }",
                "variables": {"p": project}}})
            return await ws.receive_json(timeout=30)

    for base in (direct_url, proxy_url):
        message = asyncio.run(first_update(base))
        assert message["type"] == "next" and message["payload"]["data"]["projectUpdated"]["name"] == "watched"

"""Serve's direct ingress (`ggp serve --direct-ingress-port`): the gateway replica answers HTTP itself."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from svc_helpers import PASSWORD

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def urls(settings: Any, database_url: str) -> Iterator[tuple[str, str]]:
    """(proxy URL, direct-ingress URL) of one deployment on a fresh throwaway cluster (SQLite only)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the Serve path runs once, on SQLite")
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("direct ingress is chosen when the cluster starts; one is already running")
    from ray import serve

    from ggpgfx.services.serve_app import deploy, direct_ingress_env

    flags = (*direct_ingress_env(0), "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S")
    saved = {flag: os.environ.get(flag) for flag in flags}
    port, direct = free_port(), free_port()
    try:
        deploy(settings, host="127.0.0.1", port=port, direct_ingress_port=direct)
        proxy_url, direct_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{direct}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{direct_url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield proxy_url, direct_url
    finally:
        serve.shutdown()
        ray.shutdown()
        for flag, value in saved.items():  # later clusters in this session start without direct ingress
            if value is None:
                os.environ.pop(flag, None)
            else:
                os.environ[flag] = value


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

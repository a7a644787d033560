"""Helpers shared by the service tests (imported as a plain module; tests/services is on sys.path)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    """True when the API at `url` answers its health check."""
    try:
        return httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
def serve_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a `ggp serve` child: this one without Ray/database settings, GGP_HOME=home, extras."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RAY_", "GGP_DATABASE_URL"))}
    env.update(GGP_HOME=str(home), PYTHONUNBUFFERED="1", **extra)
    return env


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGINT (a clean shutdown), then SIGKILL of the whole process group if it does not exit in time."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def serve_process(args: list[str], env: dict[str, str], log_path: Path, port: int, ready_s: float = 60,
                  cwd: Path | None = None) -> Iterator[str]:
    """`ggp serve ARGS` as its own process (own session), yielding its base URL once healthy; stopped after."""
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "ggpgfx.cli", "serve", "--port", str(port), *args],
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   cwd=str(cwd) if cwd else None)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_s
        while not healthy(url):
            assert process.poll() is None, f"ggp serve exited early:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"ggp serve not ready:\n{log_path.read_text()[-3000:]}"
            time.sleep(0.2)
        yield url
    finally:
        stop(process)


GRAPH_YAML = """name: svc-test
settings: {fps: 50}
nodes:
  src: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 100000}}
  out: {type: sink.null}
edges:
  - src.video -> out.inp
"""


@dataclass
class Org:
    """An organisation with one user per role and their auth headers."""

    id: str
    users: dict[str, str] = field(default_factory=dict)  # role -> user id
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> headers
    emails: dict[str, str] = field(default_factory=dict)


def login(client: Any, email: str, org_id: str | None = None) -> dict[str, Any]:
    """Password login; returns the token pair."""
    body: dict[str, Any] = {"email": email, "password": PASSWORD}
    if org_id:
        body["organization_id"] = org_id
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    """Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def make_org(client: Any, name: str) -> Org:
    """Sign up an owner, add an admin, a producer and a viewer, and log each in."""
    tag = secrets.token_hex(4)
    owner_email = f"owner-{tag}@{name}.test"
    response = client.post("/api/v1/auth/signup",
                           json={"email": owner_email, "password": PASSWORD, "organization_name": name})
    assert response.status_code == 201, response.text
    org = Org(id=response.json()["organization"]["id"])
    org.users["owner"] = response.json()["user"]["id"]
    org.emails["owner"] = owner_email
    org.headers["owner"] = bearer(login(client, owner_email)["access_token"])
    for role in ("admin", "producer", "viewer"):
        email = f"{role}-{tag}@{name}.test"
        other = client.post("/api/v1/auth/signup",
                            json={"email": email, "password": PASSWORD, "organization_name": f"{name}-{role}-home"})
        assert other.status_code == 201, other.text
        org.users[role] = other.json()["user"]["id"]
        org.emails[role] = email
        added = client.post("/api/v1/members", json={"email": email, "role": role}, headers=org.headers["owner"])
        assert added.status_code == 201, added.text
        org.headers[role] = bearer(login(client, email, org.id)["access_token"])
    return org


def stream_with_event_logs(client: Any, org: Org, folders: dict[str, Any], context: Any = None) -> str:
    """A stopped stream of `org` (a fresh project) with publish.events folders recorded, as a start records them;
    the rows go through `context` (a ServiceContext; default: the test client's app's)."""
    from ggpgfx.services.models import GraphVersion, Stream, StreamEventLog

    headers = org.headers["owner"]
    project = client.post("/api/v1/projects", json={"name": "show"}, headers=headers).json()["id"]
    saved = client.post(f"/api/v1/projects/{project}/versions", headers=headers, json={
        "yaml": "name: g\nnodes:\n  a: {type: ingest.test_pattern}\n  b: {type: sink.null}\nedges:\n  - a.video -> b.inp\n"})
    assert saved.status_code == 201, saved.text
    context = context or client.app.state.backend.services["context"]
    with context.session() as session:
        version = session.query(GraphVersion).filter_by(project_id=project).one()
        stream = Stream(organization_id=org.id, project_id=project, graph_version_id=version.id, status="stopped",
                        settings={})
        session.add(stream)
        session.flush()
        for node_id, folder in folders.items():
            session.add(StreamEventLog(organization_id=org.id, stream_id=stream.id, node_id=node_id, folder=str(folder)))
        return str(stream.id)


class Resources:
    """Lazily created resources of one organisation (made by its owner), shared or fresh per call."""

    def __init__(self, client: Any, org: Org) -> None:
        self.client = client
        self.org = org
        self.owner = org.headers["owner"]
        self._cache: dict[str, str] = {}
        self._month = 0

    def _ok(self, response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return dict(response.json()) if response.content else {}

    def fresh_project(self) -> str:
        """A new project with one graph version."""
        project_id = self._ok(self.client.post("/api/v1/projects", json={"name": "p"}, headers=self.owner), 201)["id"]
        self._ok(self.client.post(f"/api/v1/projects/{project_id}/versions", json={"yaml": GRAPH_YAML},
                                  headers=self.owner), 201)
        return str(project_id)

    def shared(self, name: str) -> str:
        """A resource created once and reused by read-only calls."""
        if name not in self._cache:
            self._cache[name] = getattr(self, f"fresh_{name}")()
        return self._cache[name]

    def fresh_asset(self) -> str:
        """A new asset in the shared project."""
        project = self.shared("project")
        response = self.client.post(f"/api/v1/projects/{project}/assets", data={"kind": "logo"},
                                    files={"file": ("logo.png", b"\x89PNG fake", "image/png")}, headers=self.owner)
        return str(self._ok(response, 201)["id"])

    def fresh_destination(self) -> str:
        """A new destination in the shared project."""
        project = self.shared("project")
        body = {"name": "twitch", "url": "rtmp://127.0.0.1:19350/live", "stream_key": "live_secret_key_1234"}
        return str(self._ok(self.client.post(f"/api/v1/projects/{project}/destinations", json=body,
                                             headers=self.owner), 201)["id"])

    def fresh_api_key(self) -> str:
        """A new viewer API key."""
        body = {"name": "k", "role": "viewer"}
        return str(self._ok(self.client.post("/api/v1/api-keys", json=body, headers=self.owner), 201)["id"])

    def fresh_webhook(self) -> str:
        """A new webhook endpoint (pointing nowhere reachable; nothing is emitted to it in these tests)."""
        body = {"url": "http://127.0.0.1:9/hook", "events": ["invoice.paid"]}
        return str(self._ok(self.client.post("/api/v1/webhooks", json=body, headers=self.owner), 201)["id"])

    def fresh_member(self) -> str:
        """A new user added to the organisation as a viewer; returns the user id."""
        tag = secrets.token_hex(4)
        email = f"member-{tag}@x.test"
        user = self._ok(self.client.post("/api/v1/auth/signup", json={
            "email": email, "password": PASSWORD, "organization_name": f"home-{tag}"}), 201)["user"]["id"]
        self._ok(self.client.post("/api/v1/members", json={"email": email, "role": "viewer"}, headers=self.owner), 201)
        return str(user)

    def fresh_project_member(self) -> str:
        """'<project>/<user>' of a fresh project with the org's viewer assigned."""
        project = self.fresh_project()
        body = {"user_id": self.org.users["viewer"], "role": "viewer"}
        self._ok(self.client.post(f"/api/v1/projects/{project}/members", json=body, headers=self.owner), 201)
        return f"{project}/{self.org.users['viewer']}"

    def fresh_stream(self) -> str:
        """A running stream of the shared project."""
        body = {"project_id": self.shared("project"), "settings": {"realtime": True}}
        return str(self._ok(self.client.post("/api/v1/streams/start", json=body, headers=self.owner), 201)["id"])

    def stopped_stream(self) -> str:
        """A stream that was started and stopped (for read-only calls)."""
        if "stopped_stream" not in self._cache:
            stream = self.fresh_stream()
            self._ok(self.client.post("/api/v1/streams/stop", json={"stream_id": stream}, headers=self.owner), 200)
            self._cache["stopped_stream"] = stream
        return self._cache["stopped_stream"]

    def fresh_invoice(self) -> str:
        """An invoice for a month nobody else used."""
        self._month += 1
        body = {"year": 2030 + self._month // 12, "month": self._month % 12 + 1}
        return str(self._ok(self.client.post("/api/v1/billing/invoices", json=body, headers=self.owner), 201)["id"])

    def invoice_body(self) -> dict[str, int]:
        """A period not invoiced yet."""
        self._month += 1
        return {"year": 2060 + self._month // 12, "month": self._month % 12 + 1}

    def session_id(self, role: str) -> str:
        """A session of the given role's user (a fresh login)."""
        from jwt import decode

        token = login(self.client, self.org.emails[role], self.org.id)["access_token"]
        return str(decode(token, options={"verify_signature": False})["sid"])


def send_stripe_event(client: Any, webhook_secret: str, event: dict[str, Any]) -> Any:
    """Post a provider event to the billing webhook, signed as Stripe signs it; the response."""
    import hashlib
    import hmac
    import json
    import time

    payload = json.dumps(event).encode()
    at = int(time.time())
    signature = f"t={at},v1=" + hmac.new(webhook_secret.encode(), f"{at}.".encode() + payload,
                                         hashlib.sha256).hexdigest()
    return client.post("/api/v1/billing/webhooks/stripe", content=payload, headers={"Stripe-Signature": signature})


def activate_plan(client: Any, webhook_secret: str, org_id: str, plan_code: str) -> None:
    """Put an organisation on a plan the way payment does: the provider's signed subscription webhook."""
    event = {"id": f"evt_{secrets.token_hex(8)}", "type": "customer.subscription.updated", "data": {"object": {
        "id": f"sub_{secrets.token_hex(4)}", "status": "active",
        "metadata": {"ggp_organization_id": org_id, "ggp_plan_code": plan_code}}}}
    response = send_stripe_event(client, webhook_secret, event)
    assert response.status_code == 200 and response.json()["status"] == "processed", response.text

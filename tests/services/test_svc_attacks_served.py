"""The issue #20 access attacks against a real `ggp serve --plain` process (SQLite and PostgreSQL):
what the in-process tests check, over real sockets from a real client address."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from svc_helpers import PASSWORD, activate_plan, free_port, serve_env, serve_process

WEBHOOK_SECRET = "whsec_served_test"


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """An HTTP client on `ggp serve --plain` over the session's database backend (its own schema/file)."""
    home: Path = tmp_path_factory.mktemp("served-home")
    env = serve_env(home, GGP_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, GGP_STREAM_EXECUTOR="local")
    if not database_url.startswith("sqlite"):
        env["GGP_DATABASE_URL"] = database_url
    with serve_process(["--plain"], env, home / "serve.log", free_port()) as url, \
            httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _account(http: httpx.Client, tag: str, org_id: str | None = None) -> tuple[str, str, dict[str, str]]:
    """(email, user id, auth headers) of a fresh user, logged in (in `org_id` when given)."""
    email = f"{tag}-{secrets.token_hex(4)}@served.test"
    signup = http.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "organization_name": tag})
    assert signup.status_code == 201, signup.text
    body: dict[str, Any] = {"email": email, "password": PASSWORD}
    if org_id:
        body["organization_id"] = org_id
    token = http.post("/api/v1/auth/login", json=body).json()["access_token"]
    return email, signup.json()["user"]["id"], {"Authorization": f"Bearer {token}"}


def test_removed_admin_is_locked_out(served: httpx.Client) -> None:
    http = served
    _, _, owner = _account(http, "owner")
    org = http.get("/api/v1/auth/me", headers=owner).json()["organization"]["id"]
    email, user, _ = _account(http, "admin")
    assert http.post("/api/v1/members", json={"email": email, "role": "admin"}, headers=owner).status_code == 201
    token = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD, "organization_id": org}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    key = http.post("/api/v1/api-keys", json={"name": "k", "role": "admin"}, headers=admin).json()["key"]
    assert http.delete(f"/api/v1/members/{user}", headers=owner).status_code == 204
    assert http.get("/api/v1/projects", headers=admin).status_code == 401
    assert http.post("/api/v1/api-keys", json={"name": "x", "role": "admin"}, headers=admin).status_code == 401
    assert http.get("/api/v1/projects", headers={"X-API-Key": key}).status_code == 401
    assert http.post("/api/v1/auth/refresh", json={"refresh_token": token["refresh_token"]}).status_code == 401


def test_password_guessing_locks_the_account(served: httpx.Client) -> None:
    email, _, _ = _account(served, "victim")
    codes = [served.post("/api/v1/auth/login", json={"email": email, "password": f"guess-{i:04d}-xx"},
                         headers={"Authorization": f"Bearer {secrets.token_hex(8)}"}).status_code for i in range(8)]
    assert codes == [401] * 5 + [429] * 3
    assert served.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 429


def test_totp_code_works_once(served: httpx.Client) -> None:
    import pyotp

    email, _, headers = _account(served, "mfa")
    totp = pyotp.TOTP(served.post("/api/v1/auth/totp/setup", headers=headers).json()["secret"])
    assert served.post("/api/v1/auth/totp/enable", json={"code": totp.now()}, headers=headers).status_code == 204
    code = totp.at(time.time())
    results = []
    for _ in range(3):
        challenge = served.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["mfa_token"]
        results.append(served.post("/api/v1/auth/mfa", json={"mfa_token": challenge, "code": code}).status_code)
    assert results == [200, 401, 401]


def test_owner_cannot_pay_or_upgrade_for_free(served: httpx.Client) -> None:
    _, _, owner = _account(served, "payer")
    org = served.get("/api/v1/auth/me", headers=owner).json()["organization"]["id"]
    asked = served.put("/api/v1/billing/subscription", json={"plan_code": "pro"}, headers=owner).json()
    assert asked["plan_code"] == "free" and asked["pending_plan_code"] == "pro"
    activate_plan(served, WEBHOOK_SECRET, org, "pro")
    assert served.get("/api/v1/billing/subscription", headers=owner).json()["plan_code"] == "pro"
    invoice = served.post("/api/v1/billing/invoices", json={"year": 2045, "month": 2}, headers=owner).json()
    assert served.post(f"/api/v1/staff/invoices/{invoice['id']}/pay", headers=owner).status_code == 403
    assert served.post(f"/api/v1/billing/invoices/{invoice['id']}/pay", headers=owner).status_code in (404, 405)
    assert served.get(f"/api/v1/billing/invoices/{invoice['id']}", headers=owner).json()["status"] == "open"


def test_graphql_cost_and_introspection(served: httpx.Client) -> None:
    _, _, headers = _account(served, "gql")
    many = "{ " + " ".join(f"p{i}: projects {{ id }}" for i in range(2000)) + " }"
    started = time.monotonic()
    answer = served.post("/graphql", json={"query": many}, headers=headers).json()
    assert answer.get("data") is None and answer["errors"], str(answer)[:200]
    elapsed = time.monotonic() - started
    assert served.post("/graphql", json={"query": "{ __schema { types { name } } }"},
                       headers=headers).json().get("data") is None
    assert elapsed < 30  # refused at validation; the unlimited server ran 2,000 queries


def test_subscription_ends_at_logout(served: httpx.Client) -> None:
    import asyncio

    import aiohttp

    _, _, headers = _account(served, "ws")
    project = served.post("/api/v1/projects", json={"name": "watched"}, headers=headers).json()["id"]
    ws_url = str(served.base_url).replace("http://", "ws://") + "/graphql"

    async def watch() -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as session, session.ws_connect(
                ws_url, protocols=["graphql-transport-ws"], timeout=30) as ws:
            await ws.send_json({"type": "connection_init", "payload": headers})
            assert (await ws.receive_json(timeout=30))["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription($p: ID!) { projectUpdated(projectId: $p) { name } }", "variables": {"p": project}}})
            messages = [await ws.receive_json(timeout=30)]
            await asyncio.to_thread(served.post, "/api/v1/auth/logout", headers=headers)
            await asyncio.to_thread(served.put, f"/api/v1/projects/{project}", json={"name": "after"}, headers=headers)
            messages.append(await ws.receive_json(timeout=30))
            messages.append(await ws.receive_json(timeout=30))
            return messages

    first, second, third = asyncio.run(watch())
    assert first["payload"]["data"]["projectUpdated"]["name"] == "watched"
    assert second["payload"]["data"] is None and "session revoked" in str(second["payload"]["errors"])
    assert third == {"id": "1", "type": "complete"}


def test_signup_and_settings_inputs(served: httpx.Client) -> None:
    email, _, headers = _account(served, "inputs")
    again = served.post("/api/v1/auth/signup", json={"email": email, "password": "a different long phrase",
                                                     "organization_name": "x"})
    assert again.status_code == 201
    weak = served.post("/api/v1/auth/signup", json={"email": f"w-{secrets.token_hex(3)}@served.test",
                                                    "password": "aaaaaaaaaa", "organization_name": "w"})
    assert weak.status_code == 422
    project = served.post("/api/v1/projects", json={"name": "p"}, headers=headers).json()["id"]
    bad = served.post("/api/v1/streams/start", json={"project_id": project, "settings": {"max_frames": "abc"}},
                      headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "settings", "max_frames"]

"""Removing or demoting a member revokes their access at once (issue #20 item 3)."""

from __future__ import annotations

import secrets
from typing import Any

from svc_helpers import PASSWORD, Org, bearer, login


def _new_member(client: Any, org: Org, role: str) -> tuple[str, str, dict[str, Any]]:
    """(user id, email, token pair) of a fresh user added to `org` with `role` and logged in there."""
    email = f"{role}-{secrets.token_hex(4)}@revoke.test"
    signup = client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                      "organization_name": "home"})
    assert signup.status_code == 201, signup.text
    added = client.post("/api/v1/members", json={"email": email, "role": role}, headers=org.headers["owner"])
    assert added.status_code == 201, added.text
    return signup.json()["user"]["id"], email, login(client, email, org.id)


def test_removed_admin_loses_tokens_refresh_and_keys(client: Any, org_a: Org) -> None:
    user_id, _, tokens = _new_member(client, org_a, "admin")
    headers = bearer(tokens["access_token"])
    made = client.post("/api/v1/api-keys", json={"name": "before", "role": "admin"}, headers=headers)
    assert made.status_code == 201, made.text
    key = {"X-API-Key": made.json()["key"]}
    assert client.get("/api/v1/projects", headers=key).status_code == 200
    assert client.get("/api/v1/projects", headers=headers).status_code == 200

    assert client.delete(f"/api/v1/members/{user_id}", headers=org_a.headers["owner"]).status_code == 204

    assert client.get("/api/v1/projects", headers=headers).status_code == 401
    assert client.get(f"/api/v1/projects/{'0' * 32}/destinations", headers=headers).status_code == 401
    escalate = client.post("/api/v1/api-keys", json={"name": "after", "role": "admin"}, headers=headers)
    assert escalate.status_code == 401, escalate.text
    assert client.get("/api/v1/projects", headers=key).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code in (401, 403), refreshed.text
    keys = {k["id"]: k for k in client.get("/api/v1/api-keys", headers=org_a.headers["owner"]).json()}
    assert keys[made.json()["id"]]["revoked_at"] is not None
    entry = next(e for e in client.get("/api/v1/audit", headers=org_a.headers["owner"]).json()
                 if e["action"] == "member.removed" and e["target"] == f"user:{user_id}")
    assert entry["detail"] == {"sessions_revoked": 1, "api_keys_revoked": 1}


def test_demoted_admin_keeps_only_what_the_new_role_allows(client: Any, org_a: Org) -> None:
    user_id, email, tokens = _new_member(client, org_a, "admin")
    headers = bearer(tokens["access_token"])
    admin_key = client.post("/api/v1/api-keys", json={"name": "a", "role": "admin"}, headers=headers).json()
    viewer_key = client.post("/api/v1/api-keys", json={"name": "v", "role": "viewer"}, headers=headers).json()

    changed = client.put(f"/api/v1/members/{user_id}", json={"role": "viewer"}, headers=org_a.headers["owner"])
    assert changed.status_code == 204, changed.text

    assert client.get("/api/v1/projects", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": admin_key["key"]}).status_code == 401
    assert client.get("/api/v1/projects", headers={"X-API-Key": viewer_key["key"]}).status_code == 200
    # a new login acts as a viewer
    fresh = bearer(login(client, email, org_a.id)["access_token"])
    assert client.get("/api/v1/projects", headers=fresh).status_code == 200
    denied = client.post("/api/v1/api-keys", json={"name": "x", "role": "viewer"}, headers=fresh)
    assert denied.status_code == 403 and "'admin' role" in denied.json()["detail"]


def test_role_is_read_per_request_not_from_the_token(client: Any, org_a: Org, settings: Any) -> None:
    """A token whose role claim is higher than the member's current role acts with the current role."""
    from jwt import decode

    from ggpgfx.services.security import TokenSigner

    user_id, _, tokens = _new_member(client, org_a, "viewer")
    claims = decode(tokens["access_token"], options={"verify_signature": False})
    signer = TokenSigner(settings.jwt_key, settings.jwt_issuer, settings.jwt_audience, settings.access_ttl_s)
    # the claims of a token issued before a demotion (same live session, stale role)
    stale = signer.issue({"sub": user_id, "org": org_a.id, "role": "admin", "sid": claims["sid"]})
    denied = client.post("/api/v1/api-keys", json={"name": "x", "role": "viewer"}, headers=bearer(stale))
    assert denied.status_code == 403, denied.text
    assert client.get("/api/v1/auth/me", headers=bearer(stale)).json()["role"] == "viewer"


def test_key_of_a_member_removed_elsewhere_stops_working(client: Any, org_a: Org) -> None:
    """Every API-key request checks that its creator still holds the key's role."""
    user_id, _, tokens = _new_member(client, org_a, "admin")
    made = client.post("/api/v1/api-keys", json={"name": "k", "role": "admin"},
                       headers=bearer(tokens["access_token"])).json()
    # demote to producer without the route (as another process or replica would): the key still fails
    from ggpgfx.services.models import Membership

    context = client.app.state.backend.services["context"]
    with context.session() as session:
        from sqlalchemy import select

        row = session.scalars(select(Membership).where(Membership.user_id == user_id,
                                                       Membership.organization_id == org_a.id)).one()
        row.role = "producer"
    response = client.get("/api/v1/api-keys", headers={"X-API-Key": made["key"]})
    assert response.status_code == 401 and "no longer holds" in response.json()["detail"]

"""Credential tests: tampered, expired and wrong-audience tokens, refresh rotation and reuse, API keys, MFA."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
from svc_helpers import PASSWORD, Org, bearer, login

ME = "/api/v1/auth/me"


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_valid_token_works(client: Any, org_a: Org) -> None:
    """Baseline: the token from login reads /auth/me."""
    response = client.get(ME, headers=org_a.headers["viewer"])
    assert response.status_code == 200
    assert response.json()["role"] == "viewer"


def test_tampered_token_rejected(client: Any, org_a: Org) -> None:
    """Raising one's role inside the payload breaks the signature."""
    token = org_a.headers["viewer"]["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    claims = _claims(token)
    claims["role"] = "owner"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = client.get(ME, headers=bearer(f"{header}.{forged}.{signature}"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_token_signed_with_other_key_rejected(client: Any, org_a: Org) -> None:
    """A well-formed token under a different key is refused."""
    claims = _claims(org_a.headers["owner"]["Authorization"].split()[1])
    forged = jwt.encode(claims, b"x" * 32, algorithm="HS256")
    assert client.get(ME, headers=bearer(forged)).status_code == 401


def test_expired_token_rejected(client: Any, settings: Any, org_a: Org) -> None:
    """A correctly signed token past its expiry is refused with a clear message."""
    claims = _claims(org_a.headers["owner"]["Authorization"].split()[1])
    claims.update(iat=int(time.time()) - 3600, exp=int(time.time()) - 60)
    token = jwt.encode(claims, settings.jwt_key, algorithm="HS256")
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_wrong_audience_rejected(client: Any, settings: Any, org_a: Org) -> None:
    """Tokens for another audience (such as the MFA step) do not open the API."""
    claims = _claims(org_a.headers["owner"]["Authorization"].split()[1])
    for audience in ("ggpgfx-mfa", "some-other-api"):
        token = jwt.encode({**claims, "aud": audience}, settings.jwt_key, algorithm="HS256")
        assert client.get(ME, headers=bearer(token)).status_code == 401


def test_none_algorithm_rejected(client: Any, org_a: Org) -> None:
    """alg=none tokens are refused."""
    claims = _claims(org_a.headers["owner"]["Authorization"].split()[1])
    token = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
    assert client.get(ME, headers=bearer(token)).status_code == 401


def test_refresh_rotation_and_reuse_revokes_family(client: Any, org_a: Org) -> None:
    """Each refresh gives a new pair; presenting a used refresh token revokes the whole session."""
    first = login(client, org_a.emails["producer"], org_a.id)
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert client.get(ME, headers=bearer(pair["access_token"])).status_code == 200
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert "revoked" in reuse.json()["detail"]
    # the newest token of the family is dead too, and so is the session's access token
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    time.sleep(2.1)  # the gateway caches 'session active' for 2 s
    assert client.get(ME, headers=bearer(pair["access_token"])).status_code == 401
    # other sessions of the same user are untouched
    assert client.get(ME, headers=org_a.headers["producer"]).status_code == 200


def test_logout_and_session_revoke(client: Any, org_a: Org) -> None:
    """Logout kills the session at once on this gateway; sessions are listed."""
    pair = login(client, org_a.emails["viewer"], org_a.id)
    headers = bearer(pair["access_token"])
    sessions = client.get("/api/v1/auth/sessions", headers=headers).json()
    assert any(s["current"] for s in sessions)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get(ME, headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_api_key_lifecycle(client: Any, org_a: Org) -> None:
    """Shown once, works by header and as bearer, stored hashed, and dead after revocation."""
    created = client.post("/api/v1/api-keys", json={"name": "ci", "role": "producer"}, headers=org_a.headers["admin"])
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get("/api/v1/api-keys", headers=org_a.headers["admin"]).text
    assert key not in listed
    assert client.get(ME, headers={"X-API-Key": key}).json()["role"] == "producer"
    assert client.post("/api/v1/projects", json={"name": "by key"}, headers=bearer(key)).status_code == 201
    assert client.get(ME, headers={"X-API-Key": key[:-2] + "xx"}).status_code == 401
    assert client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=org_a.headers["admin"]).status_code == 204
    response = client.get(ME, headers={"X-API-Key": key})
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_api_key_cannot_outrank_creator(client: Any, org_a: Org) -> None:
    """An admin cannot mint an owner key (and the schema has no owner keys at all)."""
    response = client.post("/api/v1/api-keys", json={"name": "x", "role": "owner"}, headers=org_a.headers["admin"])
    assert response.status_code == 422


def test_login_mfa_flow(client: Any) -> None:
    """Password → MFA challenge → TOTP code → tokens; a wrong code or skipping MFA fails."""
    import pyotp

    email = f"mfa-{time.time_ns()}@x.test"
    assert client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                     "organization_name": "mfa"}).status_code == 201
    headers = bearer(login(client, email)["access_token"])
    secret = client.post("/api/v1/auth/totp/setup", headers=headers).json()["secret"]
    totp = pyotp.TOTP(secret)
    assert client.post("/api/v1/auth/totp/enable", json={"code": "000000" if totp.now() != "000000" else "111111"},
                       headers=headers).status_code == 400
    assert client.post("/api/v1/auth/totp/enable", json={"code": totp.now()}, headers=headers).status_code == 204
    challenge = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert challenge["mfa_required"] and challenge["access_token"] is None
    assert client.get(ME, headers=bearer(challenge["mfa_token"])).status_code == 401  # MFA token is not an access token
    wrong = client.post("/api/v1/auth/mfa", json={"mfa_token": challenge["mfa_token"], "code": "12345x"})
    assert wrong.status_code == 401
    done = client.post("/api/v1/auth/mfa", json={"mfa_token": challenge["mfa_token"], "code": totp.now()})
    assert done.status_code == 200
    assert client.get(ME, headers=bearer(done.json()["access_token"])).json()["user"]["totp_enabled"] is True


def test_wrong_password_and_audit(client: Any, org_a: Org) -> None:
    """Wrong passwords are 401 and land in the audit log with the API-key and member actions."""
    response = client.post("/api/v1/auth/login", json={"email": org_a.emails["owner"], "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": "ghost@x.test", "password": "x" * 12}).status_code == 401
    actions = {entry["action"] for entry in client.get("/api/v1/audit?limit=1000", headers=org_a.headers["owner"]).json()}
    assert {"member.added", "login.success", "login.failed"} <= actions


def test_password_hash_defaults(monkeypatch: Any) -> None:
    """Without overrides, passwords are argon2id with 64 MiB, t=3, p=4 (RFC 9106)."""
    from ggpgfx.services import security

    monkeypatch.delenv("GGP_ARGON2_TIME_COST", raising=False)
    monkeypatch.delenv("GGP_ARGON2_MEMORY_KIB", raising=False)
    monkeypatch.setattr(security, "_hasher", None)
    hashed = security.hash_password("a long enough password")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert security.verify_password(hashed, "a long enough password")
    assert not security.verify_password(hashed, "a long enough passwore")


def test_concurrent_refresh_gives_one_winner(client: Any, org_a: Org) -> None:
    """Two simultaneous refreshes of the same token cannot both succeed."""
    from concurrent.futures import ThreadPoolExecutor

    refresh_token = login(client, org_a.emails["viewer"], org_a.id)["refresh_token"]
    accounts = client.app.state.backend.services["accounts"]
    from ggpgfx.errors import ServiceError
    from ggpgfx.services.schemas import RefreshIn

    def attempt(_: int) -> bool:
        try:
            accounts.refresh(RefreshIn(refresh_token=refresh_token))
            return True
        except ServiceError:
            return False

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert outcomes.count(True) == 1


def test_cached_token_still_expires(settings: Any) -> None:
    """A verified token is cached by hash only until its own expiry; each request keeps its own address."""
    import asyncio

    import pytest

    from ggpgfx.errors import ServiceError
    from ggpgfx.services.auth import Authenticator
    from ggpgfx.services.security import TokenSigner

    signer = TokenSigner(settings.jwt_key, settings.jwt_issuer, settings.jwt_audience, access_ttl_s=1)
    authenticator = Authenticator(signer, backend=None)
    token = signer.issue({"sub": "user-1", "org": "org-1", "role": "viewer"})  # no session: no revocation lookup
    assert asyncio.run(authenticator.principal(token, None, "10.0.0.1")).ip == "10.0.0.1"
    again = asyncio.run(authenticator.principal(token, None, "10.0.0.2"))  # answered from the cache
    assert (again.ip, again.organization_id, again.role) == ("10.0.0.2", "org-1", "viewer")
    time.sleep(max(0.0, _claims(token)["exp"] - time.time()) + 0.05)
    with pytest.raises(ServiceError) as raised:
        asyncio.run(authenticator.principal(token, None, "10.0.0.1"))
    assert raised.value.status_code == 401 and "expired" in str(raised.value)

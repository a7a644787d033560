"""Brute force and TOTP replay (issue #20 items 6 and 8), on an app of their own with the default limits."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from svc_helpers import PASSWORD, bearer


@pytest.fixture(scope="module")
def guarded(settings: Any) -> Iterator[Any]:
    """A client over a fresh app on the session database, with the default login limits."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import Settings

    defaults = Settings(home=settings.home, database_url="", secret_key=b"", jwt_key=b"")
    own = dataclasses.replace(settings, login_address_free_failures=defaults.login_address_free_failures,
                              login_account_free_failures=defaults.login_account_free_failures)
    with TestClient(create_local_app(own)) as client:
        yield client


def _signup(client: Any, tag: str) -> str:
    email = f"{tag}-{secrets.token_hex(4)}@abuse.test"
    response = client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                        "organization_name": tag})
    assert response.status_code == 201, response.text
    return email


def _unlock(client: Any, email: str) -> None:
    """Let the account's lock run out (as if its time had passed)."""
    from sqlalchemy import update

    from ggpgfx.services.models import User, utcnow

    with client.app.state.backend.services["context"].session() as session:
        session.execute(update(User).where(User.email == email).values(locked_until=utcnow()))


def test_account_locks_after_wrong_passwords_even_with_random_auth_headers(guarded: Any) -> None:
    email = _signup(guarded, "victim")
    for attempt in range(12):
        response = guarded.post("/api/v1/auth/login", json={"email": email, "password": f"guess-{attempt:04d}xx"},
                                headers={"Authorization": f"Bearer {secrets.token_hex(16)}"})
        assert response.status_code == (401 if attempt < 5 else 429), (attempt, response.text)
    locked = guarded.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429 and "too many failed logins for this account" in locked.json()["detail"]
    _unlock(guarded, email)
    tokens = guarded.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    audit = guarded.get("/api/v1/audit", headers=bearer(tokens.json()["access_token"])).json()
    actions = [e["action"] for e in audit]
    assert actions.count("login.failed") == 5 and "login.locked" in actions
    # the successful login cleared the count: one more mistake does not lock again
    wrong = guarded.post("/api/v1/auth/login", json={"email": email, "password": "still-wrong-1"})
    assert wrong.status_code == 401


def test_unknown_email_locks_the_same_way(guarded: Any) -> None:
    """A lock does not tell whether the account exists."""
    email = f"nobody-{secrets.token_hex(4)}@abuse.test"
    codes = [guarded.post("/api/v1/auth/login", json={"email": email, "password": "whatever-123"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_address_locks_across_accounts(settings: Any) -> None:
    """Spraying one password over many accounts from one address locks the address."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app

    with TestClient(create_local_app(dataclasses.replace(settings, login_address_free_failures=20))) as client:
        codes = [client.post("/api/v1/auth/login", json={"email": f"spray-{i}@abuse.test", "password": "Winter2026!"},
                             headers={"Authorization": f"Bearer {i}"}).status_code for i in range(21)]
        assert codes == [401] * 20 + [429]
        blocked = client.post("/api/v1/auth/login", json={"email": "other@abuse.test", "password": PASSWORD})
        assert blocked.status_code == 429 and "from your address" in blocked.json()["detail"]


def test_rate_limit_is_per_address_on_unauthenticated_endpoints(settings: Any) -> None:
    """A made-up Authorization header does not buy a fresh rate-limit bucket on the login endpoint."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app

    tight = dataclasses.replace(settings, rate_limit_per_s=0.01, rate_limit_burst=5,
                                login_address_free_failures=1_000_000)
    with TestClient(create_local_app(tight)) as client:
        codes = [client.post("/api/v1/auth/login", json={"email": "x@abuse.test", "password": "whatever-123"},
                             headers={"Authorization": f"Bearer {secrets.token_hex(8)}"}).status_code
                 for _ in range(8)]
        assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3


def _mfa_user(client: Any) -> tuple[str, Any]:
    import pyotp

    email = _signup(client, "mfa")
    headers = bearer(client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"])
    secret = client.post("/api/v1/auth/totp/setup", headers=headers).json()["secret"]
    totp = pyotp.TOTP(secret)
    assert client.post("/api/v1/auth/totp/enable", json={"code": totp.now()}, headers=headers).status_code == 204
    return email, totp


def _challenge(client: Any, email: str) -> str:
    body = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert body["mfa_required"], body
    return str(body["mfa_token"])


def test_totp_code_and_mfa_token_work_once(guarded: Any) -> None:
    email, totp = _mfa_user(guarded)
    first_token = _challenge(guarded, email)
    code = totp.at(time.time())
    assert guarded.post("/api/v1/auth/mfa", json={"mfa_token": first_token, "code": code}).status_code == 200
    # the same code again, with a second MFA token: refused
    second_token = _challenge(guarded, email)
    replay = guarded.post("/api/v1/auth/mfa", json={"mfa_token": second_token, "code": code})
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]
    # the spent MFA token with the next step's (fresh) code: refused
    fresh = totp.at(time.time() + totp.interval)
    reused = guarded.post("/api/v1/auth/mfa", json={"mfa_token": first_token, "code": fresh})
    assert reused.status_code == 401 and "MFA token already used" in reused.json()["detail"]
    # the second token with the fresh code: accepted
    assert guarded.post("/api/v1/auth/mfa", json={"mfa_token": second_token, "code": fresh}).status_code == 200


def test_wrong_codes_lock_the_account(guarded: Any) -> None:
    email, totp = _mfa_user(guarded)
    token = _challenge(guarded, email)
    good = totp.at(time.time())
    wrong = "000000" if good != "000000" else "111111"
    codes = [guarded.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": wrong}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert guarded.post("/api/v1/auth/mfa", json={"mfa_token": token, "code": good}).status_code == 429

"""Sign-up and inputs (issue #20 item 10): weak passwords, no account enumeration, stream settings
validated, the SQLite database file private."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import GRAPH_YAML, PASSWORD, Org, bearer, login

P = "/api/v1"


@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaaaa", "commonly used"),
    ("1234567890", "commonly used"),
    ("Password123!", "commonly used"),
    ("bbbbbbbbbbbbcccc", "too few characters"),
    ("zyxwvutsrqpo", "run of keys"),
    ("short", "at least 10"),
])
def test_weak_passwords_are_refused(client: Any, password: str, why: str) -> None:
    email = f"weak-{secrets.token_hex(4)}@signup.test"
    response = client.post(f"{P}/auth/signup", json={"email": email, "password": password, "organization_name": "w"})
    assert response.status_code == 422, response.text
    assert why in str(response.json()["detail"])
    assert client.post(f"{P}/auth/login", json={"email": email, "password": password}).status_code == 401


def test_password_close_to_the_email_is_refused(client: Any) -> None:
    tag = secrets.token_hex(3)
    response = client.post(f"{P}/auth/signup", json={"email": f"margaret{tag}@signup.test",
                                                     "password": f"margaret{tag}1", "organization_name": "m"})
    assert response.status_code == 422 and "email" in str(response.json()["detail"])


def test_signup_does_not_reveal_existing_accounts(client: Any, org_a: Org) -> None:
    email = org_a.emails["owner"]
    fresh = client.post(f"{P}/auth/signup", json={"email": f"new-{secrets.token_hex(4)}@signup.test",
                                                  "password": "an entirely new phrase", "organization_name": "x"})
    again = client.post(f"{P}/auth/signup", json={"email": email, "password": "an entirely new phrase",
                                                  "organization_name": "x"})
    assert fresh.status_code == again.status_code == 201, again.text
    assert set(fresh.json()) == set(again.json()) and set(fresh.json()["user"]) == set(again.json()["user"])
    assert again.json()["user"]["id"] != org_a.users["owner"]
    # nothing changed for the real account; the attempt's password does not open it
    assert client.post(f"{P}/auth/login", json={"email": email, "password": "an entirely new phrase"}).status_code == 401
    owner = bearer(login(client, email)["access_token"])
    audit = client.get(f"{P}/audit", headers=owner).json()
    assert any(e["action"] == "account.signup_attempt" and e["target"] == f"user:{org_a.users['owner']}" for e in audit)


def test_stream_settings_are_validated(client: Any, org_a: Org) -> None:
    headers = org_a.headers["owner"]
    project = client.post(f"{P}/projects", json={"name": "settings"}, headers=headers).json()["id"]
    client.post(f"{P}/projects/{project}/versions", json={"yaml": GRAPH_YAML}, headers=headers)
    for settings, field, words in (({"max_frames": "abc"}, "max_frames", "valid integer"),
                                   ({"max_frames": 0}, "max_frames", "greater than or equal to 1"),
                                   ({"realtime": "sometimes"}, "realtime", "valid boolean"),
                                   ({"frames_per_hour": 3}, "frames_per_hour", "not permitted")):
        response = client.post(f"{P}/streams/start", json={"project_id": project, "settings": settings}, headers=headers)
        assert response.status_code == 422, response.text
        detail = response.json()["detail"][0]
        assert detail["loc"] == ["body", "settings", field] and words in detail["msg"], detail
    assert all(s["project_id"] != project for s in client.get(f"{P}/streams/status", headers=headers).json())


def test_sqlite_database_file_is_private(tmp_path: Path) -> None:
    from ggpgfx.services import db

    url = f"sqlite:///{tmp_path / 'fresh' / 'ggp.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    engine.dispose()
    for path in (tmp_path / "fresh").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path.name, oct(path.stat().st_mode))
    old = tmp_path / "old.db"
    old.touch(mode=0o644)
    old.chmod(0o644)
    db.make_engine(f"sqlite:///{old}").dispose()
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_default_password_is_acceptable() -> None:
    """The helpers' password (and the console tests' and benchmark's) passes the checks."""
    from ggpgfx.services.passwords import weakness

    assert weakness(PASSWORD, "owner-1a2b3c4d@alpha.test") is None

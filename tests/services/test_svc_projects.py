"""Projects: CRUD, immutable versions with diffs, validation errors with lines, assets, destinations."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from svc_helpers import GRAPH_YAML, Org

P = "/api/v1/projects"


def test_project_crud_and_versions(client: Any, org_a: Org) -> None:
    """Create, update, upload two versions, read each back unchanged, diff them, delete."""
    headers = org_a.headers["producer"]
    project = client.post(P, json={"name": "Final table", "description": "day 3"}, headers=headers).json()
    assert project["latest_version"] is None
    v1 = client.post(f"{P}/{project['id']}/versions", json={"yaml": GRAPH_YAML, "message": "first"}, headers=headers)
    assert v1.status_code == 201 and v1.json()["version"] == 1
    second = GRAPH_YAML.replace("width: 64", "width: 128")
    v2 = client.post(f"{P}/{project['id']}/versions", json={"yaml": second}, headers=headers).json()
    assert v2["version"] == 2
    assert client.get(f"{P}/{project['id']}/versions/1", headers=headers).json()["yaml"] == GRAPH_YAML
    assert client.get(f"{P}/{project['id']}", headers=headers).json()["latest_version"] == 2
    diff = client.get(f"{P}/{project['id']}/diff?from=1&to=2", headers=headers).json()
    assert diff["added_lines"] == 1 and diff["removed_lines"] == 1
    assert "+  src: {type: ingest.test_pattern, params: {width: 128" in diff["diff"]
    versions = client.get(f"{P}/{project['id']}/versions", headers=headers).json()
    assert [v["version"] for v in versions] == [1, 2] and all(v["yaml"] is None for v in versions)
    # versions are immutable: there is no route that changes one
    assert client.put(f"{P}/{project['id']}/versions/1", json={"yaml": "x"}, headers=headers).status_code == 405
    updated = client.put(f"{P}/{project['id']}", json={"name": "Final table (day 3)"}, headers=headers).json()
    assert updated["name"] == "Final table (day 3)" and updated["description"] == "day 3"
    assert client.delete(f"{P}/{project['id']}", headers=org_a.headers["admin"]).status_code == 204
    assert client.get(f"{P}/{project['id']}", headers=headers).status_code == 404


def test_invalid_graph_reports_every_problem_with_lines(client: Any, org_a: Org) -> None:
    """The runtime validator's diagnostics come back as 422 with line and column, and nothing is saved."""
    headers = org_a.headers["producer"]
    project = client.post(P, json={"name": "bad graphs"}, headers=headers).json()["id"]
    bad = "name: bad\nnodes:\n  src: {type: ingest.test_pattern, params: {width: -5}}\n  out: {type: nope.missing}\nedges:\n  - src.video -> out.inp\n"
    response = client.post(f"{P}/{project}/versions", json={"yaml": bad}, headers=headers)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert len(problems) >= 2
    lines = {p["loc"][2] for p in problems}
    assert {3, 4} <= lines, problems
    assert any("nope.missing" in p["msg"] for p in problems)
    broken = client.post(f"{P}/{project}/versions", json={"yaml": "name: x\nnodes: [\n"}, headers=headers)
    assert broken.status_code == 422 and broken.json()["detail"][0]["loc"][2] >= 1
    assert client.get(f"{P}/{project}/versions", headers=headers).json() == []


def test_assets_roundtrip(client: Any, org_a: Org, settings: Any) -> None:
    """Upload, list, download the same bytes from GGP_HOME, delete removes the file."""
    headers = org_a.headers["producer"]
    project = client.post(P, json={"name": "assets"}, headers=headers).json()["id"]
    data = bytes(range(256)) * 40
    created = client.post(f"{P}/{project}/assets", data={"kind": "skin"},
                          files={"file": ("../../evil name.bin", data, "application/octet-stream")}, headers=headers)
    assert created.status_code == 201, created.text
    asset = created.json()
    assert asset["size_bytes"] == len(data) and "/" not in asset["filename"]
    stored = list((settings.home / "assets").rglob(asset["id"]))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    download = client.get(f"{P}/{project}/assets/{asset['id']}", headers=org_a.headers["viewer"])
    assert download.status_code == 200 and download.content == data
    bad_kind = client.post(f"{P}/{project}/assets", data={"kind": "virus"}, files={"file": ("a", b"x", "text/plain")},
                           headers=headers)
    assert bad_kind.status_code == 422
    assert client.delete(f"{P}/{project}/assets/{asset['id']}", headers=headers).status_code == 204
    assert not stored[0].exists()


def test_body_size_limit(client: Any, org_a: Org) -> None:
    """Bodies over the limit are refused with 413 before reaching a route."""
    huge = "x" * (3 * 1024 * 1024)
    response = client.post(P, json={"name": "big", "description": huge}, headers=org_a.headers["producer"])
    assert response.status_code == 413


def test_stream_key_encrypted_at_rest_and_masked(client: Any, org_a: Org, settings: Any,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """The raw database row holds AES-GCM ciphertext; API responses, audit and logs show only a mask."""
    from sqlalchemy import create_engine, text

    from ggpgfx.services.crypto import SecretBox

    secret = "live_123456789_SuperSecretStreamKey"
    project = client.post(P, json={"name": "dest"}, headers=org_a.headers["admin"]).json()["id"]
    with caplog.at_level(logging.DEBUG):
        created = client.post(f"{P}/{project}/destinations", json={
            "name": "twitch", "url": "rtmp://127.0.0.1:19350/app", "stream_key": secret}, headers=org_a.headers["admin"])
        listed = client.get(f"{P}/{project}/destinations", headers=org_a.headers["viewer"])
        audit = client.get("/api/v1/audit?limit=1000", headers=org_a.headers["owner"])
    assert created.status_code == 201
    destination = created.json()
    assert destination["stream_key_masked"].endswith(secret[-4:]) and secret not in created.text
    assert secret not in listed.text and secret not in audit.text
    assert secret not in caplog.text
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM destinations WHERE id = :id"), {"id": destination["id"]}).mappings().one()
    engine.dispose()
    raw = bytes(row["stream_key_ciphertext"])
    assert secret.encode() not in raw and secret not in str(dict(row))
    assert len(raw) == 1 + 12 + len(secret) + 16  # version, nonce, ciphertext, GCM tag
    box = SecretBox(settings.secret_key)
    assert box.decrypt(raw, f"destination:{destination['id']}") == secret
    with pytest.raises(Exception, match="cannot be decrypted"):
        box.decrypt(raw, "destination:someone-else")  # bound to its row: copying ciphertext elsewhere fails


def test_key_file_created_owner_only(tmp_path: Any) -> None:
    """Without GGP_SECRET_KEY the key is generated into a 0600 file and reused."""
    import os
    import stat

    from ggpgfx.services.config import load_settings

    env = os.environ.pop("GGP_SECRET_KEY", None)
    try:
        first = load_settings(home=tmp_path)
        mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
        assert mode == 0o600
        assert load_settings(home=tmp_path).secret_key == first.secret_key
    finally:
        if env is not None:
            os.environ["GGP_SECRET_KEY"] = env


def test_nul_characters_are_a_client_error(client: Any, org_a: Org) -> None:
    """PostgreSQL refuses NUL in text: that must be a 4xx on every backend, never a 500."""
    headers = org_a.headers["producer"]
    created = client.post(P, json={"name": "nul\u0000name"}, headers=headers)
    assert created.status_code in (201, 422)
    assert client.get(f"{P}/abc%00def", headers=headers).status_code in (404, 422)

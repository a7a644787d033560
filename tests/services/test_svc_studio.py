"""Studio on the platform: a session in the organisation's storage, its hands, a re-render job over REST with
its status, and one over GraphQL followed through the `renderProgress` subscription; tenants stay apart."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import Org, make_org

STUDIO_SESSION = Path(__file__).resolve().parents[1] / "studio" / "studio_session.py"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location("studio_session_for_svc", STUDIO_SESSION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.record_session(tmp_path_factory.mktemp("svc-studio") / "session", hands=1))


def _session_in_storage(settings: Any, org: Org, recorded: Path) -> str:
    import shutil

    from ggpgfx.policy import organization_storage

    target = organization_storage(settings.home, org.id) / "sessions" / "show-1"
    if not target.exists():
        shutil.copytree(recorded, target)
    return "sessions/show-1"


def test_rest_hands_and_render_job(client: Any, settings: Any, org_a: Org, org_b: Org, recorded: Path) -> None:
    session = _session_in_storage(settings, org_a, recorded)
    hands = client.get("/api/v1/studio/hands", params={"session": session}, headers=org_a.headers["viewer"])
    assert hands.status_code == 200, hands.text
    assert [h["hand"] for h in hands.json()] == [1] and hands.json()[0]["players"]
    body = {"session": session, "hands": "1", "preset": "ultrafast"}
    assert client.post("/api/v1/studio/render", json=body, headers=org_a.headers["viewer"]).status_code == 403
    started = client.post("/api/v1/studio/render", json=body, headers=org_a.headers["producer"])
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    deadline = time.monotonic() + 180
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/studio/render/{job_id}", headers=org_a.headers["viewer"]).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "done" and job["progress"] == 1.0, job
    assert [c["hand"] for c in job["clips"]] == [1] and job["clips"][0]["ok"]
    from ggpgfx.policy import organization_storage

    clip = organization_storage(settings.home, org_a.id) / session / "renders" / job_id / job["clips"][0]["file"]
    assert clip.is_file() and clip.stat().st_size > 1000
    assert client.get(f"/api/v1/studio/render/{job_id}", headers=org_b.headers["owner"]).status_code == 404
    assert client.get("/api/v1/studio/hands", params={"session": session},
                      headers=org_b.headers["owner"]).status_code == 404  # not in org b's storage
    escape = client.post("/api/v1/studio/render", json={**body, "session": "sessions/../../x"},
                         headers=org_a.headers["producer"])
    assert escape.status_code in (404, 422)
    missing_hand = client.post("/api/v1/studio/render", json={**body, "hands": "9"}, headers=org_a.headers["producer"])
    assert missing_hand.status_code == 422 and "not in this session" in missing_hand.text


def test_graphql_studio_render_and_render_progress(client: Any, settings: Any, org_a: Org, recorded: Path) -> None:
    session = _session_in_storage(settings, org_a, recorded)
    headers = org_a.headers["producer"]
    started = client.post("/graphql", json={"query": "mutation($s: String!) { studioRender(session: $s, "
                                                     "graphicsOnly: true) { jobId status } }",
                                            "variables": {"s": session}}, headers=headers).json()
    assert "errors" not in started, started
    job_id = started["data"]["studioRender"]["jobId"]
    seen: list[tuple[str, float]] = []
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": headers["Authorization"]}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($j: ID!) { renderProgress(jobId: $j) { status progress error } }",
            "variables": {"j": job_id}}})
        for _ in range(400):
            message = ws.receive_json()
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            update = message["payload"]["data"]["renderProgress"]
            seen.append((update["status"], update["progress"]))
    assert seen[-1] == ("done", 1.0), seen
    assert [p for _, p in seen] == sorted(p for _, p in seen)


def test_render_minutes_are_usage_per_project(client: Any, settings: Any, org_b: Org, recorded: Path) -> None:
    """A render job's minutes of work land in the usage rows billing reads, under the project it names."""
    org = make_org(client, "renders")
    session = _session_in_storage(settings, org, recorded)
    owner = org.headers["owner"]
    project = client.post("/api/v1/projects", json={"name": "highlights"}, headers=owner).json()["id"]
    foreign = client.post("/api/v1/projects", json={"name": "theirs"}, headers=org_b.headers["owner"]).json()["id"]
    body = {"session": session, "hands": "1", "preset": "ultrafast", "graphics_only": True}
    refused = client.post("/api/v1/studio/render", json={**body, "project_id": foreign}, headers=org.headers["producer"])
    assert refused.status_code == 404  # another organisation's project
    mutation = {"query": "mutation($s: String!, $p: ID) { studioRender(session: $s, graphicsOnly: true, projectId: $p) "
                         "{ jobId } }", "variables": {"s": session, "p": foreign}}
    hidden = client.post("/graphql", json=mutation, headers=org.headers["producer"]).json()
    assert hidden["data"] is None and "not found" in hidden["errors"][0]["message"]
    started = client.post("/api/v1/studio/render", json={**body, "project_id": project},
                          headers=org.headers["producer"])
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    deadline = time.monotonic() + 300
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/studio/render/{job_id}", headers=org.headers["viewer"]).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    minutes = job["render_seconds"] / 60
    assert minutes > 0
    report = client.get("/api/v1/analytics/usage", headers=org.headers["admin"]).json()
    assert report["totals"]["render_minutes"] == pytest.approx(minutes)
    (row,) = report["daily"]
    assert row["project_id"] == project and row["project"] == "highlights"
    only = client.get("/api/v1/analytics/usage", params={"project_id": project}, headers=org.headers["admin"]).json()
    assert only["totals"]["render_minutes"] == pytest.approx(minutes)
    month = client.get("/api/v1/billing/usage", headers=org.headers["admin"]).json()["totals"]
    assert month["render_minutes"] == pytest.approx(minutes)  # the same rows invoices add up
    assert client.get("/api/v1/analytics/usage", headers=org_b.headers["owner"]).json()["totals"].get(
        "render_minutes", 0) == 0

"""The same API through real Ray Serve: gateway → deployment handles → services, on a throwaway cluster."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from svc_helpers import GRAPH_YAML, PASSWORD, free_port, healthy, make_org, stream_with_event_logs

pytestmark = [pytest.mark.ray, pytest.mark.slow]
SERVE_ANALYTICS_CAP = 20_000  # bytes: a 1-hand simulated log (~8 kB) is under it, a 6-hand one (~48 kB) over


@pytest.fixture(scope="module")
def serve_url(settings: Any, database_url: str) -> Iterator[str]:
    """Serve on 127.0.0.1:<free port> over the session database (SQLite only: one cluster per session)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the Serve path runs once, on SQLite")
    ray = pytest.importorskip("ray")
    from ray import serve

    from ggpgfx.services.serve_app import deploy

    started_ray = not ray.is_initialized()  # deploy() starts a local cluster (free ports, no dashboard)
    port = free_port()
    # streams run on the Ray executor here: fragment actors on the same cluster as the services
    # the analytics cap is lowered so that a small simulated log takes the background-job path
    deploy(dataclasses.replace(settings, stream_executor="ray", analytics_max_log_bytes=SERVE_ANALYTICS_CAP),
           host="127.0.0.1", port=port)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not healthy(url):
        time.sleep(0.3)
    try:
        yield url
    finally:
        serve.shutdown()
        if started_ray:
            ray.shutdown()


def test_flow_through_serve(serve_url: str) -> None:
    """Sign-up, login, projects, tenancy, a stream run and GraphQL all answer through the Serve proxy."""
    with httpx.Client(base_url=serve_url, timeout=30) as http:
        tokens = {}
        for name in ("serve-a", "serve-b"):
            email = f"{name}-{time.time_ns()}@x.test"
            assert http.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                           "organization_name": name}).status_code == 201
            tokens[name] = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
        a = {"Authorization": f"Bearer {tokens['serve-a']['access_token']}"}
        b = {"Authorization": f"Bearer {tokens['serve-b']['access_token']}"}
        project = http.post("/api/v1/projects", json={"name": "via serve"}, headers=a).json()["id"]
        assert [p["id"] for p in http.get("/api/v1/projects", headers=a).json()] == [project]
        # reads answered in the gateway see writes made in the projects replica at once
        assert http.put(f"/api/v1/projects/{project}", json={"name": "renamed"}, headers=a).status_code == 200
        assert http.get(f"/api/v1/projects/{project}", headers=a).json()["name"] == "renamed"
        assert [p["name"] for p in http.get("/api/v1/projects", headers=a).json()] == ["renamed"]
        assert http.get("/api/v1/projects", headers=b).json() == []
        assert http.get(f"/api/v1/projects/{project}", headers=b).status_code == 404
        assert http.get("/api/v1/projects").status_code == 401
        invalid = http.post(f"/api/v1/projects/{project}/versions", json={"yaml": "nodes: {x: {type: no.such}}"}, headers=a)
        assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"][2] == 1
        assert http.post(f"/api/v1/projects/{project}/versions", json={"yaml": GRAPH_YAML}, headers=a).status_code == 201
        stream = http.post("/api/v1/streams/start", json={"project_id": project}, headers=a)
        assert stream.status_code == 201, stream.text
        deadline = time.monotonic() + 30  # fragment actors start, then report metrics about once a second
        while time.monotonic() < deadline:
            status = http.get(f"/api/v1/streams/{stream.json()['id']}", headers=a).json()
            if status["stats"].get("out", {}).get("messages_in", 0) > 0:
                break
            time.sleep(0.5)
        assert status["status"] == "running", status
        assert status["stats"]["out"]["messages_in"] > 0, status
        stopped = http.post("/api/v1/streams/stop", json={"stream_id": stream.json()["id"]}, headers=a).json()
        assert stopped["status"] == "stopped"
        refreshed = http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["serve-a"]["refresh_token"]})
        assert refreshed.status_code == 200
        reuse = http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["serve-a"]["refresh_token"]})
        assert reuse.status_code == 401
        graphql = http.post("/graphql", json={"query": "{ projects { name } }"}, headers=b).json()
        assert graphql["data"]["projects"] == []
        assert "openapi" in http.get("/openapi.json").json()
        assert http.get("/docs").status_code == 200


def test_tournament_through_serve(serve_url: str) -> None:
    """Tournaments are hosted by the projects deployment: writes, reads, the state message and a CSV error
    (its line-numbered diagnostics cross from the replica to the gateway) all answer through Serve."""
    with httpx.Client(base_url=serve_url, timeout=30) as http:
        email = f"serve-t-{time.time_ns()}@x.test"
        assert http.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                       "organization_name": "serve-t"}).status_code == 201
        h = {"Authorization": f"Bearer {http.post('/api/v1/auth/login', json={'email': email, 'password': PASSWORD}).json()['access_token']}"}
        event = http.post("/api/v1/events", json={"name": "Serve Open", "buy_in": 50}, headers=h).json()["id"]
        bad = http.post(f"/api/v1/events/{event}/structure/csv", headers=h,
                        json={"csv": "level,small_blind,big_blind,minutes\n1,100,200,20\n2,x,400,20\n"})
        assert bad.status_code == 422, bad.text
        assert bad.json()["detail"][0]["loc"] == ["body", "csv", 3, 0] and "line 3" in bad.json()["detail"][0]["msg"]
        player = http.post("/api/v1/players", json={"name": "Serve Sam", "country": "fi"}, headers=h).json()["id"]
        entry = http.post(f"/api/v1/events/{event}/entries", json={"player_id": player}, headers=h).json()["id"]
        counted = http.put(f"/api/v1/events/{event}/entries/{entry}/chips", json={"chips": 12345}, headers=h).json()
        assert counted["chips"] == 12345 and counted["chips_version"] == 2
        state = http.get(f"/api/v1/events/{event}/state", headers=h).json()
        assert state["players"][0]["chips"] == 12345 and state["players"][0]["country"] == "FI"


def test_stream_analytics_through_serve(serve_url: str, settings: Any) -> None:
    """The analytics routes through the Serve gateway and the streams replica: a small log answers at once
    (JSON and CSV), a log over the cap becomes a background job in the replica (Ray Data inside the cluster)
    whose status, result and GraphQL view come back through the gateway."""
    from ggpgfx.analytics.hands import hands_by_table, log_events
    from ggpgfx.analytics.show import analytics_of_table
    from ggpgfx.analytics.simulate import simulate_show
    from ggpgfx.policy import organization_storage
    from ggpgfx.services.base import ServiceContext

    context = ServiceContext(settings, migrate=False)
    try:
        with httpx.Client(base_url=serve_url, timeout=60) as http:
            org = make_org(http, "serve-show")
            storage = organization_storage(settings.home, org.id)
            small, big = storage / "events" / "small", storage / "events" / "big"
            simulate_show(small, 1, seed=2)
            simulate_show(big, 6, seed=7)
            small_stream = stream_with_event_logs(http, org, {"log": small}, context)
            big_stream = stream_with_event_logs(http, org, {"log": big}, context)
            viewer = org.headers["viewer"]

            direct = http.get(f"/api/v1/streams/{small_stream}/analytics", headers=viewer)
            assert direct.status_code == 200, direct.text
            assert direct.json()["hands"] == 1
            csv_text = http.get(f"/api/v1/streams/{small_stream}/analytics", params={"format": "csv"}, headers=viewer)
            assert csv_text.headers["content-type"].startswith("text/csv") and "player" in csv_text.text

            started = http.get(f"/api/v1/streams/{big_stream}/analytics", headers=viewer)
            assert started.status_code == 202, started.text
            job_id = started.json()["job"]["job_id"]
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                job = http.get(f"/api/v1/analytics/jobs/{job_id}", headers=viewer).json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.5)
            assert job["status"] == "done", job
            result = http.get(f"/api/v1/analytics/jobs/{job_id}/result", headers=viewer).json()
            expected = analytics_of_table(hands_by_table(log_events(big)))
            assert result["hands"] == 6 and result["players"] == expected["players"]
            assert result["biggest_pots"] == expected["biggest_pots"]
            query = {"query": "query($id: ID!) { analyticsJob(id: $id) { status result } }", "variables": {"id": job_id}}
            answer = http.post("/graphql", json=query, headers=viewer).json()
            assert answer["data"]["analyticsJob"]["result"]["hands"] == 6, answer
            assert http.get(f"/api/v1/analytics/jobs/{job_id}",
                            headers=make_org(http, "serve-show-b").headers["owner"]).status_code == 404
    finally:
        context.close()

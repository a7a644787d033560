"""Usage analytics: per project and day from the same usage rows billing invoices; CSV export; roles."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from svc_helpers import Resources, make_org


def test_usage_report_matches_billing(client: Any) -> None:
    org = make_org(client, "usage")
    res = Resources(client, org)
    project = res.shared("project")
    destination = res.fresh_destination()
    services = client.app.state.backend.services
    from ggpgfx.services.models import GraphVersion, Stream

    with services["context"].session() as session:
        version = session.query(GraphVersion).filter_by(project_id=project).first()
        stream = Stream(organization_id=org.id, project_id=project, graph_version_id=version.id, status="stopped",
                        settings={"destination_ids": [destination]})
        session.add(stream)
        session.flush()
        stream_id = stream.id
    billing = services["billing"]
    billing.record_usage(org.id, stream_id, {"stream_minutes": 90.0, "gpu_seconds": 1800.0})
    billing.record_usage(org.id, stream_id, {"stream_minutes": 30.0, "output_bytes": 2.5e9})

    report = client.get("/api/v1/analytics/usage", headers=org.headers["admin"])
    assert report.status_code == 200, report.text
    body = report.json()
    month = client.get("/api/v1/billing/usage", headers=org.headers["admin"]).json()["totals"]
    assert body["totals"]["stream_hours"] == pytest.approx(month["stream_minutes"] / 60) == pytest.approx(2.0)
    assert body["totals"]["gpu_hours"] == pytest.approx(month["gpu_seconds"] / 3600) == pytest.approx(0.5)
    assert body["totals"]["output_gb"] == pytest.approx(2.5)
    assert body["output_hours_by_destination"] == {"twitch": pytest.approx(2.0)}
    (row,) = body["daily"]
    assert row["project_id"] == project and row["project"] == "p" and row["output_hours:twitch"] == pytest.approx(2.0)

    only = client.get("/api/v1/analytics/usage", params={"project_id": project}, headers=org.headers["owner"]).json()
    assert only["totals"]["stream_hours"] == pytest.approx(2.0)
    text = client.get("/api/v1/analytics/usage", params={"format": "csv"}, headers=org.headers["admin"])
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert float(rows[0]["stream_hours"]) == pytest.approx(2.0) and rows[0]["project"] == "p"

    assert client.get("/api/v1/analytics/usage", headers=org.headers["producer"]).status_code == 403
    assert client.get("/api/v1/analytics/usage", params={"days": 0}, headers=org.headers["admin"]).status_code == 422
    missing = client.get("/api/v1/analytics/usage", params={"project_id": "nope"}, headers=org.headers["admin"])
    assert missing.status_code == 404
    other = make_org(client, "usage-b")  # nothing crosses organisations
    assert client.get("/api/v1/analytics/usage", headers=other.headers["owner"]).json()["totals"] == {}


def test_usage_report_over_graphql(client: Any) -> None:
    org = make_org(client, "usage-gql")
    query = "{ usageReport(days: 7) }"
    answer = client.post("/graphql", json={"query": query}, headers=org.headers["admin"]).json()
    assert answer["data"]["usageReport"]["totals"] == {} and answer["data"]["usageReport"]["daily"] == []
    denied = client.post("/graphql", json={"query": query}, headers=org.headers["viewer"]).json()
    assert denied["data"] is None and denied["errors"]


ONE_HAND = """[1]
variant = "NT"
antes = [0, 0]
blinds_or_straddles = [100, 200]
min_bet = 200
starting_stacks = [20000, 20000]
actions = ["d dh p1 AsKs", "d dh p2 7c2d", "p2 f"]
players = ["Usage A", "Usage B"]
"""


def test_usage_counts_every_recorded_hand_and_table(client: Any) -> None:
    """Hands come from the tournament's recorded PHH (a text with several `[n]` sections counts each hand);
    tables are the distinct tables hands were recorded at; both are per day, organisation-wide."""
    org = make_org(client, "usage-hands")
    producer = org.headers["producer"]
    event = client.post("/api/v1/events", json={"name": "Usage Open", "buy_in": 10}, headers=producer).json()["id"]
    tables = [client.post(f"/api/v1/events/{event}/tables", json={"name": f"T{i}"}, headers=producer).json()["id"]
              for i in (1, 2)]
    two_hands = ONE_HAND + "\n" + ONE_HAND.replace("[1]", "[2]").replace("7c2d", "8c3d")
    for body in ({"phh": two_hands, "table_id": tables[0]}, {"phh": ONE_HAND, "table_id": tables[1]},
                 {"phh": ONE_HAND, "table_id": tables[0]}, {"phh": ONE_HAND}):
        stored = client.post(f"/api/v1/events/{event}/hands", json=body, headers=producer)
        assert stored.status_code == 201, stored.text
    assert stored.json()["hands"] == 1
    report = client.get("/api/v1/analytics/usage", headers=org.headers["admin"]).json()
    assert report["totals"]["hands"] == 5 and report["totals"]["tables"] == 2
    (row,) = [r for r in report["daily"] if "hands" in r]
    assert row["hands"] == 5 and row["tables"] == 2 and row["project_id"] is None

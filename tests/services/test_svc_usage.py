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

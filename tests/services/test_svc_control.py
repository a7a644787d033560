"""A platform stream's control endpoint: producers act, viewers watch, every action is audited (REST + WebSocket)."""

from __future__ import annotations

import json
from typing import Any

from svc_helpers import Org

LIVE_GRAPH = """
name: platform-live
settings: {fps: 30, realtime: true}
nodes:
  console: {type: ingest.operator, params: {table: table-1}}
  rules: {type: rules.poker, params: {equity: false, drain_s: 0}}
  sink: {type: sink.null}
edges:
  - console.actions -> rules.actions
  - rules.state -> sink.inp
"""
NEW_HAND = {"button": 2, "small_blind": 50, "big_blind": 100,
            "seats": [{"seat": 1, "name": "Ann", "stack": 5_000}, {"seat": 2, "name": "Bob", "stack": 5_000}]}


def _start(client: Any, org: Org) -> str:
    owner = org.headers["owner"]
    project = client.post("/api/v1/projects", json={"name": "live"}, headers=owner)
    assert project.status_code == 201, project.text
    version = client.post(f"/api/v1/projects/{project.json()['id']}/versions", json={"yaml": LIVE_GRAPH}, headers=owner)
    assert version.status_code == 201, version.text
    started = client.post("/api/v1/streams/start", json={"project_id": project.json()["id"]},
                          headers=org.headers["producer"])
    assert started.status_code == 201, started.text
    return str(started.json()["id"])


def test_stream_control_behind_platform_auth(client: Any, org_a: Org, org_b: Org) -> None:
    stream = _start(client, org_a)
    base = f"/api/v1/streams/{stream}/control/v1"
    try:
        assert client.get(f"{base}/tables").status_code == 401
        assert client.get(f"{base}/tables", headers=org_b.headers["owner"]).status_code == 404  # another tenant
        assert client.get(f"{base}/tables", headers=org_a.headers["viewer"]).json() == ["table-1"]
        denied = client.post(f"{base}/tables/table-1/new_hand", json=NEW_HAND, headers=org_a.headers["viewer"])
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
        acked = client.post(f"{base}/tables/table-1/new_hand", json=NEW_HAND,
                            headers={**org_a.headers["producer"], "Idempotency-Key": "platform-1"})
        assert acked.status_code == 200 and acked.json() == {"type": "ack", "id": "platform-1", "version": 1}
        illegal = client.post(f"{base}/tables/table-1/bet", json={"seat": 2, "amount": 120},
                              headers=org_a.headers["producer"])
        assert illegal.status_code == 409 and "minimum raise is to 200" in illegal.json()["error"]["message"]
        viewer_token = org_a.headers["viewer"]["Authorization"][7:]
        with client.websocket_connect(f"{base}/ws?session={viewer_token}") as ws:
            assert json.loads(ws.receive_text())["type"] == "state"
            ws.send_text(json.dumps({"id": "v-1", "verb": "fold", "table": "table-1", "args": {"seat": 2}}))
            replies = [json.loads(ws.receive_text()) for _ in range(3)]
            assert any(r["type"] == "reject" and r["error"]["code"] == "forbidden" for r in replies)
        producer_token = org_a.headers["producer"]["Authorization"][7:]
        with client.websocket_connect(f"{base}/ws?session={producer_token}") as ws:
            ws.send_text(json.dumps({"id": "p-1", "verb": "fold", "table": "table-1", "args": {"seat": 2}}))
            for _ in range(20):
                message = json.loads(ws.receive_text())
                if message.get("id") == "p-1":
                    assert message == {"type": "ack", "id": "p-1", "version": 2}
                    break
        state = client.get(f"{base}/tables/table-1/state", headers=org_a.headers["viewer"]).json()
        assert state["version"] == 2 and state["state"]["street"] == "complete"
        audit = client.get("/api/v1/audit", params={"limit": 50}, headers=org_a.headers["owner"]).json()
        control = [e for e in audit if e["action"] == "stream.control" and e["target"] == f"stream:{stream}"]
        assert sorted(e["detail"]["verb"] for e in control) == ["fold", "new_hand"]
    finally:
        client.post("/api/v1/streams/stop", json={"stream_id": stream}, headers=org_a.headers["producer"])


def test_graphql_control_mutation_and_table_state_subscription(client: Any, org_a: Org) -> None:
    stream = _start(client, org_a)
    query = ("mutation($s: ID!, $a: JSON) { controlTable(streamId: $s, table: \"table-1\", verb: \"new_hand\", "
             "id: \"gql-1\", args: $a) { type id version code message } }")
    try:
        denied = client.post("/graphql", json={"query": query, "variables": {"s": stream, "a": NEW_HAND}},
                             headers=org_a.headers["viewer"]).json()
        assert denied["data"] is None and denied["errors"]
        acked = client.post("/graphql", json={"query": query, "variables": {"s": stream, "a": NEW_HAND}},
                            headers=org_a.headers["producer"]).json()
        assert acked["data"]["controlTable"] == {"type": "ack", "id": "gql-1", "version": 1, "code": None,
                                                 "message": None}
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": org_a.headers["viewer"]["Authorization"]}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription($s: ID!) { tableState(streamId: $s) { version state } }",
                "variables": {"s": stream}}})
            first = ws.receive_json()
            assert first["type"] == "next", first
            update = first["payload"]["data"]["tableState"]
            assert update["version"] == 1 and update["state"]["to_act"] == 2  # heads-up: the button acts first
            fold = query.replace("new_hand", "fold").replace("gql-1", "gql-2")
            reply = client.post("/graphql", json={"query": fold, "variables": {"s": stream, "a": {"seat": 2}}},
                                headers=org_a.headers["producer"]).json()["data"]["controlTable"]
            assert reply["type"] == "ack" and reply["version"] == 2
            second = ws.receive_json()
            assert second["payload"]["data"]["tableState"]["version"] == 2
            ws.send_json({"id": "1", "type": "complete"})
    finally:
        client.post("/api/v1/streams/stop", json={"stream_id": stream}, headers=org_a.headers["producer"])

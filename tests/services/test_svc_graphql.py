"""GraphQL: the seed's queries and mutations over HTTP, subscriptions over WebSocket, same auth and scoping."""

from __future__ import annotations

from typing import Any

from svc_helpers import GRAPH_YAML, Org, activate_plan

Q = "/graphql"


def _gql(client: Any, query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    response = client.post(Q, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_queries_and_mutations(client: Any, org_a: Org, org_b: Org) -> None:
    """createProject / updateProject / project / projects / user, scoped to the caller's organisation."""
    created = _gql(client, "mutation($i: ProjectInput!) { createProject(input: $i) { id name } }",
                   org_a.headers["producer"], i={"name": "gql project", "description": "x"})
    project_id = created["data"]["createProject"]["id"]
    updated = _gql(client, "mutation($id: ID!, $i: ProjectInput!) { updateProject(id: $id, input: $i) { name description } }",
                   org_a.headers["producer"], id=project_id, i={"name": "renamed", "description": "y"})
    assert updated["data"]["updateProject"] == {"name": "renamed", "description": "y"}
    listed = _gql(client, '{ projects(filter: {nameContains: "renamed"}) { id name latestVersion } }', org_a.headers["viewer"])
    assert [p["id"] for p in listed["data"]["projects"]] == [project_id]
    mine = _gql(client, "query($id: ID!) { project(id: $id) { name } }", org_a.headers["viewer"], id=project_id)
    assert mine["data"]["project"] == {"name": "renamed"}
    theirs = _gql(client, "query($id: ID!) { project(id: $id) { name } }", org_b.headers["owner"], id=project_id)
    assert theirs["data"]["project"] is None
    user = _gql(client, "query($id: ID!) { user(id: $id) { email } }", org_a.headers["viewer"], id=org_a.users["admin"])
    assert user["data"]["user"]["email"] == org_a.emails["admin"]
    stranger = _gql(client, "query($id: ID!) { user(id: $id) { email } }", org_b.headers["owner"], id=org_a.users["admin"])
    assert stranger["data"]["user"] is None
    denied = _gql(client, "mutation { createProject(input: {name: \"v\"}) { id } }", org_a.headers["viewer"])
    assert denied["data"] is None and "producer" in denied["errors"][0]["message"]
    anonymous = _gql(client, "{ projects { id } }", {})
    assert "authentication required" in anonymous["errors"][0]["message"]


def test_stream_mutations_and_status_subscription(client: Any, settings: Any, org_a: Org) -> None:
    """startStream then streamStatus over graphql-transport-ws until stopStream ends it."""
    headers = org_a.headers["owner"]
    activate_plan(client, settings.stripe_webhook_secret, org_a.id, "enterprise")
    project = client.post("/api/v1/projects", json={"name": "gql stream"}, headers=headers).json()["id"]
    client.post(f"/api/v1/projects/{project}/versions", json={"yaml": GRAPH_YAML}, headers=headers)
    started = _gql(client, "mutation($p: ID!) { startStream(projectId: $p, settings: {realtime: true}) { id status } }",
                   headers, p=project)
    stream_id = started["data"]["startStream"]["id"]
    assert started["data"]["startStream"]["status"] == "running"
    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": headers["Authorization"]}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($s: ID!) { streamStatus(streamId: $s) { streamId status } }", "variables": {"s": stream_id}}})
        first = ws.receive_json()
        assert first["type"] == "next", first
        assert first["payload"]["data"]["streamStatus"]["status"] == "running"
        stopped = _gql(client, "mutation($s: ID!) { stopStream(streamId: $s) { status } }", headers, s=stream_id)
        assert stopped["data"]["stopStream"]["status"] == "stopped"
        statuses = []
        for _ in range(20):
            message = ws.receive_json()
            if message["type"] == "complete":
                break
            statuses.append(message["payload"]["data"]["streamStatus"]["status"])
        assert statuses[-1] == "stopped"


def test_subscription_needs_auth_and_scope(client: Any, org_a: Org, org_b: Org) -> None:
    """projectUpdated yields for one's own project; another tenant gets an error, not data."""
    project = client.post("/api/v1/projects", json={"name": "watch"}, headers=org_a.headers["producer"]).json()["id"]
    query = "subscription($p: ID!) { projectUpdated(projectId: $p) { name } }"
    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": org_a.headers["viewer"]["Authorization"]}})
        ws.receive_json()
        ws.send_json({"id": "a", "type": "subscribe", "payload": {"query": query, "variables": {"p": project}}})
        assert ws.receive_json()["payload"]["data"]["projectUpdated"]["name"] == "watch"
        client.put(f"/api/v1/projects/{project}", json={"name": "watch 2"}, headers=org_a.headers["producer"])
        assert ws.receive_json()["payload"]["data"]["projectUpdated"]["name"] == "watch 2"
        ws.send_json({"id": "a", "type": "complete"})
    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": org_b.headers["owner"]["Authorization"]}})
        ws.receive_json()
        ws.send_json({"id": "b", "type": "subscribe", "payload": {"query": query, "variables": {"p": project}}})
        message = ws.receive_json()
        text = str(message)
        assert "watch" not in text and "not found" in text

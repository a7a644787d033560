"""GraphQL abuse (issue #20 items 4 and 7): subscriptions end with the session; depth, alias and cost
limits; introspection and GraphiQL off by default; WebSocket rate limit; subscriptions per socket."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from svc_helpers import PASSWORD, Org, bearer, login

Q = "/graphql"
WATCH = "subscription($p: ID!) { projectUpdated(projectId: $p) { name } }"


@pytest.fixture(scope="module")
def limited(settings: Any) -> Iterator[Any]:
    """A client over a fresh app with the default GraphQL and WebSocket limits."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import Settings

    d = Settings(home=settings.home, database_url="", secret_key=b"", jwt_key=b"")
    own = dataclasses.replace(settings, ws_rate_per_s=d.ws_rate_per_s, ws_burst=d.ws_burst,
                              graphql_introspection=False)
    with TestClient(create_local_app(own)) as client:
        yield client


def _gql(client: Any, query: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(Q, json={"query": query}, headers=headers)
    return dict(response.json())


def _fresh_session(client: Any, org: Org, role: str) -> dict[str, str]:
    return bearer(login(client, org.emails[role], org.id)["access_token"])


def _subscribe(ws: Any, headers: dict[str, str], project: str, op_id: str = "1") -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": headers["Authorization"]}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": WATCH, "variables": {"p": project}}})


def test_subscription_ends_at_logout(client: Any, org_a: Org) -> None:
    project = client.post("/api/v1/projects", json={"name": "w"}, headers=org_a.headers["producer"]).json()["id"]
    viewer = _fresh_session(client, org_a, "viewer")
    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        _subscribe(ws, viewer, project)
        assert ws.receive_json()["payload"]["data"]["projectUpdated"]["name"] == "w"
        assert client.post("/api/v1/auth/logout", headers=viewer).status_code == 204
        client.put(f"/api/v1/projects/{project}", json={"name": "secret plan"}, headers=org_a.headers["producer"])
        message = ws.receive_json()
        assert message["payload"]["data"] is None and "session revoked" in str(message["payload"]["errors"]), message
        assert "secret plan" not in str(message)
        assert ws.receive_json() == {"id": "1", "type": "complete"}  # the subscription is over


def test_subscription_ends_when_the_member_is_removed(client: Any, org_a: Org) -> None:
    email = f"watcher-{secrets.token_hex(4)}@gql.test"
    user = client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                    "organization_name": "w-home"}).json()["user"]["id"]
    client.post("/api/v1/members", json={"email": email, "role": "viewer"}, headers=org_a.headers["owner"])
    headers = bearer(login(client, email, org_a.id)["access_token"])
    project = client.post("/api/v1/projects", json={"name": "r"}, headers=org_a.headers["producer"]).json()["id"]
    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        _subscribe(ws, headers, project)
        assert ws.receive_json()["type"] == "next"
        assert client.delete(f"/api/v1/members/{user}", headers=org_a.headers["owner"]).status_code == 204
        client.put(f"/api/v1/projects/{project}", json={"name": "after removal"}, headers=org_a.headers["producer"])
        message = ws.receive_json()
        assert message["payload"]["data"] is None and "session revoked" in str(message["payload"]["errors"]), message
        assert ws.receive_json() == {"id": "1", "type": "complete"}


def test_aliases_depth_and_cost_are_limited(limited: Any, org_a: Org) -> None:
    headers = org_a.headers["viewer"]
    from sqlalchemy import event

    many = "{ " + " ".join(f"p{i}: projects {{ id }}" for i in range(2000)) + " }"
    statements: list[str] = []
    engine = limited.app.state.backend.services["context"].engine

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        refused = _gql(limited, many, headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert not any("FROM projects" in x for x in statements), len(statements)  # refused before running
    assert refused.get("data") is None and "aliases" in str(refused["errors"]).lower(), str(refused)[:300]
    costly = "{ " + " ".join(f"p{i}: projects {{ id name }}" for i in range(12)) + " }"
    refused = _gql(limited, costly, headers)
    assert refused.get("data") is None and "too expensive" in str(refused["errors"]), str(refused)[:300]
    deep = "fragment F on Project { id } { projects { id " + "... on Project { " * 3 + "...F" + " }" * 3 + " } }"
    assert "errors" not in _gql(limited, deep, headers)  # fragments and inline fragments are fine within limits
    nine = "query Deep { " + "projects { " * 9 + "id" + " }" * 9 + " }"
    assert "depth" in str(_gql(limited, nine, headers)["errors"]).lower()
    assert _gql(limited, "{ projects { id name } }", headers)["data"]["projects"] is not None


def test_introspection_and_graphiql_are_off_by_default(limited: Any, org_a: Org, settings: Any) -> None:
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app

    answer = _gql(limited, "{ __schema { types { name } } }", org_a.headers["viewer"])
    assert answer.get("data") is None and "introspection" in str(answer["errors"]).lower()
    assert "graphiql" not in limited.get(Q, headers={"Accept": "text/html"}).text.lower()
    with TestClient(create_local_app(dataclasses.replace(settings, graphql_introspection=True))) as opened:
        assert _gql(opened, "{ __schema { queryType { name } } }", org_a.headers["viewer"])["data"]["__schema"]
        assert "graphiql" in opened.get(Q, headers={"Accept": "text/html"}).text.lower()


def test_subscriptions_per_socket_are_capped(limited: Any, org_a: Org) -> None:
    project = limited.post("/api/v1/projects", json={"name": "cap"}, headers=org_a.headers["producer"]).json()["id"]
    with limited.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        _subscribe(ws, org_a.headers["viewer"], project, "0")
        for i in range(1, 6):
            ws.send_json({"id": str(i), "type": "subscribe", "payload": {"query": WATCH, "variables": {"p": project}}})
        seen: dict[str, str] = {}
        deadline = time.monotonic() + 10
        while len(seen) < 6 and time.monotonic() < deadline:
            message = ws.receive_json()
            seen.setdefault(message["id"], message["type"])
        assert sorted(seen.values()) == ["error"] + ["next"] * 5, seen
        assert seen["5"] == "error"


def test_websocket_messages_are_rate_limited(limited: Any, org_a: Org) -> None:
    from starlette.websockets import WebSocketDisconnect

    with limited.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": org_a.headers["viewer"]["Authorization"]}})
        assert ws.receive_json()["type"] == "connection_ack"
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(200):
                ws.send_json({"type": "ping"})
                ws.receive_json()
        assert closed.value.code == 4429

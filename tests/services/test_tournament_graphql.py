"""Tournaments over GraphQL: queries, mutations (same roles and tenancy as REST) and the tournamentState
subscription, which sends the state message again after a chip count changes."""

from __future__ import annotations

from typing import Any

from svc_helpers import Org

Q = "/graphql"
P = "/api/v1"


def _gql(client: Any, query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    response = client.post(Q, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_tournament_queries_mutations_and_subscription(client: Any, org_a: Org, org_b: Org) -> None:
    """Create players and an event, seat them, count chips, run the clock and bust a player through GraphQL;
    the subscription emits the state now and again after a count."""
    op, viewer = org_a.headers["producer"], org_a.headers["viewer"]
    created = _gql(client, "mutation($e: EventInput!) { createTournamentEvent(input: $e) { id version } }", op,
                   e={"name": "GQL Cup", "buyIn": 100, "startingStack": 10000})
    event = created["data"]["createTournamentEvent"]["id"]
    levels = {"levels": [{"small_blind": 50, "big_blind": 100, "duration_s": 600},
                         {"small_blind": 100, "big_blind": 200, "duration_s": 600}]}
    assert client.put(f"{P}/events/{event}/structure", json=levels, headers=op).status_code == 200
    table = client.post(f"{P}/events/{event}/tables", json={"name": "T1", "seats": 6}, headers=op).json()["id"]
    ids = []
    for name, country in (("Ana", "es"), ("Ben", "au"), ("Cy", "nz")):
        out = _gql(client, "mutation($p: PlayerInput!) { createPlayer(input: $p) { id country } }", op,
                   p={"name": f"{name} {event[:4]}", "country": country})
        assert out["data"]["createPlayer"]["country"] == country.upper()
        ids.append(out["data"]["createPlayer"]["id"])
        assert client.post(f"{P}/events/{event}/entries", json={"player_id": ids[-1], "table_id": table},
                           headers=op).status_code == 201
    bad = _gql(client, "mutation($p: PlayerInput!) { createPlayer(input: $p) { id } }", op, p={"name": "X", "country": "XX"})
    assert bad["data"] is None and "ISO 3166" in bad["errors"][0]["message"]
    found = _gql(client, "query($s: String) { players(search: $s) { id name } }", viewer, s=f"ana {event[:4]}")
    assert [p["id"] for p in found["data"]["players"]] == [ids[0]]
    entries = _gql(client, "query($e: ID!) { eventEntries(eventId: $e) { id playerId seat chips chipsVersion } }",
                   viewer, e=event)["data"]["eventEntries"]
    assert sorted(e["seat"] for e in entries) == [1, 2, 3] and {e["chips"] for e in entries} == {10000}

    with client.websocket_connect(Q, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": viewer["Authorization"]}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($e: ID!) { tournamentState(eventId: $e) { version state } }",
            "variables": {"e": event}}})
        first = ws.receive_json()
        assert first["type"] == "next", first
        state = first["payload"]["data"]["tournamentState"]["state"]
        assert state["field"]["players_remaining"] == 3 and state["event"]["name"] == "GQL Cup"
        counted = _gql(client, """mutation($e: ID!, $c: [ChipCountInput!]!) {
            bulkChipCounts(eventId: $e, counts: $c) { playerId chips chipsVersion } }""", op, e=event,
                       c=[{"table": "T1", "seat": 1, "chips": 15000}, {"table": "T1", "seat": 2, "chips": 5000}])
        assert [r["chips"] for r in counted["data"]["bulkChipCounts"]] == [15000, 5000]
        second = ws.receive_json()
        assert second["type"] == "next", second
        update = second["payload"]["data"]["tournamentState"]
        assert update["version"] > first["payload"]["data"]["tournamentState"]["version"]
        by_seat = {p["seat"]: p["chips"] for p in update["state"]["players"]}
        assert by_seat == {1: 15000, 2: 5000, 3: 10000}
        ws.send_json({"id": "1", "type": "complete"})

    clock = _gql(client, "mutation($e: ID!) { clockAction(eventId: $e, action: \"start\") { running bigBlind nextBigBlind } }",
                 op, e=event)["data"]["clockAction"]
    assert clock == {"running": True, "bigBlind": 100, "nextBigBlind": 200}
    jumped = _gql(client, "mutation($e: ID!) { clockAction(eventId: $e, action: \"jump\", levelIndex: 1) { levelNumber } }",
                  op, e=event)
    assert jumped["data"]["clockAction"]["levelNumber"] == 2
    cues = _gql(client, "mutation($e: ID!, $c: JSON!) { setGraphicsCues(eventId: $e, cues: $c) { state } }", op,
                e=event, c={"leaderboard": True, "profile": ids[1]})
    assert cues["data"]["setGraphicsCues"]["state"]["graphics"]["profile"] == ids[1]
    out = _gql(client, "mutation($e: ID!, $p: ID!, $b: ID) { eliminatePlayer(eventId: $e, playerId: $p, eliminatedBy: $b) { place prize winner { playerId } } }",
               op, e=event, p=ids[2], b=ids[0])
    assert out["data"]["eliminatePlayer"]["place"] == 3 and out["data"]["eliminatePlayer"]["winner"] is None
    denied = _gql(client, "mutation($e: ID!) { clockAction(eventId: $e, action: \"pause\") { running } }", viewer, e=event)
    assert denied["data"] is None and "producer" in denied["errors"][0]["message"]
    theirs = _gql(client, "query($e: ID!) { tournamentEvent(id: $e) { name } }", org_b.headers["owner"], e=event)
    assert theirs["data"]["tournamentEvent"] is None
    state = _gql(client, "query($e: ID!) { tournamentState(eventId: $e) { state } }", viewer, e=event)
    assert state["data"]["tournamentState"]["state"]["field"]["players_remaining"] == 2

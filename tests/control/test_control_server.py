"""The control endpoint over real sockets: auth, WebSocket pushes, bad input, idempotent retries, REST mirror."""

from __future__ import annotations

import json

import httpx
from control_helpers import NEW_HAND, PHH, Client, receive

from ggpgfx.control.live import LiveRun
from ggpgfx.control.phh_requests import hand_requests
from ggpgfx.poker.phh import load_hands


def test_token_exchange_and_unauthorized_calls(live: LiveRun) -> None:
    base = live.url
    wrong = httpx.post(f"{base}/control/v1/session", json={"token": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
    assert httpx.get(f"{base}/control/v1/tables").status_code == 401
    good = httpx.post(f"{base}/control/v1/session", json={"token": live.server.token})
    assert good.status_code == 200 and good.cookies.get("ggp_session") == good.json()["session"]
    with httpx.Client(base_url=base, cookies={"ggp_session": good.json()["session"]}) as cookie_client:
        assert cookie_client.get("/control/v1/tables").json() == ["table-1"]


def test_websocket_pushes_state_to_every_client_and_survives_bad_input(client: Client) -> None:
    with client.ws() as one, client.ws() as two:
        for ws in (one, two):
            assert receive(ws, "state")["state"]["street"] == "idle"
            health = receive(ws, "health")["health"]
            assert set(health["nodes"]) == {"op", "rules", "states"} and health["rfid"] == "absent"
        one.send("{not json")
        assert receive(one, "error")["error"]["code"] == "bad_request"
        one.send("[1, 2]")
        assert receive(one, "error")["error"]["message"] == "send one JSON object per message"
        for bad, code in ((dict(id="b1", verb="shuffle", table="table-1"), "unknown_verb"),
                          (dict(id="b2", verb="fold", table="table-9", args={"seat": 1}), "unknown_table"),
                          (dict(id="b3", verb="bet", table="table-1", args={"seat": "three"}), "bad_request"),
                          (dict(verb="fold", table="table-1", args={"seat": 1}), "bad_request"),
                          (dict(id="b4", verb="fold", table="table-1", args={"seat": 1}), "no_hand")):
            one.send(json.dumps(bad))
            assert receive(one, "reject")["error"]["code"] == code
        assert client.state()["version"] == 0  # nothing applied, the socket is still up
        one.send(json.dumps({"id": "c-1", "verb": "new_hand", "table": "table-1", "args": NEW_HAND}))
        assert receive(one, "ack") == {"type": "ack", "id": "c-1", "version": 1}
        for ws in (one, two):
            pushed = receive(ws, "state")
            assert pushed["version"] == 1 and pushed["state"]["to_act"] == 3
        one.send(json.dumps({"id": "c-1", "verb": "new_hand", "table": "table-1", "args": NEW_HAND}))
        assert receive(one, "ack")["version"] == 1  # a retry: the same ack, nothing applied
        one.send(json.dumps({"id": "c-2", "verb": "fold", "table": "table-1", "args": {"seat": 3},
                             "expect_version": 1}))
        two.send(json.dumps({"id": "c-3", "verb": "check_call", "table": "table-1", "args": {"seat": 3},
                             "expect_version": 1}))
        replies = [receive(one, "ack"), receive(two, "reject")]
        assert replies[1]["error"]["code"] == "conflict"  # the other console won; this one is told
    assert client.state()["version"] == 2


def test_expired_session_is_refused_with_a_clear_error(live: LiveRun, client: Client) -> None:
    with client.ws() as ws:
        receive(ws, "state")
    live.server.expire_sessions()
    reply = client.http.get("/control/v1/tables/table-1/state")
    assert reply.status_code == 401 and "exchange the console token" in reply.json()["error"]["message"]


def test_rest_mirror_statuses_and_idempotency_key(client: Client) -> None:
    assert client.ok("new_hand", NEW_HAND) == 1
    http = client.http
    first = http.post("/control/v1/tables/table-1/bet", json={"seat": 3, "amount": 300},
                      headers={"Idempotency-Key": "deck-key-1"})
    again = http.post("/control/v1/tables/table-1/bet", json={"seat": 3, "amount": 300},
                      headers={"Idempotency-Key": "deck-key-1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert client.state()["seats"][2]["bet"] == 300
    illegal = http.post("/control/v1/tables/table-1/bet", json={"seat": 1, "amount": 400})
    assert illegal.status_code == 409 and illegal.json()["error"]["message"] == (
        "seat 1 cannot raise to 400: the minimum raise is to 500")
    assert http.post("/control/v1/tables/table-1/actions", content=b"{oops").status_code == 400
    assert http.post("/control/v1/tables/table-1/dance", json={}).status_code == 400
    assert http.post("/control/v1/tables/nope/fold", json={"seat": 1}).status_code == 404
    assert http.get("/control/v1/health").json()["errors"] == []
    page = http.get("/console/")
    assert page.status_code == 200 and "console" in page.text


def test_a_recorded_hand_through_the_protocol_reaches_the_rules_node(live: LiveRun, client: Client) -> None:
    with client.ws() as ws:
        for number, (verb, args) in enumerate(hand_requests(PHH)):
            ws.send(json.dumps({"id": f"h-{number}", "verb": verb, "table": "table-1", "args": args}))
            assert receive(ws, "ack")["version"] == number + 1
    recorded = [int(s) for s in load_hands(PHH)[0].finishing_stacks or []]
    assert [s["stack"] for s in client.state()["seats"]] == recorded
    result = live.stop()
    assert result.error is None
    final = result.collected("states")[-1]
    assert [s.stack for s in final.seats] == recorded and final.street == "complete"

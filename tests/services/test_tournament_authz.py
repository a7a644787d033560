"""Every tournament endpoint x anonymous (401) x the four roles (403 below the role, success at or above)
x another organisation's objects (404), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from svc_helpers import Org

P = "/api/v1"
ROLES = ("viewer", "producer", "admin", "owner")
RANK = {role: i for i, role in enumerate(ROLES)}
LEVELS = {"levels": [{"small_blind": 50, "big_blind": 100, "duration_s": 600},
                     {"small_blind": 100, "big_blind": 200, "duration_s": 600}]}


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(out, format="PNG")
    return out.getvalue()


class Res:
    """An organisation's tournament objects, made by its owner (fresh ones for calls that use them up)."""

    def __init__(self, client: Any, org: Org) -> None:
        self.client, self.org, self.h = client, org, org.headers["owner"]
        self.event, self.table, self.player, self.entry = self.fresh()
        self.client.post(f"{P}/events/{self.event}/hands", headers=self.h, json={"phh": PHH})

    def ok(self, response: Any, status: int = 201) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def fresh(self) -> tuple[str, str, str, str]:
        """(event, table, player, entry): an event with a structure, a started clock, one table and two seated players."""
        event = self.ok(self.client.post(f"{P}/events", json={"name": "authz", "buy_in": 10}, headers=self.h))["id"]
        self.ok(self.client.put(f"{P}/events/{event}/structure", json=LEVELS, headers=self.h), 200)
        self.ok(self.client.post(f"{P}/events/{event}/clock", json={"action": "start"}, headers=self.h), 200)
        table = self.ok(self.client.post(f"{P}/events/{event}/tables", json={"name": "1"}, headers=self.h))["id"]
        entries = []
        for _ in range(2):
            player = self.fresh_player()
            entries.append((player, self.ok(self.client.post(f"{P}/events/{event}/entries", headers=self.h,
                                                             json={"player_id": player, "table_id": table}))["id"]))
        return event, table, entries[0][0], entries[0][1]

    def fresh_player(self) -> str:
        """A new player (unique name)."""
        return str(self.ok(self.client.post(f"{P}/players", json={"name": f"authz {secrets.token_hex(4)}"},
                                            headers=self.h))["id"])

    def fresh_event(self) -> str:
        """A new event with nothing in it."""
        return str(self.ok(self.client.post(f"{P}/events", json={"name": "x"}, headers=self.h))["id"])

    def fresh_table(self) -> str:
        """'<event>/tables/<table>' of a fresh event with two tables and a seated player (a table to break)."""
        event, table, _, _ = self.fresh()
        self.ok(self.client.post(f"{P}/events/{event}/tables", json={"name": "2"}, headers=self.h))
        return f"{event}/tables/{table}"


PHH = """[1]
variant = "NT"
antes = [0, 0]
blinds_or_straddles = [50, 100]
min_bet = 100
starting_stacks = [1000, 1000]
actions = ["d dh p1 AsKs", "d dh p2 7c2d", "p2 f"]
players = ["a", "b"]
"""


@dataclass
class Case:
    """One endpoint: path and body from an organisation's resources, and who may call it."""

    name: str
    method: str
    path: Callable[[Res], str]
    min_role: str
    ok: tuple[int, ...]
    body: Callable[[Res], Any] | None = None
    files: bool = False
    scoped: bool = True  # the path names an object of the organisation whose resources built it


def _event(r: Res) -> str:
    return f"{P}/events/{r.event}"


CASES = [
    Case("list players", "GET", lambda r: f"{P}/players", "viewer", (200,), scoped=False),
    Case("create player", "POST", lambda r: f"{P}/players", "producer", (201,), lambda r: {"name": "n"}, scoped=False),
    Case("get player", "GET", lambda r: f"{P}/players/{r.player}", "viewer", (200,)),
    Case("update player", "PUT", lambda r: f"{P}/players/{r.player}", "producer", (200,), lambda r: {"notes": "x"}),
    Case("delete player", "DELETE", lambda r: f"{P}/players/{r.fresh_player()}", "producer", (204,)),
    Case("upload photo", "POST", lambda r: f"{P}/players/{r.player}/photo", "producer", (200,), files=True),
    Case("get photo", "GET", lambda r: f"{P}/players/{r.player}/photo", "viewer", (200, 404)),
    Case("list events", "GET", lambda r: f"{P}/events", "viewer", (200,), scoped=False),
    Case("create event", "POST", lambda r: f"{P}/events", "producer", (201,), lambda r: {"name": "e"}, scoped=False),
    Case("get event", "GET", _event, "viewer", (200,)),
    Case("update event", "PUT", _event, "producer", (200,), lambda r: {"name": "renamed"}),
    Case("delete event", "DELETE", lambda r: f"{P}/events/{r.fresh_event()}", "admin", (204,)),
    Case("state", "GET", lambda r: f"{_event(r)}/state", "viewer", (200,)),
    Case("graphics", "PUT", lambda r: f"{_event(r)}/graphics", "producer", (200,), lambda r: {"clock": True}),
    Case("get structure", "GET", lambda r: f"{_event(r)}/structure", "viewer", (200,)),
    Case("set structure", "PUT", lambda r: f"{_event(r)}/structure", "producer", (200,), lambda r: LEVELS),
    Case("structure csv", "POST", lambda r: f"{_event(r)}/structure/csv", "producer", (200,),
         lambda r: {"csv": "level,small_blind,big_blind,minutes\n1,50,100,10\n2,100,200,10\n"}),
    Case("get clock", "GET", lambda r: f"{_event(r)}/clock", "viewer", (200,)),
    Case("clock action", "POST", lambda r: f"{_event(r)}/clock", "producer", (200,), lambda r: {"action": "pause"}),
    Case("list tables", "GET", lambda r: f"{_event(r)}/tables", "viewer", (200,)),
    Case("create table", "POST", lambda r: f"{_event(r)}/tables", "producer", (201,),
         lambda r: {"name": secrets.token_hex(3)}),
    Case("break table", "POST", lambda r: f"{P}/events/{r.fresh_table()}/break", "producer", (200,)),
    Case("hand setup", "GET", lambda r: f"{_event(r)}/tables/{r.table}/hand-setup", "viewer", (200,)),
    Case("seating", "POST", lambda r: f"{_event(r)}/seating", "producer", (200,), lambda r: {"action": "balance"}),
    Case("list entries", "GET", lambda r: f"{_event(r)}/entries", "viewer", (200,)),
    Case("create entry", "POST", lambda r: f"{_event(r)}/entries", "producer", (201,),
         lambda r: {"player_id": r.fresh_player()}),
    Case("move entry", "POST", lambda r: f"{_event(r)}/entries/{r.entry}/move", "producer", (200,),
         lambda r: {"table_id": r.table}),
    Case("set chips", "PUT", lambda r: f"{_event(r)}/entries/{r.entry}/chips", "producer", (200,),
         lambda r: {"chips": 12345}),
    Case("bulk chips", "POST", lambda r: f"{_event(r)}/chips", "producer", (200,),
         lambda r: {"counts": [{"entry_id": r.entry, "chips": 777}]}),
    Case("chips csv", "POST", lambda r: f"{_event(r)}/chips/csv", "producer", (200,),
         lambda r: {"csv": f"entry_id,chips\n{r.entry},888\n"}),
    Case("chip history", "GET", lambda r: f"{_event(r)}/chips/history", "viewer", (200,)),
    Case("get payouts", "GET", lambda r: f"{_event(r)}/payouts", "viewer", (200,)),
    Case("set payouts", "PUT", lambda r: f"{_event(r)}/payouts", "producer", (200,), lambda r: {"mode": "curve"}),
    Case("payouts csv", "POST", lambda r: f"{_event(r)}/payouts/csv", "producer", (200,),
         lambda r: {"csv": "place,percent\n1,100\n"}),
    Case("list eliminations", "GET", lambda r: f"{_event(r)}/eliminations", "viewer", (200,)),
    Case("eliminate", "POST", lambda r: f"{P}/events/{r.fresh()[0]}/eliminations", "producer", (201,), None),
    Case("add hands", "POST", lambda r: f"{_event(r)}/hands", "producer", (201,), lambda r: {"phh": PHH}),
    Case("stats", "GET", lambda r: f"{_event(r)}/stats", "viewer", (200,)),
]


@pytest.fixture(scope="module")
def tenants(client: Any, org_a: Org, org_b: Org) -> tuple[Res, Res]:
    """Tournament objects in both organisations."""
    return Res(client, org_a), Res(client, org_b)


def _call(client: Any, case: Case, res: Res, headers: dict[str, str]) -> Any:
    path = case.path(res)
    if case.name == "eliminate":  # the fresh event's first entry, whichever event the path names
        event = path.split("/")[4]
        entries = client.get(f"{P}/events/{event}/entries", headers=res.h).json()
        body: Any = {"entry_id": entries[0]["id"]} if isinstance(entries, list) and entries else {"entry_id": "x"}
    else:
        body = case.body(res) if case.body else None
    if case.files:
        return client.request(case.method, path, headers=headers, files={"file": ("p.png", _png(), "image/png")})
    return client.request(case.method, path, headers=headers, json=body)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_tournament_endpoint_matrix(client: Any, tenants: tuple[Res, Res], case: Case) -> None:
    """Anonymous 401; below the role 403; at or above it success; another organisation's objects 404."""
    mine, theirs = tenants
    assert _call(client, case, mine, {}).status_code == 401
    for role in ROLES:
        response = _call(client, case, mine, mine.org.headers[role])
        if RANK[role] < RANK[case.min_role]:
            assert response.status_code == 403, (role, response.text)
        else:
            assert response.status_code in case.ok, (role, response.text)
    if case.scoped:
        response = _call(client, case, theirs, mine.org.headers["owner"])
        assert response.status_code == 404, response.text


def test_lists_and_bodies_never_cross_tenants(client: Any, tenants: tuple[Res, Res]) -> None:
    """Lists show only my organisation's objects; a body naming another tenant's player, table or entry is refused."""
    mine, theirs = tenants
    assert theirs.event not in [e["id"] for e in client.get(f"{P}/events", headers=mine.h).json()]
    assert theirs.player not in [p["id"] for p in client.get(f"{P}/players?limit=1000", headers=mine.h).json()]
    refused = [
        client.post(f"{P}/events/{mine.event}/entries", json={"player_id": theirs.player}, headers=mine.h),
        client.post(f"{P}/events/{mine.event}/entries/{mine.entry}/move", json={"table_id": theirs.table}, headers=mine.h),
        client.post(f"{P}/events/{mine.event}/chips", json={"counts": [{"entry_id": theirs.entry, "chips": 1}]},
                    headers=mine.h),
        client.post(f"{P}/events/{mine.event}/eliminations", json={"entry_id": theirs.entry}, headers=mine.h),
        client.put(f"{P}/events/{mine.event}/graphics", json={"profile": theirs.player}, headers=mine.h),
    ]
    assert [r.status_code for r in refused] == [404, 404, 422, 404, 422], [r.text for r in refused]

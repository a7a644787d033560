"""Tournaments through the REST API (SQLite and PostgreSQL): a full simulated event, CSV imports, the clock
across a restart, concurrent chip edits, players and photos, roles and tenancy, audit entries."""

from __future__ import annotations

import io
import random
import threading
import time
from typing import Any

import pytest
from svc_helpers import Org

P = "/api/v1"

STRUCTURE_CSV = """level,small_blind,big_blind,ante,big_blind_ante,minutes
1,100,200,0,0,30
2,100,300,0,300,30
3,200,400,0,400,30
4,300,600,0,600,30
break,,,,,15
5,400,800,0,800,30
6,500,1000,0,1000,30
7,600,1200,0,1200,30
8,800,1600,0,1600,30
9,1000,2000,0,2000,30
10,1200,2400,0,2400,30
11,1500,3000,0,3000,30
12,2000,4000,0,4000,30
"""

# 27 entries x 1,000 = 27,000; five places paid, 4th and 5th as one band (hand-computed, sums to the pool).
PAYOUTS_CSV = "place,amount\n1,10000\n2,6500\n3,4500\n4-5,3000\n"
EXPECTED_PRIZE = {1: 10_000, 2: 6_500, 3: 4_500, 4: 3_000, 5: 3_000}

COUNTRIES = ["US", "DE", "GB", "FR", "BR", "CA", "SE", "KR", "JP"]


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body after checking the status."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def new_event(client: Any, headers: dict[str, str], **extra: Any) -> str:
    """An event with the 12-level structure (plus one break)."""
    body = {"name": "Main Event", "variant": "nlhe", "buy_in": 1000, "currency": "usd", "starting_stack": 20000}
    body.update(extra)
    event = ok(client.post(f"{P}/events", json=body, headers=headers), 201)["id"]
    ok(client.post(f"{P}/events/{event}/structure/csv", json={"csv": STRUCTURE_CSV}, headers=headers))
    return str(event)


def seat_map(client: Any, event: str, headers: dict[str, str]) -> dict[str, int]:
    """Players per open table name."""
    return {t["name"]: t["players"] for t in ok(client.get(f"{P}/events/{event}/tables", headers=headers))
            if not t["broken"]}


def test_full_event_until_a_winner(client: Any, org_a: Org) -> None:
    """3 tables, 27 players, 12 levels, eliminations to heads-up and a winner, two table breaks and balancing:
    every finishing place and prize equals the hand-computed payout table, and chips stay conserved."""
    op = org_a.headers["producer"]
    viewer = org_a.headers["viewer"]
    event = new_event(client, op)
    levels = ok(client.get(f"{P}/events/{event}/structure", headers=viewer))
    assert len(levels) == 13 and sum(1 for lv in levels if not lv["is_break"]) == 12
    assert levels[4]["is_break"] and levels[4]["duration_s"] == 900 and levels[1]["big_blind_ante"] == 300
    ok(client.post(f"{P}/events/{event}/payouts/csv", json={"csv": PAYOUTS_CSV}, headers=op))
    tables = [ok(client.post(f"{P}/events/{event}/tables", json={"name": str(n), "seats": 9}, headers=op), 201)["id"]
              for n in (1, 2, 3)]
    players = []
    for i in range(27):
        body = {"name": f"Player {i:02d}", "nickname": f"p{i}", "country": COUNTRIES[i % len(COUNTRIES)].lower()}
        players.append(ok(client.post(f"{P}/players", json=body, headers=op), 201)["id"])
    entries = {p: ok(client.post(f"{P}/events/{event}/entries", json={"player_id": p}, headers=op), 201)["id"]
               for p in players}
    moves = ok(client.post(f"{P}/events/{event}/seating", json={"action": "draw", "seed": 7}, headers=op))
    assert len(moves) == 27
    assert seat_map(client, event, op) == {"1": 9, "2": 9, "3": 9}
    seats = {(m["to_table"], m["to_seat"]) for m in moves}
    assert len(seats) == 27  # nobody shares a seat
    clock = ok(client.post(f"{P}/events/{event}/clock", json={"action": "start"}, headers=op))
    assert clock["running"] and clock["level_number"] == 1 and clock["level"]["big_blind"] == 200

    # a bulk count for table 1 (by table and seat), then the state shows it
    table1 = [e for e in ok(client.get(f"{P}/events/{event}/entries?table_id={tables[0]}", headers=op))]
    assert len(table1) == 9
    counts = [{"table": "1", "seat": e["seat"], "chips": 20000 + (500 if k % 2 == 0 else -500) * (1 if k < 8 else 0)}
              for k, e in enumerate(table1)]
    counts[-1]["chips"] = 20000 + 0  # keeps the table's total: four +500, four -500, one even
    ok(client.post(f"{P}/events/{event}/chips", json={"counts": counts}, headers=op))

    rng = random.Random(3)
    stacks = {p: 20000 for p in players}
    for e in table1:
        stacks[e["player_id"]] = next(c["chips"] for c in counts if c["seat"] == e["seat"])
    alive = list(players)
    finished: dict[str, tuple[int, int]] = {}
    broken: list[str] = []
    level = 0
    while len(alive) > 1:
        loser = rng.choice(alive)
        winner = rng.choice([p for p in alive if p != loser])
        # the winner of the pot takes the loser's chips: counted at the winner's seat before the bust-out
        stacks[winner] += stacks[loser]
        ok(client.put(f"{P}/events/{event}/entries/{entries[winner]}/chips", json={"chips": stacks[winner]},
                      headers=op))
        result = ok(client.post(f"{P}/events/{event}/eliminations",
                                json={"player_id": loser, "eliminated_by_player_id": winner}, headers=op), 201)
        stacks[loser] = 0
        alive.remove(loser)
        assert result["place"] == len(alive) + 1
        finished[loser] = (result["place"], result["prize"])
        if result["winner"] is not None:
            assert len(alive) == 1 and result["winner"]["player_id"] == alive[0]
            finished[alive[0]] = (result["winner"]["place"], result["winner"]["prize"])
        open_tables = seat_map(client, event, op)
        if len(alive) in (18, 9) and len(open_tables) > 1:  # the field fits on fewer tables: break one
            name = min(open_tables, key=lambda n: (open_tables[n], n))
            table_id = tables[int(name) - 1]
            moved = ok(client.post(f"{P}/events/{event}/tables/{table_id}/break?seed=1", headers=op))
            assert len(moved) == open_tables[name]
            broken.append(name)
        elif len(alive) > 1:
            ok(client.post(f"{P}/events/{event}/seating", json={"action": "balance", "seed": 2}, headers=op))
        open_tables = seat_map(client, event, op)
        if len(alive) > 1:
            assert max(open_tables.values()) - min(open_tables.values()) <= 1, open_tables
            assert sum(open_tables.values()) == len(alive)
        if len(alive) % 3 == 0 and level < 11:  # the clock moves on as players drop
            level += 1
            ok(client.post(f"{P}/events/{event}/clock", json={"action": "jump", "level_index": level}, headers=op))
        if len(alive) == 2:
            state = ok(client.get(f"{P}/events/{event}/state", headers=viewer))
            assert state["field"]["players_remaining"] == 2
            assert state["field"]["average_stack"] == 27 * 20000 // 2
            assert len(seat_map(client, event, op)) == 1

    assert len(broken) == 2
    places = sorted(place for place, _ in finished.values())
    assert places == list(range(1, 28))
    for place, prize in finished.values():
        assert prize == EXPECTED_PRIZE.get(place, 0), (place, prize)
    assert sum(prize for _, prize in finished.values()) == 27 * 1000

    state = ok(client.get(f"{P}/events/{event}/state", headers=viewer))
    from ggpgfx.tournament.state import TournamentState

    parsed = TournamentState.model_validate(state)  # the graph's own model reads what the platform serves
    assert parsed.field.entries == 27 and parsed.field.players_remaining == 1 and parsed.field.prize_pool == 27000
    assert parsed.field.total_chips == 27 * 20000
    assert parsed.chip_leader == alive[0]
    assert [(e.place, e.prize) for e in parsed.eliminations[:4]] == [(2, 6500), (3, 4500), (4, 3000), (5, 3000)]
    assert {p.id: p.eliminated_place for p in parsed.players if p.eliminated_place} == {
        p: finished[p][0] for p in players if p != alive[0]}
    assert parsed.clock is not None and parsed.clock.level_index > 0
    assert parsed.payouts[0].amount == 10000 and parsed.payouts[-1].places_to == 5
    assert {p.country for p in parsed.players} == set(COUNTRIES)
    assert ok(client.get(f"{P}/events/{event}", headers=viewer))["status"] == "finished"
    eliminations = ok(client.get(f"{P}/events/{event}/eliminations", headers=viewer))
    assert [e["place"] for e in eliminations] == list(range(2, 28))
    # one more bust-out or entry is refused: the event has its winner
    assert client.post(f"{P}/events/{event}/eliminations", json={"player_id": alive[0]}, headers=op).status_code in (
        404, 409)
    audit = ok(client.get(f"{P}/audit?limit=500", headers=org_a.headers["admin"]))
    actions = {a["action"] for a in audit}
    assert {"tournament.elimination", "tournament.table.broken", "tournament.seating.draw",
            "tournament.seating.balance", "tournament.chips.bulk", "tournament.chips.set",
            "tournament.payouts.csv", "tournament.structure.csv", "tournament.clock.start"} <= actions


def test_standard_curve_reentries_and_field(client: Any, org_a: Org) -> None:
    """Re-entries grow the field and the pool; the standard curve pays about 15% and sums to the pool."""
    op = org_a.headers["producer"]
    event = new_event(client, op, buy_in=500)
    ok(client.post(f"{P}/events/{event}/tables", json={"name": "A", "seats": 10}, headers=op), 201)
    ok(client.post(f"{P}/events/{event}/tables", json={"name": "B", "seats": 10}, headers=op), 201)
    players = [ok(client.post(f"{P}/players", json={"name": f"Curve {i}"}, headers=op), 201)["id"] for i in range(18)]
    for p in players:
        ok(client.post(f"{P}/events/{event}/entries", json={"player_id": p}, headers=op), 201)
    ok(client.post(f"{P}/events/{event}/seating", json={"action": "draw", "seed": 1}, headers=op))
    ok(client.post(f"{P}/events/{event}/eliminations", json={"player_id": players[0]}, headers=op), 201)
    second = client.post(f"{P}/events/{event}/entries", json={"player_id": players[1]}, headers=op)
    assert second.status_code == 409 and "live entry" in second.json()["detail"]
    reentry = ok(client.post(f"{P}/events/{event}/entries", json={"player_id": players[0]}, headers=op), 201)
    assert reentry["entry_number"] == 2 and reentry["chips"] == 20000
    ok(client.post(f"{P}/events/{event}/seating", json={"action": "draw", "seed": 1}, headers=op))
    payouts = ok(client.get(f"{P}/events/{event}/payouts", headers=op))
    assert payouts["mode"] == "curve" and payouts["entries"] == 19 and payouts["prize_pool"] == 19 * 500
    assert payouts["places_paid"] == round(19 * 0.15)
    assert sum(r["amount"] * (r["place_to"] - r["place_from"] + 1) for r in payouts["rows"]) == 19 * 500
    six = ok(client.put(f"{P}/events/{event}/payouts", json={"mode": "curve", "places": 6}, headers=op))
    assert six["places_paid"] == 6
    state = ok(client.get(f"{P}/events/{event}/state", headers=op))
    assert state["field"]["entries"] == 19 and state["field"]["re_entries"] == 1
    assert state["field"]["players_remaining"] == 18 and state["field"]["average_stack"] == 20000
    mine = next(p for p in state["players"] if p["id"] == players[0])
    assert mine["eliminated_place"] is None and mine["chips"] == 20000  # the live re-entry, not the bust-out


def test_csv_errors_name_the_line_and_apply_nothing(client: Any, org_a: Org) -> None:
    """A malformed row: 422 with its line number and what is wrong; the earlier data stays as it was."""
    op = org_a.headers["producer"]
    event = new_event(client, op)
    before = ok(client.get(f"{P}/events/{event}/structure", headers=op))
    bad = STRUCTURE_CSV.replace("6,500,1000,0,1000,30", "6,500,abc,0,1000,30").replace(
        "9,1000,2000,0,2000,30", "9,3000,2000,0,2000,30")
    response = client.post(f"{P}/events/{event}/structure/csv", json={"csv": bad}, headers=op)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["loc"] for d in detail] == [["body", "csv", 8, 0], ["body", "csv", 11, 0]]
    assert "line 8: big_blind 'abc' is not a whole number" in detail[0]["msg"]
    assert "line 11" in detail[1]["msg"] and "small_blind 3000 is larger than big_blind 2000" in detail[1]["msg"]
    assert ok(client.get(f"{P}/events/{event}/structure", headers=op)) == before
    header = client.post(f"{P}/events/{event}/structure/csv", json={"csv": "level,sb,bb\n1,1,2\n"}, headers=op)
    assert header.status_code == 422 and "line 1: header" in header.json()["detail"][0]["msg"]

    table = ok(client.post(f"{P}/events/{event}/tables", json={"name": "7"}, headers=op), 201)["id"]
    names = []
    for i in range(3):
        player = ok(client.post(f"{P}/players", json={"name": f"Csv {i} {event[:6]}"}, headers=op), 201)["id"]
        ok(client.post(f"{P}/events/{event}/entries", json={"player_id": player, "table_id": table, "seat": i + 1},
                       headers=op), 201)
        names.append(f"Csv {i} {event[:6]}")
    chips_bad = "table,seat,chips\n7,1,25000\n7,2,12x00\n7,9,5000\n\n# comment\n7,3,\"1,000\"\n"
    response = client.post(f"{P}/events/{event}/chips/csv", json={"csv": chips_bad}, headers=op)
    assert response.status_code == 422
    msgs = [d["msg"] for d in response.json()["detail"]]
    assert msgs == ["line 3: chips '12x00' is not a whole number", "line 4: nobody live sits at table '7' seat 9"]
    entries = ok(client.get(f"{P}/events/{event}/entries", headers=op))
    assert [e["chips"] for e in entries] == [20000, 20000, 20000]  # line 2 was valid but not applied
    good = f"player,chips\n{names[0]},25000\n{names[1]},\"14,000\"\n"
    ok(client.post(f"{P}/events/{event}/chips/csv", json={"csv": good}, headers=op))
    assert [e["chips"] for e in ok(client.get(f"{P}/events/{event}/entries", headers=op))] == [25000, 14000, 20000]

    for text, where in (("place,amount\n1,500\n3,100\n", "line 3: place 2 has no payout"),
                        ("place,amount,percent\n1,500,\n2,300,5\n", "line 3: give exactly one"),
                        ("place,amount,percent\n1,500,\n2,,10\n", "line 3: a payout table is all amounts or all percents"),
                        ("place,amount\n1,100\n2,200\n", "more than places 1"),
                        ("place,percent\n1,60\n2-3,25\n", "more than 100%")):
        response = client.post(f"{P}/events/{event}/payouts/csv", json={"csv": text}, headers=op)
        assert response.status_code == 422, text
        assert where in str(response.json()["detail"]), response.json()
    assert ok(client.get(f"{P}/events/{event}/payouts", headers=op))["mode"] == "curve"
    bulk = client.post(f"{P}/events/{event}/chips", json={"counts": [{"table": "7", "seat": 1, "chips": 1},
                                                                      {"entry_id": "nope", "chips": 2}]}, headers=op)
    assert bulk.status_code == 422 and "counts[1]" in bulk.json()["detail"][0]["msg"]
    assert ok(client.get(f"{P}/events/{event}/entries", headers=op))[0]["chips"] == 25000


def test_clock_survives_restart_and_actions(client: Any, settings: Any, org_a: Org) -> None:
    """The clock is computed from stored times: a new app on the same database reads the same clock (within
    1 s), paused clocks stay paused, time added or removed and level jumps persist."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app

    op = org_a.headers["producer"]
    event = new_event(client, op)
    assert ok(client.get(f"{P}/events/{event}/clock", headers=op))["started"] is False
    assert client.post(f"{P}/events/{event}/clock", json={"action": "pause"}, headers=op).status_code == 409
    started = time.time()
    ok(client.post(f"{P}/events/{event}/clock", json={"action": "start"}, headers=op))
    ok(client.post(f"{P}/events/{event}/clock", json={"action": "adjust", "seconds": -600}, headers=op))
    first = ok(client.get(f"{P}/events/{event}/clock", headers=op))
    assert first["level_index"] == 0 and first["running"]
    assert abs(first["remaining_s"] - (1800 - 600 - (time.time() - started))) < 1.0
    # the state message gives the clock at a stored reference time: the same bytes until something changes,
    # and the graph's ClockState.at(now) counts down from it
    from ggpgfx.tournament.state import TournamentState

    body = client.get(f"{P}/events/{event}/state", headers=op).content
    time.sleep(0.25)
    assert client.get(f"{P}/events/{event}/state", headers=op).content == body
    on_air = TournamentState.model_validate_json(body).clock
    assert on_air is not None and on_air.running
    assert abs(on_air.at(time.time()).remaining_s - (1800 - 600 - (time.time() - started))) < 1.0
    with TestClient(create_local_app(settings)) as second:  # "restart": a new server process on the same data
        again = ok(second.get(f"{P}/events/{event}/clock", headers=op))
        assert again["level_index"] == 0
        assert abs(again["remaining_s"] - (1800 - 600 - (time.time() - started))) < 1.0
        paused = ok(second.post(f"{P}/events/{event}/clock", json={"action": "pause"}, headers=op))
        assert not paused["running"]
    time.sleep(0.3)
    later = ok(client.get(f"{P}/events/{event}/clock", headers=op))
    assert not later["running"] and abs(later["remaining_s"] - paused["remaining_s"]) < 0.05
    held = TournamentState.model_validate_json(client.get(f"{P}/events/{event}/state", headers=op).content).clock
    assert held is not None and not held.running
    assert abs(held.at(time.time() + 60).remaining_s - paused["remaining_s"]) < 0.05
    # removing more than is left moves to the next level; adding brings time back within the level
    moved = ok(client.post(f"{P}/events/{event}/clock", json={"action": "adjust", "seconds": -1300}, headers=op))
    assert moved["level_index"] == 1 and moved["level"]["big_blind"] == 300
    added = ok(client.post(f"{P}/events/{event}/clock", json={"action": "adjust", "seconds": 60}, headers=op))
    assert added["level_index"] == 1 and abs(added["remaining_s"] - (moved["remaining_s"] + 60)) < 0.05
    jumped = ok(client.post(f"{P}/events/{event}/clock", json={"action": "jump", "level_index": 4}, headers=op))
    assert jumped["level"]["is_break"] and jumped["level_number"] == 4 and jumped["next_level"]["big_blind"] == 800
    assert not jumped["running"] and jumped["remaining_s"] == 900
    resumed = ok(client.post(f"{P}/events/{event}/clock", json={"action": "resume"}, headers=op))
    assert resumed["running"]
    last = ok(client.post(f"{P}/events/{event}/clock", json={"action": "jump", "level_index": 12}, headers=op))
    assert last["next_level"] is None and last["level"]["big_blind"] == 4000
    bad = client.post(f"{P}/events/{event}/clock", json={"action": "jump", "level_index": 13}, headers=op)
    assert bad.status_code == 422 and "no level 13" in str(bad.json())
    state = ok(client.get(f"{P}/events/{event}/state", headers=op))
    assert state["clock"]["level_index"] == 12 and state["clock"]["running"]


def test_concurrent_chip_edits_later_write_wins(client: Any, settings: Any, org_a: Org) -> None:
    """Two operators on two servers edit the same count at once: every write gets its own version, and the
    value both read back is the write with the highest version (the later one)."""
    from fastapi.testclient import TestClient

    from ggpgfx.services.app import create_local_app

    op, admin = org_a.headers["producer"], org_a.headers["admin"]
    event = new_event(client, op)
    player = ok(client.post(f"{P}/players", json={"name": "Contested"}, headers=op), 201)["id"]
    entry = ok(client.post(f"{P}/events/{event}/entries", json={"player_id": player}, headers=op), 201)
    v0 = entry["chips_version"]
    one = ok(client.put(f"{P}/events/{event}/entries/{entry['id']}/chips", json={"chips": 30000}, headers=op))
    two = ok(client.put(f"{P}/events/{event}/entries/{entry['id']}/chips", json={"chips": 35000}, headers=admin))
    assert (one["chips_version"], two["chips_version"]) == (v0 + 1, v0 + 2)
    assert two["chips_updated_at"] >= one["chips_updated_at"]
    assert two["chips_updated_by"] == f"user:{org_a.users['admin']}"
    with TestClient(create_local_app(settings)) as other:
        results: list[tuple[int, int]] = []
        lock = threading.Lock()

        def operator(http: Any, headers: dict[str, str], base: int) -> None:
            for k in range(8):
                reply = ok(http.put(f"{P}/events/{event}/entries/{entry['id']}/chips", json={"chips": base + k},
                                    headers=headers))
                with lock:
                    results.append((reply["chips_version"], reply["chips"]))

        threads = [threading.Thread(target=operator, args=(client, op, 100_000)),
                   threading.Thread(target=operator, args=(other, admin, 200_000))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        versions = sorted(v for v, _ in results)
        assert versions == list(range(v0 + 3, v0 + 3 + 16))  # 16 writes, 16 distinct versions
        latest = max(results)
        for http in (client, other):
            seen = [e for e in ok(http.get(f"{P}/events/{event}/entries", headers=org_a.headers["viewer"]))
                    if e["id"] == entry["id"]][0]
            assert (seen["chips_version"], seen["chips"]) == latest
    history = ok(client.get(f"{P}/events/{event}/chips/history?entry_id={entry['id']}", headers=op))
    assert len(history) == 1 + 2 + 16 and history[0]["chips"] == latest[1]


def _image(width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(width // 2 - 5, width // 2 + 5):  # a centre mark the crop must keep
        for y in range(height // 2 - 5, height // 2 + 5):
            image.putpixel((x, y), (10, 200, 10))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def test_players_search_country_and_photo(client: Any, org_a: Org, org_b: Org) -> None:
    """Country codes are checked, search finds by name/nickname/hometown/country, and a photo upload is
    centre-cropped to a square or a circle; other tenants see none of it."""
    from PIL import Image

    op = org_a.headers["producer"]
    bad = client.post(f"{P}/players", json={"name": "X", "country": "UK"}, headers=op)
    assert bad.status_code == 422 and "GB" in bad.text
    bad = client.post(f"{P}/players", json={"name": "X", "country": "Germany"}, headers=op)
    assert bad.status_code == 422 and "ISO 3166" in bad.text
    tag = str(time.time_ns())[-6:]
    player = ok(client.post(f"{P}/players", json={"name": f"Daniel Search{tag}", "nickname": f"Kid{tag}",
                                                  "country": "ca", "hometown": f"Town{tag}"}, headers=op), 201)
    assert player["country"] == "CA" and player["photo_url"] is None
    for q in (f"search{tag}", f"kid{tag}", f"town{tag}"):
        assert [p["id"] for p in ok(client.get(f"{P}/players", params={"q": q}, headers=op))] == [player["id"]]
    assert ok(client.get(f"{P}/players", params={"q": f"search{tag}"}, headers=org_b.headers["owner"])) == []
    assert client.get(f"{P}/players/{player['id']}", headers=org_b.headers["owner"]).status_code == 404
    updated = ok(client.put(f"{P}/players/{player['id']}", json={"country": "", "notes": "WSOP 2025"}, headers=op))
    assert updated["country"] is None and updated["notes"] == "WSOP 2025"

    photo = client.post(f"{P}/players/{player['id']}/photo", files={"file": ("me.jpg", _image(300, 200), "image/jpeg")},
                        data={"shape": "circle", "size": "128"}, headers=op)
    out = ok(photo)
    assert out["photo_url"] == f"/api/v1/players/{player['id']}/photo"
    png = client.get(out["photo_url"], headers=org_a.headers["viewer"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.size == (128, 128) and image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((64, 64))[:3][1] > 150  # outside clear, centre kept
    assert image.getpixel((64, 2))[3] > 200  # the circle touches the edge at the top centre
    square = ok(client.post(f"{P}/players/{player['id']}/photo", files={"file": ("s.jpg", _image(100, 300),
                                                                                  "image/jpeg")},
                            data={"shape": "square", "size": "64"}, headers=op))
    assert square["photo_asset_id"] != out["photo_asset_id"]
    image = Image.open(io.BytesIO(client.get(square["photo_url"], headers=op).content))
    assert image.size == (64, 64) and image.getpixel((0, 0))[3] == 255
    junk = client.post(f"{P}/players/{player['id']}/photo", files={"file": ("x.jpg", b"not an image", "image/jpeg")},
                       headers=op)
    assert junk.status_code == 422 and "not an image" in junk.text
    viewer = client.post(f"{P}/players/{player['id']}/photo", files={"file": ("me.jpg", _image(50, 50), "image/jpeg")},
                         headers=org_a.headers["viewer"])
    assert viewer.status_code == 403
    assert client.delete(f"{P}/players/{player['id']}", headers=op).status_code == 204
    assert client.get(f"{P}/players/{player['id']}", headers=op).status_code == 404


def test_roles_tenancy_and_moves(client: Any, org_a: Org, org_b: Org) -> None:
    """Viewers read and cannot write; another organisation's events are 404; moving into a taken seat is refused."""
    op, viewer, other = org_a.headers["producer"], org_a.headers["viewer"], org_b.headers["owner"]
    event = new_event(client, op)
    assert client.post(f"{P}/events", json={"name": "v"}, headers=viewer).status_code == 403
    assert client.post(f"{P}/events/{event}/clock", json={"action": "start"}, headers=viewer).status_code == 403
    assert client.put(f"{P}/events/{event}/graphics", json={"clock": True}, headers=viewer).status_code == 403
    assert client.get(f"{P}/events/{event}/state", headers=viewer).status_code == 200
    for path in ("", "/state", "/clock", "/tables", "/entries", "/payouts", "/stats", "/structure"):
        assert client.get(f"{P}/events/{event}{path}", headers=other).status_code == 404, path
    assert client.post(f"{P}/events/{event}/tables", json={"name": "x"}, headers=other).status_code == 404
    assert event not in [e["id"] for e in ok(client.get(f"{P}/events", headers=other))]
    assert client.delete(f"{P}/events/{event}", headers=op).status_code == 403  # deleting needs admin
    t1 = ok(client.post(f"{P}/events/{event}/tables", json={"name": "1", "seats": 6}, headers=op), 201)["id"]
    t2 = ok(client.post(f"{P}/events/{event}/tables", json={"name": "2", "seats": 6}, headers=op), 201)["id"]
    assert client.post(f"{P}/events/{event}/tables", json={"name": "2"}, headers=op).status_code == 409
    a = ok(client.post(f"{P}/players", json={"name": "Mover A"}, headers=op), 201)["id"]
    b = ok(client.post(f"{P}/players", json={"name": "Mover B"}, headers=op), 201)["id"]
    ea = ok(client.post(f"{P}/events/{event}/entries", json={"player_id": a, "table_id": t1, "seat": 3}, headers=op), 201)
    ok(client.post(f"{P}/events/{event}/entries", json={"player_id": b, "table_id": t2, "seat": 5}, headers=op), 201)
    taken = client.post(f"{P}/events/{event}/entries/{ea['id']}/move", json={"table_id": t2, "seat": 5}, headers=op)
    assert taken.status_code == 409 and "taken" in taken.text
    moved = ok(client.post(f"{P}/events/{event}/entries/{ea['id']}/move", json={"table_id": t2}, headers=op))
    assert moved["table_name"] == "2" and moved["seat"] == 1
    foreign = ok(client.post(f"{P}/players", json={"name": "Foreign"}, headers=other), 201)["id"]
    assert client.post(f"{P}/events/{event}/entries", json={"player_id": foreign}, headers=op).status_code == 404
    cues = ok(client.put(f"{P}/events/{event}/graphics", json={"clock": True, "profile": a, "stacks_in_bb": True},
                         headers=op))
    assert cues["graphics"]["profile"] == a and cues["graphics"]["clock"] is True
    assert client.put(f"{P}/events/{event}/graphics", json={"profile": foreign}, headers=op).status_code == 422
    assert client.put(f"{P}/events/{event}/graphics", json={"bogus": 1}, headers=op).status_code == 422
    assert client.delete(f"{P}/events/{event}", headers=org_a.headers["admin"]).status_code == 204


PHH = """[1]
variant = "NT"
antes = [0, 0, 0]
blinds_or_straddles = [100, 200, 0]
min_bet = 200
starting_stacks = [20000, 20000, 20000]
actions = ["d dh p1 AsKs", "d dh p2 7c2d", "d dh p3 QhQd", "p3 cbr 600", "p1 cbr 1800", "p2 f", "p3 cc",
           "d db 2c8h9s", "p1 cbr 2000", "p3 cc", "d db Td", "p1 cc", "p3 cc", "d db 3s", "p1 cc", "p3 cc"]
players = ["Stats A", "Stats B", "Stats C"]
"""


@pytest.mark.parametrize("with_hands", [False, True])
def test_stats_from_hands_or_chips(client: Any, org_a: Org, with_hands: bool) -> None:
    """Stats come from the event's recorded hands (VPIP/PFR/AF/WTSD), or from chip data only when there are none."""
    op = org_a.headers["producer"]
    event = new_event(client, op)
    ids = {}
    for name in ("Stats A", "Stats B", "Stats C"):
        ids[name] = ok(client.post(f"{P}/players", json={"name": name}, headers=op), 201)["id"]
        entry = ok(client.post(f"{P}/events/{event}/entries", json={"player_id": ids[name]}, headers=op), 201)
        ok(client.put(f"{P}/events/{event}/entries/{entry['id']}/chips", json={"chips": 25000}, headers=op))
    if with_hands:
        stored = ok(client.post(f"{P}/events/{event}/hands", json={"phh": PHH}, headers=op), 201)
        assert stored == {"hands": 1, "players": ["Stats A", "Stats B", "Stats C"]}
    stats = ok(client.get(f"{P}/events/{event}/stats", headers=org_a.headers["viewer"]))
    by_name = {p["name"]: p for p in stats["players"]}
    assert by_name["Stats A"]["chips"] == 25000 and by_name["Stats A"]["chips_start"] == 20000
    assert by_name["Stats A"]["chips_peak"] == 25000 and by_name["Stats A"]["chip_counts"] == 2
    state = ok(client.get(f"{P}/events/{event}/state", headers=op))
    if not with_hands:
        assert stats["source"] == "chips" and stats["hands"] == 0 and by_name["Stats A"]["vpip"] is None
        assert all(p["stats"] is None for p in state["players"])
        return
    assert stats["source"] == "hands" and stats["hands"] == 1
    assert by_name["Stats A"]["vpip"] == 100.0 and by_name["Stats A"]["pfr"] == 100.0
    assert by_name["Stats B"]["vpip"] == 0.0 and by_name["Stats B"]["wtsd"] is None
    assert by_name["Stats A"]["wtsd"] == 100.0 and by_name["Stats A"]["af"] is None  # a bet, no call
    assert by_name["Stats C"]["af"] == 0.0  # one call, no bet
    on_air = {p["name"]: p["stats"] for p in state["players"]}
    assert on_air["Stats C"]["vpip"] == 100.0 and on_air["Stats C"]["pfr"] == 100.0
    bad = client.post(f"{P}/events/{event}/hands", json={"phh": "not phh"}, headers=op)
    assert bad.status_code == 422


def test_hand_setup_from_the_live_table(client: Any, org_a: Org) -> None:
    """The live table's next hand starts from the tournament data: seat names and chip counts, and the blinds
    of the clock's level (during a break, the next playing level's)."""
    op = org_a.headers["producer"]
    event = new_event(client, op)
    table = ok(client.post(f"{P}/events/{event}/tables", json={"name": "TV", "seats": 6}, headers=op), 201)["id"]
    for seat, (name, chips) in enumerate((("Setup Ann", 41000), ("Setup Bo", 9000)), start=2):
        player = ok(client.post(f"{P}/players", json={"name": name}, headers=op), 201)["id"]
        ok(client.post(f"{P}/events/{event}/entries", json={"player_id": player, "table_id": table, "seat": seat,
                                                             "chips": chips}, headers=op), 201)
    before = ok(client.get(f"{P}/events/{event}/tables/{table}/hand-setup", headers=org_a.headers["viewer"]))
    assert before == {"table": "TV", "level_index": 0, "small_blind": 100, "big_blind": 200, "ante": 0,
                      "big_blind_ante": 0, "seats": [{"seat": 2, "name": "Setup Ann", "stack": 41000},
                                                     {"seat": 3, "name": "Setup Bo", "stack": 9000}]}
    ok(client.post(f"{P}/events/{event}/clock", json={"action": "start", "level_index": 4}, headers=op))  # the break
    during = ok(client.get(f"{P}/events/{event}/tables/{table}/hand-setup", headers=op))
    assert (during["level_index"], during["small_blind"], during["big_blind"], during["big_blind_ante"]) == (
        4, 400, 800, 800)


def test_player_changes_reach_the_state_of_their_events(client: Any, org_a: Org) -> None:
    """A player's new name or photo is a new state version of every event they entered (subscriptions and the
    cached message see it)."""
    op = org_a.headers["producer"]
    event = new_event(client, op)
    player = ok(client.post(f"{P}/players", json={"name": "Old Name"}, headers=op), 201)["id"]
    ok(client.post(f"{P}/events/{event}/entries", json={"player_id": player}, headers=op), 201)
    before = ok(client.get(f"{P}/events/{event}/state", headers=op))
    assert ok(client.get(f"{P}/events/{event}/state", headers=op)) == before  # unchanged: the same message
    ok(client.put(f"{P}/players/{player}", json={"name": "New Name"}, headers=op))
    after = ok(client.get(f"{P}/events/{event}/state", headers=op))
    assert after["version"] > before["version"] and [p["name"] for p in after["players"]] == ["New Name"]
    ok(client.post(f"{P}/players/{player}/photo", files={"file": ("p.jpg", _image(40, 40), "image/jpeg")}, headers=op))
    photo = ok(client.get(f"{P}/events/{event}/state", headers=op))
    assert photo["version"] > after["version"] and photo["players"][0]["photo"].startswith(f"/api/v1/players/{player}/photo?v=")

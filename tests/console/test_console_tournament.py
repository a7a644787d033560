"""The tournament screens in a real browser, against the platform app serving the console at /console/:
sign in, type chip counts into the grid (Enter saves and moves down), see the platform's state change;
run the clock; bust a player out; and a chip count typed into the grid reaches a running graph's program video."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]

PASSWORD = "correct horse battery staple"


def test_chip_grid_clock_and_bust_out(platform: str, browser: Any) -> None:
    """Enter a table's counts from the keyboard and see them in the tournament state the graph reads."""
    api = httpx.Client(base_url=platform, timeout=30)
    email = "floor@tournament.test"
    assert api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                 "organization_name": "floor"}).status_code == 201
    token = api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    event = api.post("/api/v1/events", json={"name": "Console Open", "buy_in": 100, "starting_stack": 20000},
                     headers=headers).json()["id"]
    levels = {"levels": [{"small_blind": 100, "big_blind": 200, "duration_s": 1200},
                         {"small_blind": 200, "big_blind": 400, "duration_s": 1200}]}
    assert api.put(f"/api/v1/events/{event}/structure", json=levels, headers=headers).status_code == 200
    table = api.post(f"/api/v1/events/{event}/tables", json={"name": "1", "seats": 9}, headers=headers).json()["id"]
    names = ["Ana", "Ben", "Cy"]
    for seat, name in enumerate(names, start=1):
        player = api.post("/api/v1/players", json={"name": name, "country": "SE"}, headers=headers).json()["id"]
        assert api.post(f"/api/v1/events/{event}/entries", json={"player_id": player, "table_id": table, "seat": seat},
                        headers=headers).status_code == 201

    context = browser.new_context(viewport={"width": 1366, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{platform}/console/?project=none&event={event}")
        page.fill("[data-testid=stream-email]", email)
        page.fill("[data-testid=stream-password]", PASSWORD)
        page.click("[data-testid=stream-signin]")
        page.wait_for_selector("[data-testid=t-chips-input-1]")
        page.click("[data-testid=t-chips-input-1]")
        page.keyboard.type("31.5k")
        page.keyboard.press("Enter")  # saves seat 1, focus moves to seat 2
        page.keyboard.type("8,500")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=t-chips-value-2]').textContent === '8,500'")
        assert page.evaluate("document.activeElement.dataset.testid") == "t-chips-input-3"
        assert page.inner_text("[data-testid=t-chips-value-1]") == "31,500"
        state = api.get(f"/api/v1/events/{event}/state", headers=headers).json()
        assert {p["name"]: p["chips"] for p in state["players"]} == {"Ana": 31500, "Ben": 8500, "Cy": 20000}
        page.keyboard.type("abc")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=t-problem]")
        assert "not a chip count" in page.inner_text("[data-testid=t-problem]")

        # the live table's next hand starts from these counts and the clock's blinds
        page.click("[data-testid=t-chips-hand-setup]")
        page.wait_for_selector("[data-testid=hand-setup]")
        assert [page.input_value(f"[data-testid=setup-name-{s}]") for s in (1, 2, 3)] == names
        assert [page.input_value(f"[data-testid=setup-stack-{s}]") for s in (1, 2, 3)] == ["31500", "8500", "20000"]
        assert (page.input_value("[data-testid=setup-sb]"), page.input_value("[data-testid=setup-bb]")) == ("100", "200")
        page.keyboard.press("Escape")
        page.wait_for_selector("[data-testid=hand-setup]", state="detached")

        page.click("[data-testid=t-tab-clock]")
        page.click("[data-testid=t-clock-start]")
        page.wait_for_selector("[data-testid=t-clock-pause]")
        assert "100/200" in page.inner_text("[data-testid=t-clock-level]")
        assert api.get(f"/api/v1/events/{event}/clock", headers=headers).json()["running"] is True

        page.click("[data-testid=t-tab-eliminations]")
        ben = next(p["id"] for p in state["players"] if p["name"] == "Ben")
        page.select_option("[data-testid=t-elim-player]", ben)
        page.click("[data-testid=t-elim-bust]")
        page.wait_for_function("() => document.querySelector('[data-testid=t-eliminations] ol').textContent.includes('3. Ben')")
        after = api.get(f"/api/v1/events/{event}/state", headers=headers).json()
        assert after["field"]["players_remaining"] == 2
    finally:
        context.close()
        api.close()


@pytest.mark.slow  # 13 s quiet (86 s at load ~30): 9 s of real-time 720p video, the browser, the platform
def test_chip_count_typed_in_the_console_reaches_the_program_output(platform: str, browser: Any,
                                                                    tmp_path: Path) -> None:
    """Browser to program: a chip count typed into the console's grid changes the leaderboard in the program
    video of a running graph (ingest.tournament long-polling the platform -> render.overlay -> H.264 file); the
    decoded leaderboard region equals the renderer's drawing of the platform's state before, then after."""
    from ggpgfx.api import Graph
    from ggpgfx.runtime.run import start_run
    from ggpgfx.testing import leaderboard_change
    from ggpgfx.tournament.state import parse_tournament_state

    width, height, fps, seconds = 1280, 720, 30, 9.0
    api = httpx.Client(base_url=platform, timeout=30)
    email = "program@tournament.test"
    assert api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD,
                                                 "organization_name": "program"}).status_code == 201
    token = api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    key = api.post("/api/v1/api-keys", json={"name": "graph", "role": "viewer"}, headers=headers).json()["key"]
    event = api.post("/api/v1/events", json={"name": "Program Open", "buy_in": 100, "starting_stack": 20000},
                     headers=headers).json()["id"]
    table = api.post(f"/api/v1/events/{event}/tables", json={"name": "1", "seats": 9}, headers=headers).json()["id"]
    for seat, (name, country) in enumerate((("Ann Lee", "KR"), ("Bo Park", "US"), ("Cy Ode", "DE")), start=1):
        player = api.post("/api/v1/players", json={"name": name, "country": country}, headers=headers).json()["id"]
        entry = api.post(f"/api/v1/events/{event}/entries", json={"player_id": player, "table_id": table,
                                                                  "seat": seat}, headers=headers).json()["id"]
        assert api.put(f"/api/v1/events/{event}/entries/{entry}/chips", json={"chips": 40_000 - 10_000 * seat},
                       headers=headers).status_code == 200
    assert api.put(f"/api/v1/events/{event}/graphics", json={"leaderboard": True}, headers=headers).status_code == 200
    before = parse_tournament_state(api.get(f"/api/v1/events/{event}/state", headers=headers).content)

    out = tmp_path / "program.mp4"
    g = Graph("console-program", fps=fps)
    g.add("ingest.test_pattern", id="cam", width=width, height=height, frames=int(seconds * fps), moving=False)
    g.add("ingest.tournament", id="event", url=f"{platform}/api/v1/events/{event}/state", api_key=key,
          stop_after_s=seconds, timeout_s=30)
    g.add("render.overlay", id="gfx", animate=False)
    g.add("encode.h264", id="enc", preset="ultrafast", crf=12, keyint=30)
    g.add("publish.file", id="mp4", path=str(out))
    g.connect("cam.video", "gfx.video")
    g.connect("event.tournament", "gfx.tournament")
    g.connect("gfx.video", "enc.video")
    g.connect("enc.packets", "mp4.packets")
    context = browser.new_context(viewport={"width": 1366, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    handle = start_run(g.spec, realtime=True)
    try:
        page.goto(f"{platform}/console/?project=none&event={event}")
        page.fill("[data-testid=stream-email]", email)
        page.fill("[data-testid=stream-password]", PASSWORD)
        page.click("[data-testid=stream-signin]")
        page.wait_for_selector("[data-testid=t-chips-input-3]")
        deadline = time.monotonic() + 60
        while int(handle.stats()["gfx"]["messages_out"]) < 2 * fps:  # the state before is on air for a while
            assert handle.status() == "running" and time.monotonic() < deadline, handle.wait(5)
            time.sleep(0.05)
        page.click("[data-testid=t-chips-input-3]")
        page.keyboard.type("45k")  # Cy Ode doubles up twice: the new chip leader
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=t-chips-value-3]').textContent === '45,000'")
        after = parse_tournament_state(api.get(f"/api/v1/events/{event}/state", headers=headers).content)
        result = handle.wait(60)
    finally:
        context.close()
        api.close()
        handle.stop()
    assert result is not None and result.error is None
    assert [p.name for p in after.standings()] == ["Cy Ode", "Ann Lee", "Bo Park"]
    change = leaderboard_change(str(out), before, after, width, height)
    assert change.frames >= 5 * fps
    assert change.visible_change > 5  # the new order is visible in the region
    assert change.first_after is not None, change.mismatch
    assert change.before_it_matches_before and change.stays
    assert change.first_after < change.frames - 5  # on air before the end of the run

"""The tournament screens in a real browser, against the platform app serving the console at /console/:
sign in, type chip counts into the grid (Enter saves and moves down), see the platform's state change;
run the clock; bust a player out."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.network, pytest.mark.timeout(180)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The platform API (`create_local_app`, SQLite) on a free port."""
    import uvicorn

    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import load_settings

    monkeypatch.setenv("GGP_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("GGP_ARGON2_MEMORY_KIB", "8192")
    settings = load_settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'ggp.db'}",
                             stream_executor="local", rate_limit_per_s=10_000.0, rate_limit_burst=10_000)
    server = uvicorn.Server(uvicorn.Config(create_local_app(settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the platform API did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


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

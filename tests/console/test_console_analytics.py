"""Show analytics in the console against the real platform: a stream runs a simulated table into its event
log (table_sim -> rules.poker -> publish.events), then a signed-in user loads the stream's analytics in the
console's analytics panel: the figures and charts match GET /api/v1/streams/{id}/analytics. The panel's
screenshot goes to docs/images/console-analytics.png with GGP_UPDATE_SCREENSHOTS=1 (docs/console.md)."""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
import pytest
from console_helpers import IMAGES, PASSWORD, SCRATCH, platform_project

pytestmark = [pytest.mark.network, pytest.mark.timeout(900)]

SHOW_YAML = """name: console-analytics
settings: {fps: 10}
nodes:
  table:
    type: ingest.table_sim
    params: {width: 320, height: 240, source: random, max_hands: 6, players: 5, seed: 21,
             action_interval_s: 0.2, deal_interval_s: 0.05, end_pause_s: 0.0}
  rules: {type: rules.poker, params: {table: final-table, equity: false}}
  log: {type: publish.events}
  video: {type: sink.null}
edges:
  - table.reads -> rules.reads
  - table.actions -> rules.actions
  - rules.events -> log.events
  - table.video -> video.inp
"""


def _run_show(api: httpx.Client, email: str) -> tuple[dict[str, str], str, str]:
    """Sign up, save SHOW_YAML and run it to its end: the owner's headers, the project and the stream."""
    headers, project = platform_project(api, email, "stats", "show", SHOW_YAML)
    started = api.post("/api/v1/streams/start", json={"project_id": project, "settings": {"realtime": False}},
                       headers=headers)
    assert started.status_code == 201, started.text
    stream_id = started.json()["id"]
    deadline = time.monotonic() + 600  # a few seconds of work; a loaded 2-core machine can take minutes
    while (status := api.get(f"/api/v1/streams/{stream_id}", headers=headers).json()["status"]) == "running":
        assert time.monotonic() < deadline, "the show stream did not finish"
        time.sleep(0.5)
    assert status == "stopped"
    return headers, project, str(stream_id)


def _sign_in(page: Any, email: str) -> None:
    page.fill("[data-testid=stream-email]", email)
    page.fill("[data-testid=stream-password]", PASSWORD)
    page.click("[data-testid=stream-signin]")


def test_the_analytics_panel_charts_a_streams_show(platform: str, browser: Any) -> None:
    api = httpx.Client(base_url=platform, timeout=60)
    email = "analyst@console.test"
    headers, project, stream_id = _run_show(api, email)
    expected = api.get(f"/api/v1/streams/{stream_id}/analytics", headers=headers).json()
    assert expected["hands"] == 6 and len(expected["players"]) >= 5  # random tables draw names per hand

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{platform}/console/?project={project}")
        assert page.query_selector("[data-testid=analytics-panel]") is None  # nobody signed in yet
        _sign_in(page, email)
        page.fill("[data-testid=analytics-stream]", "not-a-stream")
        page.click("[data-testid=analytics-load]")
        assert "not found" in page.inner_text("[data-testid=analytics-problem]")
        page.fill("[data-testid=analytics-stream]", stream_id)
        page.click("[data-testid=analytics-load]")
        page.wait_for_selector("[data-testid=analytics-figures]")
        figures = {str(e.get_attribute("data-name")): e.inner_text().split("\n")[-1]
                   for e in page.query_selector_all("[data-testid=analytics-figures] .figure")}
        assert figures["Hands"] == "6"
        assert figures["Average pot"] == f"{expected['average_pot']:,.0f}"
        assert figures["Showdown rate"] == f"{100 * expected['showdown_rate']:.1f}%"
        assert figures["Biggest pot"] == f"{expected['biggest_pots'][0]['pot']:,}"
        charts = page.query_selector_all("[data-testid=analytics-chart]")
        assert len(charts) == 4
        vpip_bars = charts[1].query_selector_all("rect")
        assert len(vpip_bars) == len(expected["players"])
        titles = [str(b.text_content()) for b in vpip_bars]  # each bar's <title>: "player: value"
        assert [t.split(":")[0] for t in titles] == [p["player"] for p in expected["players"]]
        rows = page.query_selector_all("[data-testid=analytics-players] tbody tr")
        assert [r.query_selector("td").inner_text() for r in rows] == [p["player"] for p in expected["players"]]
        assert page.query_selector("[data-testid=analytics-problem]") is None
        with page.expect_download() as download:
            page.click("[data-testid=analytics-csv]")
        path = download.value.path()
        assert path is not None and open(path).read().splitlines()[0].startswith("player,hands,vpip")
        folder = IMAGES if os.environ.get("GGP_UPDATE_SCREENSHOTS") == "1" else SCRATCH
        folder.mkdir(parents=True, exist_ok=True)
        page.query_selector("[data-testid=analytics-panel]").screenshot(path=str(folder / "console-analytics.png"))

        # usage over time: the bell's centre lists the stream's notifications and charts stream hours per day
        usage = api.get("/api/v1/analytics/usage", params={"days": 14}, headers=headers).json()
        days = sorted({row["day"] for row in usage["daily"] if row.get("stream_hours")})
        assert days and usage["totals"]["stream_hours"] > 0
        page.click("[data-testid=bell]")
        page.wait_for_function(f"() => [...document.querySelectorAll('[data-testid=notification-centre] li')]"
                               f".some((li) => li.textContent.includes('Stream {stream_id} stopped'))")
        chart = page.wait_for_selector("[data-testid=notification-centre] svg[aria-label='Stream hours per day']")
        bars = [str(b.text_content()) for b in chart.query_selector_all("rect")]
        assert [b.split(":")[0] for b in bars] == days
        hours = sum(row.get("stream_hours", 0) for row in usage["daily"])
        assert abs(sum(float(b.split(": ")[1]) for b in bars) - hours) < 0.01 * len(bars)
    finally:
        context.close()
        api.close()


@pytest.fixture
def low_analytics_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform's in-process analytics cap lowered through its configuration: the 6-hand log is over it."""
    monkeypatch.setenv("GGP_ANALYTICS_MAX_LOG_BYTES", "20000")


def test_the_panel_follows_a_background_job_for_a_big_log(low_analytics_cap: None, platform: str, browser: Any) -> None:
    """A log over the cap: the panel shows the background job's progress, then the figures it computed."""
    api = httpx.Client(base_url=platform, timeout=60)
    email = "big-analyst@console.test"
    headers, project, stream_id = _run_show(api, email)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{platform}/console/?project={project}&stream={stream_id}")
        _sign_in(page, email)
        page.click("[data-testid=analytics-load]")
        line = page.wait_for_selector("[data-testid=analytics-job]")
        assert line is not None and "computing in the background" in line.inner_text()
        page.wait_for_selector("[data-testid=analytics-figures]", timeout=300_000)  # Ray starts in the platform
        assert page.query_selector("[data-testid=analytics-job]") is None
        assert page.query_selector("[data-testid=analytics-problem]") is None
        expected = api.get(f"/api/v1/streams/{stream_id}/analytics", headers=headers)
        assert expected.status_code == 200  # the finished job's result, the log unchanged since
        figures = {str(e.get_attribute("data-name")): e.inner_text().split("\n")[-1]
                   for e in page.query_selector_all("[data-testid=analytics-figures] .figure")}
        assert figures["Hands"] == "6" == str(expected.json()["hands"])
        assert figures["Average pot"] == f"{expected.json()['average_pot']:,.0f}"
        rows = page.query_selector_all("[data-testid=analytics-players] tbody tr")
        assert [r.query_selector("td").inner_text() for r in rows] == [p["player"] for p in expected.json()["players"]]
    finally:
        context.close()
        api.close()

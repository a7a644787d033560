"""The HTML report of a show renders in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ggpgfx.analytics.hands import hands_from_log
from ggpgfx.analytics.report import html_report
from ggpgfx.analytics.show import analytics_of_table
from ggpgfx.analytics.simulate import simulate_show

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/apt-packages.txt)")
def test_report_renders_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    simulate_show(tmp_path / "log", 6, seed=3)
    result = analytics_of_table(hands_from_log(tmp_path / "log"))
    page_path = tmp_path / "report.html"
    page_path.write_text(html_report(result, "Main Event <Day 1>"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_path.as_uri())
            assert page.title() == "Main Event <Day 1>"
            assert page.locator("h1").inner_text() == "Main Event <Day 1>"  # escaped, not markup
            hands = page.locator('.figure[data-name="Hands"] b').inner_text()
            assert hands == str(result["hands"]) == "6"
            bars = page.locator("#chart-hours rect.bar")
            assert bars.count() == len(result["by_hour"])
            drawn = sum(float(bars.nth(i).get_attribute("data-value") or 0) for i in range(bars.count()))
            assert drawn == result["hands"]
            box = bars.first.bounding_box()
            assert box is not None and box["height"] > 10  # laid out and visible, not an empty SVG
            assert page.locator("#chart-vpip rect.bar").count() == 10
            rows = page.locator("#players tbody tr")
            assert rows.count() == len(result["players"])
            assert rows.first.locator("td").first.inner_text() == result["players"][0]["player"]
            assert page.locator("#pots tbody tr").first.locator("td").nth(2).inner_text() == \
                f"{result['biggest_pots'][0]['pot']:,}"
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            assert (tmp_path / "report.png").stat().st_size > 5_000
            assert errors == []
        finally:
            browser.close()

"""Fixtures of the console's browser tests: a live table behind the real control server, Debian's Chromium."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # console_helpers, shared by the test modules

from console_helpers import CHROMIUM, CONSOLE_BUILT, Rest, operator_graph  # noqa: E402


@pytest.fixture(scope="session")
def poker_warm() -> None:
    """Load the evaluator's tables and compiled kernels once, so no browser step waits for a compile."""
    from ggpgfx.poker.equity import warm_up

    warm_up()


@pytest.fixture
def live(poker_warm: None) -> Iterator[Any]:
    """The operator graph running on the local executor with its control endpoint on a free port."""
    from ggpgfx.control.live import start_live

    run = start_live(operator_graph("console-test").validate())
    try:
        yield run
    finally:
        run.stop()


@pytest.fixture
def rest(live: Any) -> Rest:
    """A REST client with a session on the live table."""
    return Rest(live.url, live.server.token)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    if not CONSOLE_BUILT:
        pytest.skip("the console is not built (scripts/build-console.sh needs Node 20.19+)")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/apt-packages.txt; `make test` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Loopback WebRTC for the preview (Chromium leaves loopback out and hides host addresses otherwise).
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
            "--autoplay-policy=no-user-gesture-required"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The platform API (`create_local_app`, SQLite, local stream executor, the console at /console/) on a
    free port: its base URL."""
    from ggpgfx.services.app import create_local_app
    from ggpgfx.services.config import load_settings
    from ggpgfx.testing import serve_app

    monkeypatch.setenv("GGP_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("GGP_ARGON2_MEMORY_KIB", "8192")
    settings = load_settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'ggp.db'}",
                             stream_executor="local", rate_limit_per_s=10_000.0, rate_limit_burst=10_000)
    with serve_app(create_local_app(settings)) as url:
        yield url

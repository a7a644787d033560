"""The operator console in a real browser (Debian's Chromium through Playwright) against the real control
server: a recorded WSOP hand played by clicking, a hand played by keyboard only, an illegal raise, a reload
mid-hand, and two consoles at once. `GGP_UPDATE_SCREENSHOTS=1` writes their screenshots to
docs/images/console-*.png (docs/console.md)."""

from __future__ import annotations

import statistics
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from console_helpers import (
    NEW_HAND,
    PHH,
    TABLET,
    Console,
    FlakyLink,
    QueuedReads,
    Rest,
    keypad,
    operator_graph,
    pick_cards,
    play_by_clicking,
    shot,
)

from ggpgfx.media.rtmp_server import free_port

pytestmark = [pytest.mark.network, pytest.mark.timeout(300)]

def test_recorded_hand_by_clicking_ends_with_the_record_stacks(live: Any, browser: Any) -> None:
    from ggpgfx.control.phh_requests import hand_requests

    record = tomllib.loads(PHH.read_text(encoding="utf-8"))
    requests = hand_requests(PHH)
    console = Console(browser, live.server.console_url)
    try:
        for step, (verb, args) in enumerate(requests):
            if verb == "board" and len(console.page.query_selector_all("[data-testid=board] .card")) == 4:
                shot(console, "tracker")  # the turn is out: cards, stacks, bets, the player to act
            try:
                play_by_clicking(console, verb, args)
            except Exception as error:
                seen = console.notices("reject") + console.notices("error") + [console.to_act()]
                raise AssertionError(f"step {step} {verb} {args}: {seen}") from error
        shown = console.stacks()
        expected = {seat: stack for seat, stack in enumerate(record["finishing_stacks"], start=1)}
        assert shown == expected
        assert "No hand running" in console.to_act() or "No one to act" in console.to_act()
    finally:
        console.close()


# -- keyboard ---------------------------------------------------------------------------------------------


def test_cards_from_rfid_and_vision_show_on_the_console(poker_warm: None, browser: Any) -> None:
    """The seat ring and board show the cards that reached rules.poker from a reader, not only typed ones."""
    from ggpgfx.api import Graph
    from ggpgfx.control.live import start_live

    QueuedReads.register()
    g = Graph("console-reads", realtime=True)
    g.add("test.console_reads", id="rfid")
    g.add("ingest.operator", id="op")
    g.add("rules.poker", id="rules", equity=False, drain_s=0)
    g.add("sink.null", id="states")
    g.connect("rfid.reads", "rules.reads")
    g.connect("op.actions", "rules.actions")
    g.connect("rules.state", "states.inp")
    live = start_live(g.validate())
    console = None
    try:
        rest = Rest(live.url, live.server.token)
        rest.ok("new_hand", NEW_HAND)
        console = Console(browser, live.server.console_url)
        QueuedReads.put([{"zone": "seat", "seat": 1, "card": "Ah", "source": "rfid"},
                         {"zone": "seat", "seat": 1, "card": "Kd", "source": "rfid"}])
        console.page.wait_for_selector("[data-testid=seat-1] [data-card='Kd']")
        cards = [e.get_attribute("data-card") for e in console.page.query_selector_all("[data-testid=seat-1] [data-card]")]
        assert cards == ["Ah", "Kd"]
        for _ in range(3):  # the button calls, the small blind completes, the big blind checks
            console.act(lambda: console.click("action-check-call"))  # type: ignore[union-attr]
        QueuedReads.put([{"zone": "board", "seat": -1, "card": c, "source": "vision"} for c in ("7c", "8d", "9h")])
        console.page.wait_for_selector("[data-testid=board] [data-card='9h']")
        board = [e.get_attribute("data-card") for e in console.page.query_selector_all("[data-testid=board] [data-card]")]
        assert board == ["7c", "8d", "9h"]
        assert "flop" in console.page.inner_text("[data-testid=street]").lower()
    finally:
        if console is not None:
            console.close()
        live.stop()


def test_a_hand_by_keyboard_only(live: Any, rest: Rest, browser: Any) -> None:
    # Hand 1 is set up and played over REST, so the set-up form starts with these players.
    rest.ok("new_hand", NEW_HAND)
    rest.ok("fold", {"seat": 3})
    rest.ok("fold", {"seat": 1})
    rest.ok("next_hand")
    console = Console(browser, live.server.console_url, TABLET)
    keys = console.page.keyboard
    try:
        assert console.stacks() == {1: 9_950, 2: 10_050, 3: 10_000}
        keys.press("Shift+S")
        console.page.wait_for_selector("[data-testid=setup-start]:focus")
        console.act(lambda: keys.press("Enter"))  # same players, the button moves on to seat 1
        state = rest.state()
        assert (state["hand_number"], state["button"], state["to_act"]) == (2, 1, 1)
        keys.press("ArrowRight")  # select seat 1
        keys.press("d")
        console.page.wait_for_selector("[data-testid=card-text]:focus")
        console.act(lambda: (keys.type("Ah Ad"), keys.press("Enter")))
        console.act(lambda: (keys.type("300"), keys.press("Enter")))  # seat 1 raises to 300
        console.act(lambda: keys.press("f"))  # seat 2 (small blind) folds
        console.act(lambda: keys.press("c"))  # seat 3 (big blind) calls
        keys.press("b")
        console.page.wait_for_selector("[data-testid=card-text]:focus")
        console.act(lambda: (keys.type("7c8d9h"), keys.press("Enter")))
        console.act(lambda: keys.press("c"))  # seat 3 checks
        keys.press("p")  # keypad = pot
        assert console.page.inner_text("[data-testid=keypad-amount]") == f"{rest.state()['predict']['pot']:,}" == "650"
        console.act(lambda: keys.press("Enter"))  # seat 1 bets the pot
        console.act(lambda: keys.press("f"))  # seat 3 folds
        console.act(lambda: keys.press("Shift+N"))
        assert console.stacks() == {1: 10_300, 2: 10_000, 3: 9_700}
        assert [s["stack"] for s in rest.state()["seats"]] == [10_300, 10_000, 9_700]
        keys.press("?")
        console.page.wait_for_selector("[data-testid=help]")
        shot(console, "shortcuts")
    finally:
        console.close()


# -- rejections, reloads, two consoles ---------------------------------------------------------------------


def test_an_illegal_raise_shows_the_reason_and_changes_nothing(live: Any, rest: Rest, browser: Any) -> None:
    rest.ok("new_hand", NEW_HAND)
    console = Console(browser, live.server.console_url)
    try:
        before_version, before_state = console.version(), rest.state()
        keypad(console, 150)  # seat 3 to act; the minimum raise is to 200
        console.click("action-bet")
        console.page.wait_for_selector("[data-testid=notice-reject]")
        assert console.notices("reject") == ["seat 3 cannot raise to 150: the minimum raise is to 200"]
        assert console.version() == before_version
        after = rest.state()
        assert after["version"] == before_state["version"] and after["seats"] == before_state["seats"]
        assert console.stacks() == {1: 9_950, 2: 9_900, 3: 10_000}
        shot(console, "reject")
    finally:
        console.close()


def test_reload_mid_hand_and_carry_on(live: Any, rest: Rest, browser: Any) -> None:
    rest.ok("new_hand", NEW_HAND)
    console = Console(browser, live.server.console_url)
    try:
        console.act(lambda: console.click("action-check-call"))  # seat 3 calls
        keypad(console, 400)
        console.act(lambda: console.click("action-bet"))  # seat 1 raises to 400
        before = (console.version(), console.stacks(), console.to_act())
        console.page.reload()  # the one-time token is gone from the address bar: the stored session is used
        assert "token=" not in console.page.url
        console.wait_connected()
        assert (console.version(), console.stacks(), console.to_act()) == before
        assert "seat 2" in console.to_act()
        console.act(lambda: console.click("action-check-call"))  # seat 2 calls the 400
        state = rest.state()
        assert [s["bet"] for s in state["seats"]] == [400, 400, 100] and state["to_act"] == 3
    finally:
        console.close()


def test_network_loss_mid_hand_loses_nothing_and_applies_once(live: Any, rest: Rest, browser: Any) -> None:
    link = FlakyLink(live.server.port)
    console = Console(browser, f"http://127.0.0.1:{link.port}/console/?token={live.server.token}", TABLET)
    try:
        version = rest.ok("new_hand", NEW_HAND)
        console.wait_version(version - 1)
        link.cut()
        # The socket goes silent: the console notices within seconds and starts redialling.
        console.page.wait_for_selector("[data-testid=connection][data-status=reconnecting]", timeout=10_000)
        assert "seat 3" in console.to_act()  # the hand stays on screen
        console.click("action-fold")  # entered while offline: kept until the server answers it
        assert console.page.query_selector(".busy") is not None
        time.sleep(1.0)
        assert rest.state()["version"] == version  # nothing reached the table yet
        link.restore()
        console.wait_version(version)
        console.page.wait_for_selector("[data-testid=connection][data-status=open]")
        state = rest.state()
        assert state["version"] == version + 1  # applied exactly once
        assert [s["status"] for s in state["seats"]] == ["active", "active", "folded"]
        assert "seat 1" in console.to_act()
    finally:
        console.close()
        link.close()


def test_touch_targets_and_kiosk_mode_on_a_tablet(live: Any, rest: Rest, browser: Any) -> None:
    rest.ok("new_hand", NEW_HAND)
    console = Console(browser, live.server.console_url + "&kiosk=1", TABLET)
    try:
        console.page.wait_for_selector("body.kiosk")
        small = console.page.evaluate("""() => [...document.querySelectorAll('button')]
          .filter(b => b.offsetParent !== null)
          .map(b => { const r = b.getBoundingClientRect(); return [b.textContent.trim(), r.width, r.height]; })
          .filter(([, w, h]) => w < 48 || h < 48)""")
        assert small == []
        assert console.page.is_hidden("[data-testid=graphics-panel]")  # kiosk: the tracker only
        shot(console, "kiosk")
        console.page.keyboard.press("Shift+K")
        console.page.wait_for_selector("[data-testid=graphics-panel]")
    finally:
        console.close()


def test_undo_across_streets_and_misdeal_from_the_console(live: Any, rest: Rest, browser: Any) -> None:
    rest.ok("new_hand", NEW_HAND)
    console = Console(browser, live.server.console_url)
    try:
        for _ in range(3):  # seat 3 calls, seat 1 completes, seat 2 checks
            console.act(lambda: console.click("action-check-call"))
        console.act(lambda: pick_cards(console, "action-board", ["7c", "8d", "9h"]))
        console.act(lambda: console.click("action-check-call"))  # seat 1 checks on the flop
        assert len(console.page.query_selector_all("[data-testid=board] .card")) == 3
        for _ in range(3):  # undo the check, the flop, and seat 2's preflop check
            console.act(lambda: console.click("action-undo"))
        state = rest.state()
        assert state["board"] == [] and state["street"] == "preflop" and state["to_act"] == 2
        assert "seat 2" in console.to_act() and console.page.query_selector_all("[data-testid=board] .card") == []
        console.click("action-misdeal")
        console.page.wait_for_selector("[data-testid=confirm]")
        console.act(lambda: console.click("confirm-yes"))
        state = rest.state()  # the hand starts again from its starting stacks, blinds posted
        assert [s["stack"] + s["bet"] for s in state["seats"]] == [10_000, 10_000, 10_000]
        assert state["to_act"] == 3 and state["street"] == "preflop"
        assert console.stacks() == {1: 9_950, 2: 9_900, 3: 10_000} and "seat 3" in console.to_act()
    finally:
        console.close()


def test_graphics_controls_reach_the_table(live: Any, rest: Rest, browser: Any) -> None:
    rest.ok("new_hand", NEW_HAND)
    console = Console(browser, live.server.console_url)
    try:
        console.act(lambda: console.click("graphics-toggle"))
        assert rest.state()["graphics_hidden"] is True
        assert console.page.inner_text("[data-testid=graphics-toggle]").startswith("Show graphics")
        console.act(lambda: console.click("leaderboard-toggle"))
        assert rest.state()["leaderboard_shown"] is True
        console.page.fill("[data-testid=ticker-text]", "Final table, level 24")
        console.act(lambda: console.click("ticker-send"))
        console.page.fill("[data-testid=lower-third-text]", "Ann Lee, 2019 champion")
        console.act(lambda: console.click("lower-third-send"))
        console.page.fill("[data-testid=tag-text]", "cooler")
        console.act(lambda: console.click("tag-send"))
        state = rest.state()
        assert (state["ticker"], state["lower_third"], state["tags"]) == (
            "Final table, level 24", "Ann Lee, 2019 champion", ["cooler"])
        console.act(lambda: console.click("lower-third-clear"))
        console.act(lambda: console.page.keyboard.press("g"))  # the shortcut for the same toggle
        state = rest.state()
        assert state["lower_third"] in (None, "") and state["graphics_hidden"] is False
    finally:
        console.close()


SEEN_AT = """() => { window.__seen = {}; const v = document.querySelector('[data-testid=version]');
  new MutationObserver(() => { window.__seen[v.textContent] = Date.now(); })
    .observe(v, {childList: true, characterData: true, subtree: true}); }"""
CLICK_AT = "(id) => { const t = Date.now(); document.querySelector(`[data-testid=${id}]`).click(); return t; }"


def test_two_consoles_share_the_state_and_learn_who_won(live: Any, rest: Rest, browser: Any) -> None:
    rest.ok("new_hand", NEW_HAND)
    a = Console(browser, live.server.console_url)
    b = Console(browser, live.server.console_url, TABLET)
    try:
        # Every change made on A is on B's screen within 200 ms.
        b.page.evaluate(SEEN_AT)
        delays = []
        for testid in ("action-check-call", "graphics-toggle", "graphics-toggle", "action-check-call"):
            version = a.version()
            sent = a.page.evaluate(CLICK_AT, testid)
            b.wait_version(version)
            delays.append(b.page.evaluate("(v) => window.__seen[v]", f"v{version + 1}") - sent)
        assert a.stacks() == b.stacks() and a.version() == b.version()
        print(f"console B saw console A's changes after {delays} ms")
        assert statistics.median(delays) < 200 and max(delays) < 1000, delays

        # A conflict: B freezes with version N on screen, A raises meanwhile, then B's call (sent for N) loses.
        assert "seat 2" in a.to_act() and "seat 2" in b.to_act()
        version = a.version()
        keypad(a, 300)
        b.page.evaluate("""() => setTimeout(() => { const end = Date.now() + 900; while (Date.now() < end) {}
          document.querySelector('[data-testid=action-check-call]').click(); }, 200)""")
        time.sleep(0.4)
        a.act(lambda: a.click("action-bet"))
        b.page.wait_for_selector("[data-testid=notice-conflict]")
        assert b.notices("conflict")[0].startswith("Another console acted first: your check/call was not applied.")
        b.wait_version(version)
        assert a.version() == b.version() == version + 1
        state = rest.state()
        assert state["version"] == version + 1 and [s["bet"] for s in state["seats"]] == [100, 300, 100]
        assert a.stacks() == b.stacks()
        shot(b, "conflict")
    finally:
        a.close()
        b.close()


def test_health_lights_of_a_running_pipeline(poker_warm: None, tmp_path: Path, browser: Any) -> None:
    from ggpgfx.control.live import start_live

    g = operator_graph("console-health")
    g.add("ingest.test_pattern", id="camera", width=320, height=240, frames=100_000)
    g.add("encode.h264", id="enc", preset="ultrafast", tune="zerolatency")
    g.add("publish.file", id="record", path=str(tmp_path / "record.mp4"))
    g.connect("camera.video", "enc.video")
    g.connect("enc.packets", "record.packets")
    run = start_live(g.validate())
    console = None
    try:
        console = Console(browser, run.server.console_url)
        # The encoder's rate and the recording come from the runtime's metrics, about once a second.
        console.page.wait_for_function("""() => {
          const enc = document.querySelector('[data-testid=health-encoder]');
          const rec = document.querySelector('[data-testid=health-recording]');
          return enc && rec && /[1-9][0-9.]* fps/.test(enc.textContent) && rec.textContent.includes('REC'); }""",
                                       timeout=30_000)
        assert console.page.inner_text("[data-testid=health-errors] strong") == "0"
        assert "ok" in str(console.page.get_attribute("[data-testid=health-recording]", "class"))
        shot(console, "health")
    finally:
        if console is not None:
            console.close()
        run.stop()


def test_the_program_preview_plays_in_the_console(poker_warm: None, browser: Any) -> None:
    from ggpgfx.control.live import start_live

    port = free_port()
    g = operator_graph("console-preview")
    g.add("ingest.test_pattern", id="bars", width=320, height=240, frames=100_000)
    g.add("publish.webrtc", id="rtc", port=port, width=320, loopback_only=True)
    g.connect("bars.video", "rtc.video")
    run = start_live(g.validate())
    console = None
    try:
        console = Console(browser, run.server.console_url)
        console.page.wait_for_function("""() => { const v = document.querySelector('[data-testid=preview-program] video');
          return v && v.videoWidth === 320 && v.getVideoPlaybackQuality().totalVideoFrames > 5; }""", timeout=30_000)
        assert console.page.inner_text("[data-testid=preview-delayed]").startswith("no delayed preview")
    finally:
        if console is not None:
            console.close()
        run.stop()

"""publish.webrtc in a real browser: Debian's Chromium (headless, driven by Playwright) opens the preview
page over 127.0.0.1, negotiates over WHEP, decodes the video and plays the clip's tone."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

import pytest

from ggpgfx.api import Graph
from ggpgfx.media.rtmp_server import free_port
from ggpgfx.runtime.run import start_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.network,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                 "(scripts/apt-packages.txt; `make test` installs it)")]

#: Chromium leaves loopback out of WebRTC and hides host addresses behind mDNS names unless told otherwise.
FLAGS = ["--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
         "--autoplay-policy=no-user-gesture-required", "--no-sandbox"]

VIDEO_STATE = """() => { const v = document.getElementById('v');
  return {width: v.videoWidth, height: v.videoHeight, frames: v.getVideoPlaybackQuality().totalVideoFrames,
          audioTracks: v.srcObject ? v.srcObject.getAudioTracks().length : 0}; }"""
AUDIO_STATS = """async () => { let level = 0, samples = 0;
  (await pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'audio') {
    level = r.audioLevel || 0; samples = r.totalSamplesReceived || 0; } });
  return {level, samples}; }"""


def test_chromium_plays_the_preview_with_sound(audio_preview_graph: Callable[[int], Graph]) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    g = audio_preview_graph(port)
    handle = start_run(g.validate(), realtime=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page()
                for _ in range(50):  # the graph thread may still be starting the server
                    try:
                        page.goto(f"http://127.0.0.1:{port}/")
                        break
                    except Exception:
                        time.sleep(0.1)
                page.wait_for_function(f"() => {{ const s = ({VIDEO_STATE})(); return s.width > 0 && s.frames > 10; }}",
                                       timeout=20_000)
                video = page.evaluate(VIDEO_STATE)
                page.evaluate("() => { document.getElementById('v').muted = false; }")
                deadline = time.monotonic() + 10
                audio = page.evaluate(AUDIO_STATS)
                while not (audio["level"] > 0.1 and audio["samples"] > 24_000) and time.monotonic() < deadline:
                    time.sleep(0.2)
                    audio = page.evaluate(AUDIO_STATS)
            finally:
                browser.close()
    finally:
        result = handle.wait(30)
    assert result is not None and result.error is None
    assert (video["width"], video["height"]) == (320, 240) and video["frames"] > 10
    assert video["audioTracks"] == 1
    assert audio["samples"] > 48_000 // 2  # over half a second of sound decoded
    assert 0.1 < audio["level"] < 0.4  # the clip's tone has amplitude 0.2

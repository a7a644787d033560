"""The WebRTC preview answers cross-origin WHEP from pages on its own host (the operator console), not others."""

from __future__ import annotations

import httpx

from ggpgfx.media.webrtc import PreviewServer, cors_origin


def test_only_same_host_origins_are_allowed() -> None:
    assert cors_origin("http://127.0.0.1:8710", "127.0.0.1:9000") == "http://127.0.0.1:8710"
    assert cors_origin("http://192.168.1.5:8710", "192.168.1.5:9000") == "http://192.168.1.5:8710"
    assert cors_origin("https://evil.example", "127.0.0.1:9000") is None
    assert cors_origin("http://localhost:8710", "127.0.0.1:9000") is None  # another name is another site
    assert cors_origin(None, "127.0.0.1:9000") is None


def test_preflight_of_the_whep_endpoint() -> None:
    server = PreviewServer()
    server.start()
    try:
        whep = f"{server.url}whep"
        console = f"http://127.0.0.1:{server.port + 1}"
        ok = httpx.options(whep, headers={"Origin": console, "Access-Control-Request-Method": "POST"})
        assert ok.status_code == 204
        assert ok.headers["Access-Control-Allow-Origin"] == console
        assert "Location" in ok.headers["Access-Control-Expose-Headers"]
        foreign = httpx.options(whep, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert foreign.status_code == 403 and "Access-Control-Allow-Origin" not in foreign.headers
        page = httpx.get(server.url, headers={"Origin": console})
        assert page.status_code == 200 and page.headers["Access-Control-Allow-Origin"] == console
    finally:
        server.close()

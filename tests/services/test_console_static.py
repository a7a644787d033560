"""The platform app serves the built operator console at /console/, or says how to build it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ggpgfx.services.console_static import mount_console


def test_serves_the_built_console(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<title>ggpgfx console</title>")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    app = FastAPI()
    mount_console(app, tmp_path)
    client = TestClient(app)
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/"
    page = client.get("/console/?project=p-1")
    assert page.status_code == 200 and "ggpgfx console" in page.text
    assert client.get("/console/assets/app.js").text == "console.log(1)"


def test_says_how_to_build_it_when_it_is_not_built(tmp_path: Path) -> None:
    app = FastAPI()
    mount_console(app, tmp_path)
    reply = TestClient(app).get("/console/")
    assert reply.status_code == 404 and "scripts/install.sh" in reply.text

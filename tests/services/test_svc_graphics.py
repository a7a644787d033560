"""Graphics endpoints: skins from ggpgfx.render, PNG stills from a TableState, 503 when the renderer is absent."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from svc_helpers import Org


def test_templates_list_bundled_skins(client: Any, org_a: Org) -> None:
    """Every skin the renderer ships is listed by name."""
    from ggpgfx.render.skins import list_skins

    response = client.get("/api/v1/graphics/templates", headers=org_a.headers["viewer"])
    assert response.status_code == 200
    assert {t["name"] for t in response.json()} == {s["name"] for s in list_skins()}


def test_render_png_from_table_state(client: Any, org_a: Org) -> None:
    """A sample all-in state renders to a PNG of the requested size; bad input is a 422."""
    from PIL import Image

    from ggpgfx.render.samples import sample_state

    body = {"table_state": sample_state("allin").model_dump(mode="json"), "skin": "broadcast",
            "width": 640, "height": 360, "reveal": "live"}
    response = client.post("/api/v1/graphics/render", json=body, headers=org_a.headers["producer"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    import io

    assert Image.open(io.BytesIO(response.content)).size == (640, 360)
    assert client.post("/api/v1/graphics/render", json=body, headers=org_a.headers["viewer"]).status_code == 403
    bad_skin = client.post("/api/v1/graphics/render", json={**body, "skin": "no-such-skin"},
                           headers=org_a.headers["producer"])
    assert bad_skin.status_code == 422
    bad_state = client.post("/api/v1/graphics/render", json={**body, "table_state": {"seats": "x"}},
                            headers=org_a.headers["producer"])
    assert bad_state.status_code == 422


def test_missing_renderer_is_503(client: Any, org_a: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    """If ggpgfx.render cannot be imported the API says so with a 503, not a 500."""
    monkeypatch.setitem(sys.modules, "ggpgfx.render.skins", None)  # makes the import raise ImportError
    monkeypatch.setitem(sys.modules, "ggpgfx.render.still", None)
    templates = client.get("/api/v1/graphics/templates", headers=org_a.headers["viewer"])
    assert templates.status_code == 503 and "not available" in templates.json()["detail"]
    render = client.post("/api/v1/graphics/render", json={"table_state": {}}, headers=org_a.headers["producer"])
    assert render.status_code == 503


def test_the_still_api_refuses_seat_photo_paths(client: Any, org_a: Org, tmp_path: Any) -> None:
    """A seat photo is a path on the server: the API never reads one for a caller (another tenant's image)."""
    from PIL import Image

    from ggpgfx.render.samples import sample_state

    secret = tmp_path / "face.png"
    Image.new("RGB", (64, 64), (10, 200, 30)).save(secret)
    state = sample_state("preflop")
    state.seats[0].photo = str(secret)
    body = {"table_state": state.model_dump(mode="json"), "skin": "broadcast", "width": 640, "height": 360}
    response = client.post("/api/v1/graphics/render", json=body, headers=org_a.headers["producer"])
    assert response.status_code == 422 and "photo names a file on the server" in response.text
    assert response.headers["content-type"].startswith("application/json")

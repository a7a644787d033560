"""The graph's input from the real platform: `ingest.tournament` long-polls GET /api/v1/events/{id}/state of a
running platform app with an API key; a chip count entered through the API reaches the graph, and a
player's uploaded photo arrives as a local file the renderer can draw."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from svc_helpers import Org

pytestmark = pytest.mark.network


def test_platform_state_reaches_the_graph_with_photos(client: Any, org_a: Org, served: str) -> None:
    from ggpgfx.nodes.ingest.tournament import TournamentIngest
    from PIL import Image

    from ggpgfx.testing import NodeHarness

    op = org_a.headers["producer"]
    key = client.post("/api/v1/api-keys", json={"name": "graph", "role": "viewer"},
                      headers=org_a.headers["admin"]).json()["key"]
    event = client.post("/api/v1/events", json={"name": "Ingest Cup", "buy_in": 100}, headers=op).json()["id"]
    levels = {"levels": [{"small_blind": 100, "big_blind": 200, "duration_s": 900}]}
    assert client.put(f"/api/v1/events/{event}/structure", json=levels, headers=op).status_code == 200
    assert client.post(f"/api/v1/events/{event}/clock", json={"action": "start"}, headers=op).status_code == 200
    player = client.post("/api/v1/players", json={"name": "Ingest Ida", "country": "NO"}, headers=op).json()["id"]
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), (250, 200, 0)).save(picture, format="PNG")
    assert client.post(f"/api/v1/players/{player}/photo", files={"file": ("i.png", picture.getvalue(), "image/png")},
                       data={"shape": "circle", "size": "96"}, headers=op).status_code == 200
    entry = client.post(f"/api/v1/events/{event}/entries", json={"player_id": player}, headers=op).json()["id"]

    harness = NodeHarness(TournamentIngest, {"url": f"{served}/api/v1/events/{event}/state", "api_key": key,
                                             "wait_s": 0.3, "timeout_s": 30})  # the first request of a cold app takes seconds on a loaded machine
    try:
        harness.tick()
        (first,) = harness.take("tournament")
        ida = first.player(player)
        assert ida is not None and ida.chips == 20000 and ida.country == "NO"
        assert ida.photo is not None and Path(ida.photo).is_file()
        with Image.open(ida.photo) as photo:
            assert photo.size == (96, 96) and photo.getpixel((48, 48))[:3] == (250, 200, 0)
        assert first.clock is not None and first.clock.running
        harness.node.next_poll = 0.0
        harness.tick()
        assert harness.take("tournament") == []  # nothing changed: nothing emitted (the message is byte-stable)
        assert client.put(f"/api/v1/events/{event}/entries/{entry}/chips", json={"chips": 45500},
                          headers=op).status_code == 200
        harness.node.next_poll = 0.0
        harness.tick()
        (second,) = harness.take("tournament")
        ida = second.player(player)
        assert ida is not None and ida.chips == 45500 and second.version > first.version
        assert ida.photo == first.player(player).photo  # type: ignore[union-attr]  # fetched once
        folder = Path(ida.photo).parent  # type: ignore[arg-type]
    finally:
        harness.eos()
    assert not folder.exists()  # teardown removed the fetched photos


def test_state_long_poll_answers_on_the_next_write(client: Any, org_a: Org, served: str) -> None:
    """`?after_version=V` waits for a newer version: 204 when none comes, at once when it is already newer,
    and woken by a chip-count write (not by the fallback re-check) while it waits."""
    import httpx

    from ggpgfx.services.tournament_push import BOARD

    op = org_a.headers["producer"]
    event = client.post("/api/v1/events", json={"name": "Push Cup", "buy_in": 100}, headers=op).json()["id"]
    player = client.post("/api/v1/players", json={"name": "Push Pia"}, headers=op).json()["id"]
    entry = client.post(f"/api/v1/events/{event}/entries", json={"player_id": player}, headers=op).json()["id"]
    state = client.get(f"/api/v1/events/{event}/state", headers=op).json()
    url = f"{served}/api/v1/events/{event}/state"
    with httpx.Client(base_url=served, headers=op, timeout=30) as http:
        started = time.monotonic()
        quiet = http.get(url, params={"after_version": state["version"], "wait_s": 0.4})
        assert quiet.status_code == 204 and quiet.content == b"" and time.monotonic() - started >= 0.4
        stale = http.get(url, params={"after_version": state["version"] - 1, "wait_s": 10})
        assert stale.status_code == 200 and stale.json()["version"] == state["version"]
        assert http.get(url, params={"after_version": -1}).status_code == 422

        answers: list[tuple[float, Any]] = []

        def long_poll() -> None:
            with httpx.Client(headers=op, timeout=30) as own:  # its own connection
                answer = own.get(url, params={"after_version": state["version"], "wait_s": 20})
            answers.append((time.monotonic(), answer))

        waiting = threading.Thread(target=long_poll)
        waiting.start()
        deadline = time.monotonic() + 10
        while BOARD.waiting() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert BOARD.waiting() >= 1, "the long-poll is not waiting"
        written = http.put(f"/api/v1/events/{event}/entries/{entry}/chips", json={"chips": 31_500})
        acknowledged = time.monotonic()
        assert written.status_code == 200
        waiting.join(20)
    ((answered, answer),) = answers
    assert answer.status_code == 200
    pia = next(p for p in answer.json()["players"] if p["id"] == player)
    assert pia["chips"] == 31_500 and answer.json()["version"] > state["version"]
    assert answered - acknowledged < 5  # not the 20 s wait: answered on the write


def test_ingest_long_polls_the_platform(client: Any, org_a: Org, served: str) -> None:
    """The node's request after the first read carries after_version and waits; a write wakes it."""
    from ggpgfx.nodes.ingest.tournament import TournamentIngest

    from ggpgfx.testing import NodeHarness

    op = org_a.headers["producer"]
    key = client.post("/api/v1/api-keys", json={"name": "push", "role": "viewer"},
                      headers=org_a.headers["admin"]).json()["key"]
    event = client.post("/api/v1/events", json={"name": "Push Open", "buy_in": 100}, headers=op).json()["id"]
    player = client.post("/api/v1/players", json={"name": "Push Per"}, headers=op).json()["id"]
    entry = client.post(f"/api/v1/events/{event}/entries", json={"player_id": player}, headers=op).json()["id"]
    harness = NodeHarness(TournamentIngest, {"url": f"{served}/api/v1/events/{event}/state", "api_key": key,
                                             "wait_s": 0.5, "poll_s": 30, "timeout_s": 30})
    try:
        harness.tick()
        (first,) = harness.take("tournament")
        assert harness.node.next_poll > time.monotonic() + 20  # the first read answered: poll_s is not used ...
        harness.node.next_poll = 0.0
        started = time.monotonic()
        harness.tick()  # ... a long-poll: nothing changes, 204 after wait_s
        assert harness.take("tournament") == [] and time.monotonic() - started >= 0.5
        assert harness.node.next_poll == 0.0  # and the next request goes at once (not after poll_s = 30 s)
        writer = threading.Timer(0.2, lambda: client.put(f"/api/v1/events/{event}/entries/{entry}/chips",
                                                         json={"chips": 52_000}, headers=op))
        writer.start()
        harness.node.params = harness.node.params.model_copy(update={"wait_s": 20.0})
        started = time.monotonic()
        harness.tick()
        writer.join()
        (second,) = harness.take("tournament")
        assert time.monotonic() - started < 10  # woken by the write, not the 20 s wait
        per = second.player(player)
        assert per is not None and per.chips == 52_000 and second.version > first.version
    finally:
        harness.eos()

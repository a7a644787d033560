"""ingest.tournament: a file re-read when it changes (JSON or YAML), or the platform's state URL with an API key."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from ggpgfx.nodes.ingest.tournament import TournamentIngest

from ggpgfx.errors import ConfigError, GgpError, MediaError
from ggpgfx.testing import NodeHarness
from ggpgfx.tournament.samples import sample_tournament
from ggpgfx.tournament.state import TournamentState


def _write(path: Path, state: TournamentState, bump: int) -> None:
    path.write_text(state.to_json())
    os.utime(path, ns=(bump * 1_000_000_000, bump * 1_000_000_000))  # a new mtime even within one clock tick


def _poll(harness: NodeHarness) -> None:
    harness.node.next_poll = 0.0
    harness.tick()


def test_file_changes_reach_the_graph_and_bad_saves_keep_the_last_good_state(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    state = sample_tournament()
    _write(path, state, 1)
    harness = NodeHarness(TournamentIngest, {"path": str(path)})
    harness.tick()
    first = harness.take("tournament")
    assert len(first) == 1 and first[0].players == state.players
    _poll(harness)  # unchanged file: nothing
    assert harness.take("tournament") == []
    leader = state.standings()[0]
    moved = [p.model_copy(update={"chips": p.chips + 5_000}) if p.id == leader.id else p for p in state.players]
    _write(path, state.model_copy(update={"players": moved, "version": 2}), 2)
    _poll(harness)
    (second,) = harness.take("tournament")
    assert second.version == 2 and second.player(leader.id).chips == leader.chips + 5_000  # type: ignore[union-attr]
    path.write_text('{"players": [{"id": "a"')  # a half-written save
    os.utime(path, ns=(3_000_000_000, 3_000_000_000))
    _poll(harness)
    assert harness.take("tournament") == [] and harness.node.rejected == 1


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump({"version": 4, "players": [{"id": "a", "name": "Ann Lee", "country": "kr",
                                                               "chips": 1000}], "graphics": {"leaderboard": True}}))
    harness = NodeHarness(TournamentIngest, {"path": str(path)})
    harness.tick()
    (state,) = harness.take("tournament")
    assert state.version == 4 and state.players[0].country == "KR" and state.graphics.leaderboard


def test_the_first_read_must_succeed(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="tournament file .*missing.json"):
        NodeHarness(TournamentIngest, {"path": str(tmp_path / "missing.json")})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"players": [{"id": "a", "name": "A", "country": "XX"}]}))
    with pytest.raises(ConfigError, match="players.0.country: 'XX' is not an ISO 3166-1 alpha-2"):
        NodeHarness(TournamentIngest, {"path": str(bad)})


def test_exactly_one_source() -> None:
    with pytest.raises((GgpError, ValueError), match="exactly one of path"):
        NodeHarness(TournamentIngest, {"path": "a.json", "url": "http://127.0.0.1:1/state"})


@pytest.fixture
def platform() -> Iterator[tuple[str, dict[str, object]]]:
    """A stand-in for GET /api/v1/events/{id}/state that wants an API key."""
    shared: dict[str, object] = {"body": sample_tournament().to_json(), "keys": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            shared["keys"].append(self.headers.get("X-API-Key"))  # type: ignore[attr-defined]
            if self.headers.get("X-API-Key") != "k-123":
                self.send_response(401)
                self.end_headers()
                return
            body = str(shared["body"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/events/main/state", shared
    server.shutdown()
    server.server_close()


def test_platform_url_is_polled_with_the_api_key(platform: tuple[str, dict[str, object]]) -> None:
    url, shared = platform
    harness = NodeHarness(TournamentIngest, {"url": url, "api_key": "k-123"})
    harness.tick()
    assert len(harness.take("tournament")) == 1
    shared["body"] = sample_tournament(remaining=17).to_json()
    _poll(harness)
    (state,) = harness.take("tournament")
    assert state.players_remaining() == 17 and set(shared["keys"]) == {"k-123"}  # type: ignore[arg-type]


def test_platform_refusal_is_a_clear_error(platform: tuple[str, dict[str, object]]) -> None:
    url, _ = platform
    with pytest.raises(MediaError, match="HTTP 401"):
        NodeHarness(TournamentIngest, {"url": url, "api_key": "wrong"})


def test_stop_after(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    _write(path, sample_tournament(), 1)
    harness = NodeHarness(TournamentIngest, {"path": str(path), "stop_after_s": 0.05})
    assert harness.tick() is True
    harness.node.started -= 1.0
    assert harness.tick() is False


def test_photo_paths_in_a_tenant_file_are_confined_by_the_run_policy(tmp_path: Path) -> None:
    """A tenant's tournament file names photo files: under a policy they resolve inside its storage, and a
    server file (outside) draws initials instead of being read onto the tenant's program."""
    from ggpgfx.policy import RunPolicy

    storage = tmp_path / "org"
    storage.mkdir()
    (storage / "ann.png").write_bytes(b"png")
    path = storage / "event.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "players": [
        {"id": "a", "name": "Ann Lee", "chips": 1000, "photo": "ann.png"},
        {"id": "b", "name": "Bo Kim", "chips": 900, "photo": "/etc/hostname"}]}))
    harness = NodeHarness(TournamentIngest, {"path": str(path)}, setup=False)
    harness.node.context.policy = RunPolicy(read_roots=(storage,), write_roots=(storage,), base=storage)
    harness.setup()
    harness.tick()
    (state,) = harness.take("tournament")
    assert state.player("a").photo == str((storage / "ann.png").resolve())  # type: ignore[union-attr]
    assert state.player("b").photo is None  # type: ignore[union-attr]


BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
players: [{id: a, name: Ann, chips: 1, notes: *h}]
"""


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("bomb.yaml", BOMB, "more than 100000 values once aliases are expanded"),
    ("deep.yaml", "players: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than 64 levels"),
    ("deep.json", '{"players": ' + "[" * 100_000 + "]" * 100_000 + "}", "nests deeper than 64 levels"),
    ("deeper.json", '{"players": ' + "[" * 500 + "]" * 500 + "}", "nests deeper than 64 levels"),
])
def test_hostile_event_files_are_a_clean_error(tmp_path: Path, name: str, text: str, problem: str) -> None:
    """A tenant's alias bomb or deep nesting is refused with the reason, on the first read or a later one."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        NodeHarness(TournamentIngest, {"path": str(path)})
    good = tmp_path / f"good{path.suffix}"
    good.write_text(sample_tournament().to_json())
    harness = NodeHarness(TournamentIngest, {"path": str(good)})
    harness.tick()
    assert len(harness.take("tournament")) == 1
    good.write_text(text)  # a later save turns hostile: logged, the last good state stays, the node goes on
    os.utime(good, ns=(9_000_000_000, 9_000_000_000))
    _poll(harness)
    assert harness.take("tournament") == [] and harness.node.rejected == 1

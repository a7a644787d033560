"""ingest.tournament: the tournament-state message from a local JSON/YAML file (re-read on change) or the platform."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ggpgfx.errors import ConfigError, MediaError
from ggpgfx.graph.fields import FilePath, MediaUrl, StreamKey
from ggpgfx.graph.load import load_data
from ggpgfx.graph.node import Node, Port, Resources, register_node
from ggpgfx.policy import PolicyError, check_connect
from ggpgfx.tournament.state import TournamentState, parse_tournament_state


@register_node
class TournamentIngest(Node):
    """Emit a TournamentState whenever it changes: from `path` (a file an editor or script rewrites) or `url`.

    `url` is the platform's `GET /api/v1/events/{id}/state`, read with `api_key` (sent as X-API-Key). The
    platform pushes by long-poll: each request carries `after_version` and is answered as soon as the event
    changes (or with 204 after `wait_s`); a platform that ignores it answers at once and is then polled every
    `poll_s` (the fallback).
    The first read must succeed (a missing or invalid file stops the graph with the reason); later bad
    reads (a half-written file, a platform restart) keep the last good state on air and are logged.
    Each emitted clock is advanced to the moment of reading, so the overlay counts down from there.
    """

    type_name = "ingest.tournament"
    outputs = {"tournament": Port(TournamentState, doc="the latest tournament state (render.overlay `tournament`)")}
    resources = Resources(cpu=0.05)

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        path: FilePath | None = Field(None, description="a JSON or YAML file holding a TournamentState")
        url: MediaUrl | None = Field(None, description="the platform's /api/v1/events/{id}/state URL")
        api_key: StreamKey | None = Field(None, description="platform API key for `url` (X-API-Key header)")
        poll_s: float = Field(0.25, gt=0, le=60, description="how often the file or URL is checked for a change")
        timeout_s: float = Field(5.0, gt=0, le=60, description="HTTP timeout for one poll of `url`")
        wait_s: float = Field(2.0, ge=0, le=30, description="long-poll of `url`: the platform holds each request "
                                                            "up to this long and answers on a change (0: poll)")
        stop_after_s: float | None = Field(None, gt=0, description="end the stream after this long (default: "
                                                                   "run until the graph stops)")

        @model_validator(mode="after")
        def _one_source(self) -> TournamentIngest.Params:
            if (self.path is None) == (self.url is None):
                raise ValueError("give exactly one of path (a local file) or url (the platform's state URL)")
            if self.api_key is not None and self.url is None:
                raise ValueError("api_key is only used with url")
            return self

    def setup(self) -> None:
        """Read the source once: a graph must not start on a missing or invalid tournament file."""
        self.started = time.monotonic()
        self.last: TournamentState | None = None
        self.signature: Any = None
        self.emitted = 0
        self.rejected = 0
        self.next_poll = 0.0
        self.photos: dict[str, str | None] = {}  # platform photo path -> local file (None: not fetched)
        self.photo_dir: Path | None = None
        self.version: int | None = None  # the platform's version of the last state read from `url`
        self.repoll = False  # the last long-poll was answered (a change or 204): the next request goes at once
        self.first = self._read(strict=True)

    def teardown(self) -> None:
        """Remove the fetched photos."""
        if getattr(self, "photo_dir", None) is not None:
            import shutil

            shutil.rmtree(self.photo_dir, ignore_errors=True)

    def _pts(self) -> int:
        return int((time.monotonic() - self.started) * 1_000_000)

    # -- sources ------------------------------------------------------------------------------------------
    def _read_file(self, path: Path) -> TournamentState | None:
        try:
            stat = path.stat()
        except OSError as exc:
            raise MediaError(f"tournament file {path}: {exc.strerror or exc}") from None
        signature = (stat.st_mtime_ns, stat.st_size)
        if signature == self.signature:
            return None
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):  # the bounded reader: alias bombs, deep nesting
            data = load_data(text, str(path))
            state = self._local_photos(parse_tournament_state(data if data is not None else {}))
        else:
            state = self._local_photos(parse_tournament_state(text))
        self.signature = signature
        return state

    def _read_url(self, url: str) -> TournamentState | None:
        check_connect(url, self.context.policy)
        headers = {"Accept": "application/json"}
        if self.params.api_key is not None:
            headers["X-API-Key"] = self.params.api_key.get_secret_value()
        query, wait = url, 0.0
        if self.version is not None and self.params.wait_s > 0:  # long-poll: answered when the version moves
            wait = self.params.wait_s
            if self.params.stop_after_s is not None:  # never hold the graph past its end
                wait = round(max(0.0, min(wait, self.started + self.params.stop_after_s - time.monotonic())), 3)
            query = url + ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(
                {"after_version": self.version, "wait_s": wait})
        request = urllib.request.Request(query, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.params.timeout_s + wait) as response:  # noqa: S310
                if response.status == 204:  # nothing newer within wait_s: ask again at once
                    self.repoll = True
                    return None
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise MediaError(f"tournament state {url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise MediaError(f"tournament state {url}: {getattr(exc, 'reason', exc)}") from None
        if body == self.signature:
            return None
        state = self._platform_photos(url, headers, parse_tournament_state(body))
        self.signature = body
        self.version = state.version
        self.repoll = self.params.wait_s > 0  # a long-poll answered: the next one waits on the platform
        return state

    def _platform_photos(self, url: str, headers: dict[str, str], state: TournamentState) -> TournamentState:
        """Players' photos given as platform paths (`/api/v1/players/{id}/photo?v=<asset>`) are fetched with the
        same API key into a folder of this node and replaced by the local file (once per photo version);
        a photo that cannot be fetched draws initials (None), the state still goes on air."""
        import tempfile

        players = []
        for player in state.players:
            photo = player.photo
            if photo and not photo.startswith("/api/"):
                # a URL source names photos only as platform paths: anything else would be a file on this server
                self.log.warning("photo %r of %s is not a platform photo path: initials drawn", photo, player.name)
                player = player.model_copy(update={"photo": None})
            elif photo:
                if photo not in self.photos:
                    if self.photo_dir is None:
                        self.photo_dir = Path(tempfile.mkdtemp(prefix="ggp-tournament-photos-"))
                    target = self.photo_dir / f"{len(self.photos)}.png"
                    try:
                        request = urllib.request.Request(urllib.parse.urljoin(url, photo), headers=headers)
                        with urllib.request.urlopen(request, timeout=self.params.timeout_s) as response:  # noqa: S310
                            target.write_bytes(response.read())
                        self.photos[photo] = str(target)
                    except (urllib.error.URLError, OSError) as exc:
                        self.log.warning("photo of %s not fetched (initials drawn): %s", player.name, exc)
                        self.photos[photo] = None
                player = player.model_copy(update={"photo": self.photos[photo]})
            players.append(player)
        return state.model_copy(update={"players": players})

    def _local_photos(self, state: TournamentState) -> TournamentState:
        """Under a run policy, a file's photo paths are files like any other: confined to the organisation's
        storage (resolved there); a photo outside it draws initials instead of reading a server file."""
        policy = self.context.policy
        if policy is None:
            return state
        players = []
        for player in state.players:
            if player.photo:
                try:
                    player = player.model_copy(update={"photo": policy.check_path(player.photo, "read")})
                except PolicyError as exc:
                    self.log.warning("photo of %s not used (initials drawn): %s", player.name, exc)
                    player = player.model_copy(update={"photo": None})
            players.append(player)
        return state.model_copy(update={"players": players})

    def _read(self, strict: bool) -> TournamentState | None:
        """A new state when the source changed, else None; errors raise when strict, else are logged."""
        try:
            if self.params.path is not None:
                return self._read_file(Path(self.params.path))
            assert self.params.url is not None
            return self._read_url(self.params.url)
        except (ConfigError, MediaError, ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
            if strict:
                if isinstance(exc, MediaError | ConfigError):
                    raise
                raise ConfigError(f"tournament file {self.params.path}: {exc}") from None
            self.rejected += 1
            self.log.warning("tournament state not updated (the last good one stays on air): %s", exc)
            return None

    # -- emitting -----------------------------------------------------------------------------------------
    def _emit(self, state: TournamentState) -> None:
        now = time.time()
        if state.clock is not None:  # the overlay counts the clock down from the moment it receives it
            state = state.model_copy(update={"clock": state.clock.at(now)})
        if self.last is not None and _shown(state, now) == _shown(self.last, now):
            return  # nothing a viewer would see changed (the same file saved again)
        self.last = state
        self.emitted += 1
        self.emit("tournament", state, pts=self._pts())

    def tick(self) -> bool:
        """Emit the first state, then poll the source every `poll_s` and emit what changed."""
        if self.params.stop_after_s is not None and time.monotonic() - self.started >= self.params.stop_after_s:
            return False
        if self.first is not None:
            state, self.first = self.first, None
            self._emit(state)
            self.next_poll = time.monotonic() + self.params.poll_s
            return True
        wait = self.next_poll - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, 0.05))
            return True
        self.next_poll = time.monotonic() + self.params.poll_s
        self.repoll = False
        state = self._read(strict=False)
        if state is not None:
            self._emit(state)
        if self.repoll:
            self.next_poll = 0.0  # long-poll again at once: the platform holds the request until a change
        return True


def _shown(state: TournamentState, now: float) -> tuple[Any, ...]:
    """What a viewer sees of a state at `now`: everything but the clock's reference time, to the second."""
    clock = state.clock.at(now) if state.clock is not None else None
    seen = (clock.level_index, clock.running, round(clock.remaining_s)) if clock is not None else None
    levels = state.clock.levels if state.clock is not None else None
    return state.model_dump(exclude={"clock"}), levels, seen

"""The control endpoint of a running graph: WebSocket + REST (protocol v1, docs/console.md) and the console.

aiohttp on its own event-loop thread inside the `ggp run` process, for the local and the Ray executor
alike: requests are judged and journaled here (`ControlTable`), `ingest.operator` nodes read the
journal wherever they run. Blocking work (fsync, the poker engine) runs off the loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from ggpgfx.control.health import HealthSampler
from ggpgfx.control.table import ControlTable, Reject

log = logging.getLogger("ggpgfx.control")
CONSOLE_DIST = Path(__file__).resolve().parent.parent / "console_dist"
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>ggpgfx console</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>The console is not built</h1>
<p>This ggpgfx has no built console app (<code>ggpgfx/console_dist/</code> is empty). Build it with
<code>scripts/install.sh</code>, or drive the table through the control protocol (docs/console.md):
the WebSocket at <code>/control/v1/ws</code> and the REST mirror under <code>/control/v1/</code> work.</p>
</body>"""
BAD_REQUEST_CODES = {"bad_request", "unknown_verb"}


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class ControlServer:
    """HTTP + WebSocket control of some tables, with a per-run token exchanged for sessions."""

    def __init__(self, tables: dict[str, ControlTable], *, host: str = "127.0.0.1", port: int = 0,
                 health: HealthSampler | None = None, session_ttl_s: float = 12 * 3600,
                 token: str | None = None) -> None:
        self.tables = tables
        self.host = host
        self.port = port
        self.health = health or HealthSampler()
        self.session_ttl_s = session_ttl_s
        self.token = token or secrets.token_urlsafe(18)
        self.sessions: dict[str, float] = {}  # session -> expiry (monotonic)
        self.sockets: set[web.WebSocketResponse] = set()
        # Sockets still receiving their first states: broadcasts meanwhile are held for them, in order.
        self._joining: dict[web.WebSocketResponse, list[str]] = {}
        self._sent_versions: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None
        #: Called (in a worker thread) with (table, entry reply, request) after every accepted request.
        self.on_accept: Callable[[str, dict[str, Any], dict[str, Any]], None] | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL (http://host:port)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def console_url(self) -> str:
        """The console URL with the run's token, as printed at start."""
        return f"{self.url}/console/?token={self.token}"

    def start(self) -> ControlServer:
        """Serve on a thread of its own; returns once the port is bound (raises if it cannot be)."""
        self._thread = threading.Thread(target=self._serve, name="ggp-control", daemon=True)
        self._thread.start()
        self._ready.wait(15)
        if self._failure is not None:
            from ggpgfx.errors import ConfigError

            raise ConfigError(f"the control endpoint cannot listen on {self.host}:{self.port}: {self._failure}")
        return self

    def stop(self) -> None:
        """Close every socket and stop serving."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(10)
        for table in self.tables.values():
            if table.journal is not None:
                table.journal.close()

    def _serve(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._failure = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        app = self.app()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # noqa: SLF001 - the bound port when port=0
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self._ready.set()
        ticker = asyncio.create_task(self._health_loop())
        await self._stopping.wait()
        ticker.cancel()
        for ws in list(self.sockets):
            await ws.close()
        await self._runner.cleanup()

    def app(self) -> web.Application:
        """The aiohttp application (routes of protocol v1 and the console)."""
        app = web.Application(client_max_size=1 << 20)
        r = app.router
        r.add_post("/control/v1/session", self._session)
        r.add_get("/control/v1/ws", self._ws)
        r.add_get("/control/v1/tables", self._tables)
        r.add_get("/control/v1/health", self._health)
        r.add_get("/control/v1/tables/{table}/state", self._state)
        r.add_post("/control/v1/tables/{table}/actions", self._actions)
        r.add_post("/control/v1/tables/{table}/{verb}", self._verb)
        r.add_get("/", self._root)
        r.add_get("/console", self._root)
        r.add_get("/console/", self._console)
        r.add_get("/console/{path:.*}", self._console)
        return app

    # -- auth -------------------------------------------------------------------------------------

    def new_session(self) -> str:
        """A fresh session (what exchanging the token gives)."""
        session = secrets.token_urlsafe(24)
        self.sessions[session] = time.monotonic() + self.session_ttl_s
        return session

    def expire_sessions(self) -> None:
        """End every session now (they must exchange the token again)."""
        self.sessions.clear()

    def _authorized(self, request: web.Request) -> bool:
        session = request.query.get("session") or request.cookies.get("ggp_session")
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            session = header[7:].strip()
        if not session:
            return False
        expiry = self.sessions.get(session)
        if expiry is None or expiry < time.monotonic():
            self.sessions.pop(session, None)
            return False
        self.sessions[session] = time.monotonic() + self.session_ttl_s  # sliding expiry
        return True

    @staticmethod
    def _unauthorized() -> web.Response:
        return _error(401, "unauthorized", "no valid session: exchange the console token at POST /control/v1/session")

    async def _session(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "bad_request", "the body must be JSON: {\"token\": \"...\"}")
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not secrets.compare_digest(token, self.token):
            return _error(401, "unauthorized", "wrong token: use the one printed when the graph started")
        session = self.new_session()
        response = web.json_response({"session": session})
        response.set_cookie("ggp_session", session, httponly=True, samesite="Strict", path="/")
        return response

    # -- requests ---------------------------------------------------------------------------------

    def handle(self, table_name: str, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Judge one request (blocking); the reply and, when it changed the table, the new state."""
        request_id = request.get("id")
        if not isinstance(request_id, str) or not request_id or len(request_id) > 200:
            return Reject("bad_request", "every request needs an \"id\": a non-empty string (at most 200 "
                                         "characters) chosen by the client").reply(None), None
        verb = request.get("verb")
        if not isinstance(verb, str):
            return Reject("bad_request", "the request needs a \"verb\" (a string)").reply(request_id), None
        table = self.tables.get(table_name)
        if table is None:
            return Reject("unknown_table", f"no table {table_name!r}; tables: "
                                           f"{', '.join(self.tables) or 'none'}").reply(request_id), None
        expect = request.get("expect_version")
        if expect is not None and (not isinstance(expect, int) or isinstance(expect, bool)):
            return Reject("bad_request", "\"expect_version\" must be an integer").reply(request_id), None
        with table.lock:
            before = table.version
            reply = table.handle(request_id, verb, request.get("args"), expect)
            state = table.state() if table.version != before else None
        if state is not None and self.on_accept is not None:
            try:
                self.on_accept(table_name, reply, request)
            except Exception:  # the audit hook must not break the table
                log.exception("control on_accept hook failed")
        return reply, state

    def card_reads(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        """Card reads that reached the graph's rules.poker for this table (any thread): the replica takes
        them and every console gets the new state (same version: reads are not requests)."""
        table = self.tables.get(table_name)
        if table is None or not table.apply_reads(rows):
            return
        state = table.state()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._broadcast_state(table_name, state), loop)

    async def _run(self, table: str, request: dict[str, Any],
                   reply_to: web.WebSocketResponse | None = None) -> dict[str, Any]:
        """Judge off the loop; the requester's reply goes out before the state push to everyone."""
        loop = asyncio.get_running_loop()
        reply, state = await loop.run_in_executor(None, self.handle, table, request)
        if reply_to is not None:
            await reply_to.send_json(reply)
        if state is not None:
            await self._broadcast_state(table, state)
        return reply

    async def _broadcast_state(self, table: str, state: dict[str, Any]) -> None:
        version = int(state["version"])
        if version < self._sent_versions.get(table, -1):
            return  # a newer state went out already
        self._sent_versions[table] = version
        await self._broadcast({"type": "state", "table": table, "version": version, "state": state})

    async def _broadcast(self, message: dict[str, Any]) -> None:
        text = json.dumps(message)
        for held in self._joining.values():
            held.append(text)
        for ws in list(self.sockets):
            if ws.closed:
                self.sockets.discard(ws)
                continue
            try:
                await ws.send_str(text)
            except (ConnectionError, RuntimeError):
                self.sockets.discard(ws)

    async def _health_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(1.0)
            if not self.sockets:
                continue
            health = await loop.run_in_executor(None, self.health.sample)
            await self._broadcast({"type": "health", "health": health})

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return self._unauthorized()
        ws = web.WebSocketResponse(heartbeat=20, max_msg_size=1 << 20)
        await ws.prepare(request)
        await self._join(ws)
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    if message.type == WSMsgType.BINARY:
                        await ws.send_json({"type": "error", "error": {
                            "code": "bad_request", "message": "send text frames with one JSON object each"}})
                    continue
                try:
                    body = json.loads(message.data)
                except json.JSONDecodeError as error:
                    await ws.send_json({"type": "error", "error": {
                        "code": "bad_request", "message": f"not JSON: {error.msg} at character {error.pos}"}})
                    continue
                if not isinstance(body, dict):
                    await ws.send_json({"type": "error", "error": {
                        "code": "bad_request", "message": "send one JSON object per message"}})
                    continue
                table_name = body.get("table")
                if not isinstance(table_name, str):
                    await ws.send_json(Reject("bad_request", "the request needs a \"table\" (a string)").reply(
                        body.get("id") if isinstance(body.get("id"), str) else None))
                else:
                    await self._run(table_name, body, reply_to=ws)
        finally:
            self.sockets.discard(ws)
        return ws

    async def _join(self, ws: web.WebSocketResponse) -> None:
        """Send a new socket the current states and health, then make it a broadcast target. A change
        broadcast while those first messages are computed (card reads land at any time) is held and sent
        after them in order, so a console that connects mid-change still ends on the newest state."""
        self._joining[ws] = []
        try:
            loop = asyncio.get_running_loop()
            for name, table in self.tables.items():
                state = await loop.run_in_executor(None, table.state)
                await ws.send_json({"type": "state", "table": name, "version": state["version"], "state": state})
            await ws.send_json({"type": "health", "health": await loop.run_in_executor(None, self.health.sample)})
            while held := self._joining[ws]:
                self._joining[ws] = []
                for text in held:
                    await ws.send_str(text)
            self.sockets.add(ws)  # no await between the last check and this: nothing is missed
        finally:
            self._joining.pop(ws, None)

    async def _tables(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        return web.json_response(list(self.tables))

    async def _health(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        loop = asyncio.get_running_loop()
        return web.json_response(await loop.run_in_executor(None, self.health.sample))

    async def _state(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        table = self.tables.get(request.match_info["table"])
        if table is None:
            return _error(404, "unknown_table", f"no table {request.match_info['table']!r}; tables: "
                                                f"{', '.join(self.tables)}")
        state = await asyncio.get_running_loop().run_in_executor(None, table.state)
        return web.json_response({"version": state["version"], "state": state})

    @staticmethod
    def _status(reply: dict[str, Any]) -> int:
        if reply["type"] == "ack":
            return 200
        code = reply["error"]["code"]
        if code == "unknown_table":
            return 404
        return 400 if code in BAD_REQUEST_CODES else 409

    async def _json_body(self, request: web.Request) -> Any:
        text = await request.text()
        if not text.strip():
            return {}
        return json.loads(text)

    async def _actions(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        try:
            body = await self._json_body(request)
        except json.JSONDecodeError as error:
            return _error(400, "bad_request", f"not JSON: {error.msg} at character {error.pos}")
        if not isinstance(body, dict):
            return _error(400, "bad_request", "the body must be one JSON object: {\"id\", \"verb\", \"args\"}")
        reply = await self._run(request.match_info["table"], body)
        return web.json_response(reply, status=self._status(reply))

    async def _verb(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._unauthorized()
        try:
            args = await self._json_body(request)
        except json.JSONDecodeError as error:
            return _error(400, "bad_request", f"not JSON: {error.msg} at character {error.pos}")
        body: dict[str, Any] = {"id": request.headers.get("Idempotency-Key") or f"rest-{uuid.uuid4()}",
                                "verb": request.match_info["verb"], "args": args}
        if isinstance(args, dict) and "expect_version" in args:
            body["expect_version"] = args.pop("expect_version")
        reply = await self._run(request.match_info["table"], body)
        return web.json_response(reply, status=self._status(reply))

    # -- console ----------------------------------------------------------------------------------

    async def _root(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/console/" + (f"?{request.query_string}" if request.query_string else ""))

    async def _console(self, request: web.Request) -> web.StreamResponse:
        index = CONSOLE_DIST / "index.html"
        if not index.is_file():
            return web.Response(text=NOT_BUILT, content_type="text/html", status=200)
        relative = request.match_info.get("path", "")
        target = (CONSOLE_DIST / relative).resolve() if relative else index
        if not str(target).startswith(str(CONSOLE_DIST.resolve())) or not target.is_file():
            target = index  # client-side routes fall back to the app
        return web.FileResponse(target)

"""The control endpoint of a platform stream, behind the platform's auth: /api/v1/streams/{id}/control/v1/...

A stream whose graph has an `ingest.operator` node gets its control server when it starts (in the
process that runs it, on 127.0.0.1); these routes relay REST calls and the WebSocket to it. The caller
authenticates with the platform (Bearer access token or API key; `?session=ACCESS_TOKEN` on the
WebSocket): viewers read, producers and above act. Every accepted action is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from ggpgfx.errors import ServiceError
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend
from ggpgfx.services.security import ROLE_RANK

if TYPE_CHECKING:
    from ggpgfx.services.backend import Backend

router = APIRouter(prefix="/api/v1/streams/{stream_id}/control/v1", tags=["control"], responses=ERRORS)
ACTING_ROLE = "producer"


def _forbidden(request_id: Any = None) -> dict[str, Any]:
    return {"type": "reject", "id": request_id, "error": {
        "code": "forbidden", "message": f"your role may watch this table but not act on it ({ACTING_ROLE} or above acts)"}}


async def _target(request_backend: Backend, principal: Any, stream_id: str) -> tuple[str, str]:
    return await request_backend.streams.control_endpoint(principal, stream_id)


async def _relay(request: Request, principal: Any, stream_id: str, method: str, path: str) -> JSONResponse:
    if method == "POST" and ROLE_RANK[principal.role] < ROLE_RANK[ACTING_ROLE]:
        return JSONResponse(_forbidden(), status_code=403)
    base, session = await _target(backend(request), principal, stream_id)
    headers = {"Authorization": f"Bearer {session}"}
    if "idempotency-key" in request.headers:
        headers["Idempotency-Key"] = request.headers["idempotency-key"]
    async with httpx.AsyncClient(timeout=60) as client:
        reply = await client.request(method, f"{base}/control/v1/{path}", content=await request.body(),
                                     headers=headers, params=dict(request.query_params))
    body = reply.json()
    if method == "POST" and reply.status_code == 200 and isinstance(body, dict) and body.get("type") == "ack":
        verb = path.rsplit("/", 1)[-1]
        await backend(request).streams.audit_control(principal, stream_id, verb, body.get("id"), body.get("version"))
    return JSONResponse(body, status_code=reply.status_code)


@router.get("/tables")
async def control_tables(stream_id: str, principal: CurrentPrincipal, request: Request) -> JSONResponse:
    """The stream's tables."""
    return await _relay(request, principal, stream_id, "GET", "tables")


@router.get("/health")
async def control_health(stream_id: str, principal: CurrentPrincipal, request: Request) -> JSONResponse:
    """The stream's health object."""
    return await _relay(request, principal, stream_id, "GET", "health")


@router.get("/tables/{table}/state")
async def control_state(stream_id: str, table: str, principal: CurrentPrincipal, request: Request) -> JSONResponse:
    """A table's state."""
    return await _relay(request, principal, stream_id, "GET", f"tables/{table}/state")


@router.post("/tables/{table}/{verb}")
async def control_act(stream_id: str, table: str, verb: str, principal: CurrentPrincipal,
                      request: Request) -> JSONResponse:
    """One request (`actions`, or a verb with its args as the body), as the standalone REST mirror."""
    return await _relay(request, principal, stream_id, "POST", f"tables/{table}/{verb}")


@router.websocket("/ws")
async def control_socket(websocket: WebSocket, stream_id: str) -> None:
    """The protocol's WebSocket, relayed; a viewer's requests are rejected with `forbidden`."""
    from websockets.asyncio.client import connect

    token = websocket.query_params.get("session") or ""
    header = websocket.headers.get("authorization", "")
    if header.startswith("Bearer "):
        token = header[7:]
    ip = websocket.client.host if websocket.client else ""
    try:
        principal = await websocket.app.state.authenticator.principal(token or None, None, ip)
        request_backend: Backend = websocket.app.state.backend
        base, session = await _target(request_backend, principal, stream_id)
    except ServiceError as error:
        await websocket.close(code=4401 if error.status_code == 401 else 4403, reason=str(error)[:120])
        return
    acting = ROLE_RANK[principal.role] >= ROLE_RANK[ACTING_ROLE]
    await websocket.accept()
    url = f"ws://{base.removeprefix('http://')}/control/v1/ws?session={session}"
    pending: dict[str, str] = {}  # request id -> verb, for the audit log
    async with connect(url, open_timeout=30, max_size=1 << 22) as upstream:

        async def downstream() -> None:
            async for text in upstream:
                message = json.loads(text)
                if message.get("type") == "ack" and message.get("id") in pending:
                    verb = pending.pop(message["id"])
                    await request_backend.streams.audit_control(principal, stream_id, verb,
                                               message["id"], message.get("version"))
                elif message.get("type") == "reject":
                    pending.pop(str(message.get("id")), None)
                await websocket.send_text(text if isinstance(text, str) else text.decode())

        relay = asyncio.create_task(downstream())
        try:
            while True:
                text = await websocket.receive_text()
                try:
                    body = json.loads(text)
                except json.JSONDecodeError:
                    body = None
                if isinstance(body, dict) and not acting:
                    await websocket.send_text(json.dumps(_forbidden(body.get("id"))))
                    continue
                if isinstance(body, dict) and isinstance(body.get("id"), str) and len(pending) < 10_000:
                    pending[body["id"]] = str(body.get("verb"))
                await upstream.send(text)
        except WebSocketDisconnect:
            pass
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await relay

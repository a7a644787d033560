"""Pure-ASGI guards in front of the routes: request size limits and per-client rate limits."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

Scope = dict[str, Any]


async def _reply(send: Any, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised from `receive` when a streamed body passes the limit."""


class BodySizeLimit:
    """Reject bodies over `max_bytes` with 413: by Content-Length up front, by counting otherwise."""

    def __init__(self, app: Any, max_bytes: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}  # path suffix -> limit (asset uploads are larger)

    def _limit(self, path: str) -> int:
        for suffix, limit in self.overrides.items():
            if path.endswith(suffix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _reply(send, 413, f"request body is larger than {limit} bytes")
                    return
        seen = 0
        started = False

        async def counting_receive() -> Any:
            """Count body bytes as they arrive."""
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Any) -> None:
            """Remember whether a response has started."""
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, f"request body is larger than {limit} bytes")


# Endpoints that take no credential: always limited per client address, whatever headers come along.
UNAUTHENTICATED_PATHS = ("/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/mfa", "/api/v1/auth/refresh",
                         "/api/v1/billing/webhooks/", "/api/v1/health")


class RateLimit:
    """Token bucket per credential (per client address when anonymous, and always on the unauthenticated
    endpoints); 429 with Retry-After."""

    def __init__(self, app: Any, rate_per_s: float, burst: int, max_clients: int = 100_000) -> None:
        self.app = app
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_clients = max_clients
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def _key(self, scope: Scope) -> str:
        client = scope.get("client") or ("?", 0)
        if scope.get("path", "").startswith(UNAUTHENTICATED_PATHS):
            # no credential is checked here, so a header the caller makes up must not buy a fresh bucket
            return f"a:{client[0]}"
        for name, value in scope.get("headers", []):
            if name in (b"authorization", b"x-api-key"):
                return "c:" + hashlib.sha256(value).hexdigest()[:32]
        return f"a:{client[0]}"

    def allow(self, key: str, now: float | None = None) -> float:
        """0 when allowed, else seconds until a token is free."""
        now = time.monotonic() if now is None else now
        with self.lock:
            tokens, last = self.buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self.buckets[key] = (tokens - 1.0, now)
                return 0.0
            self.buckets[key] = (tokens, now)
            if len(self.buckets) > self.max_clients:  # forget idle clients rather than grow without bound
                self.buckets.clear()
            return (1.0 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.rate <= 0:
            await self.app(scope, receive, send)
            return
        wait = self.allow(self._key(scope))
        if wait > 0:
            await _reply(send, 429, "too many requests; slow down",
                         [(b"retry-after", str(max(1, int(wait + 0.999))).encode())])
            return
        await self.app(scope, receive, send)


class WebSocketRateLimit:
    """Token bucket per client address over WebSocket messages (GraphQL operations, pings): past it the
    connection is closed with code 4429 and a reason; the connection attempt itself takes a token."""

    close_code = 4429

    def __init__(self, app: Any, rate_per_s: float, burst: int) -> None:
        self.app = app
        self.buckets = RateLimit(None, rate_per_s, burst)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket" or self.buckets.rate <= 0:
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("?", 0)
        key = f"ws:{client[0]}"
        closed = False

        async def guarded_send(message: Any) -> None:
            """Drop what the app sends after the guard closed the socket."""
            if not closed:
                await send(message)

        async def guarded_receive() -> Any:
            """Charge each message; close the socket when the bucket is empty."""
            nonlocal closed
            message = await receive()
            if message["type"] in ("websocket.connect", "websocket.receive") and self.buckets.allow(key) > 0:
                if not closed:  # before the accept this refuses the handshake
                    await send({"type": "websocket.close", "code": self.close_code,
                                "reason": "too many WebSocket messages; slow down"})
                    closed = True
                return {"type": "websocket.disconnect", "code": self.close_code}
            return message

        await self.app(scope, guarded_receive, guarded_send)

"""FastAPI dependencies that turn a bearer token or API key into a Principal."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ggpgfx.errors import ServiceError
from ggpgfx.services.security import API_KEY_PREFIX, Principal, TokenSigner, principal_from_claims

if TYPE_CHECKING:
    from ggpgfx.services.backend import Backend

bearer_scheme = HTTPBearer(auto_error=False, description="JWT access token, or an API key")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key (ggp_...)")


class Authenticator:
    """Checks JWTs locally; asks accounts about API keys and (cached briefly) session revocation.

    A verified access token is remembered by its SHA-256 until its own expiry, so a client that
    sends the same token again skips the signature check; the session and membership check still
    runs for every request (its answer cached for `session_cache_s`, and dropped at once when this
    gateway handles the logout, revocation or membership change).
    """

    session_cache_s = 2.0
    max_cached = 50_000

    def __init__(self, signer: TokenSigner, backend: Backend) -> None:
        self.signer = signer
        self.backend = backend
        self._sessions: dict[str, tuple[float, str]] = {}
        self._tokens: dict[bytes, tuple[float, Principal]] = {}

    def _verified(self, token: str, ip: str) -> Principal:
        """The principal of a valid access token (cached by hash until the token's `exp`), else 401."""
        digest = hashlib.sha256(token.encode()).digest()
        hit = self._tokens.get(digest)
        if hit is not None:
            if time.time() < hit[0]:
                return dataclasses.replace(hit[1], ip=ip)
            del self._tokens[digest]
        claims = self.signer.verify(token)
        principal = principal_from_claims(claims, ip)
        if len(self._tokens) >= self.max_cached:
            self._tokens.clear()
        self._tokens[digest] = (float(claims["exp"]), principal)
        return principal

    def forget_session(self, session_id: str | None) -> None:
        """Drop a cached answer (after logout or revoke through this gateway)."""
        if session_id:
            self._sessions.pop(session_id, None)

    def forget_all(self) -> None:
        """Drop every cached answer (after a membership change through this gateway)."""
        self._sessions.clear()

    async def principal(self, token: str | None, api_key: str | None, ip: str) -> Principal:
        """Authenticate one request or raise 401.

        A session's role is the member's role now (looked up, cached for `session_cache_s`), not the
        token's claim: a removed member gets 401, a demoted one acts with the lower role.
        """
        if api_key or (token and token.startswith(API_KEY_PREFIX)):
            key = api_key or token or ""
            principal: Principal = await self.backend.accounts.authenticate_api_key(key, ip)
            return principal
        if not token:
            raise ServiceError("authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key'", 401)
        principal = self._verified(token, ip)
        if principal.session_id:
            now = time.monotonic()
            cached = self._sessions.get(principal.session_id)
            if cached is not None and cached[0] >= now:
                role = cached[1]
            else:
                current = await self.backend.accounts.session_role(principal.session_id)
                if current is None:
                    self._sessions.pop(principal.session_id, None)
                    raise ServiceError("session revoked; log in again", 401)
                role = current
                if len(self._sessions) > 50_000:
                    self._sessions.clear()
                self._sessions[principal.session_id] = (now + self.session_cache_s, role)
            if role != principal.role:
                principal = dataclasses.replace(principal, role=role)
        return principal


async def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The authenticated caller (401 otherwise)."""
    ip = request.client.host if request.client else ""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.principal(bearer.credentials if bearer else None, api_key, ip)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

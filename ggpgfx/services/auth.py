"""FastAPI dependencies that turn a bearer token or API key into a Principal."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ggpgfx.errors import ServiceError
from ggpgfx.services.security import API_KEY_PREFIX, Principal, TokenSigner, principal_from_access_token

bearer_scheme = HTTPBearer(auto_error=False, description="JWT access token, or an API key")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key (ggp_...)")


class Authenticator:
    """Checks JWTs locally; asks accounts about API keys and (cached briefly) session revocation."""

    session_cache_s = 2.0

    def __init__(self, signer: TokenSigner, backend: Any) -> None:
        self.signer = signer
        self.backend = backend
        self._sessions: dict[str, float] = {}

    def forget_session(self, session_id: str | None) -> None:
        """Drop a cached 'active' answer (after logout or revoke through this gateway)."""
        if session_id:
            self._sessions.pop(session_id, None)

    async def principal(self, token: str | None, api_key: str | None, ip: str) -> Principal:
        """Authenticate one request or raise 401."""
        if api_key or (token and token.startswith(API_KEY_PREFIX)):
            key = api_key or token or ""
            principal: Principal = await self.backend.call("accounts", "authenticate_api_key", key, ip)
            return principal
        if not token:
            raise ServiceError("authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key'", 401)
        principal = principal_from_access_token(self.signer, token, ip)
        if principal.session_id:
            now = time.monotonic()
            if self._sessions.get(principal.session_id, 0.0) < now:
                if not await self.backend.call("accounts", "session_active", principal.session_id):
                    raise ServiceError("session revoked; log in again", 401)
                if len(self._sessions) > 50_000:
                    self._sessions.clear()
                self._sessions[principal.session_id] = now + self.session_cache_s
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

"""REST routes: sign-up, login, MFA, tokens, sessions, API keys, members, users, audit, webhooks."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ggpgfx.services import schemas as s
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend

router = APIRouter(prefix="/api/v1", responses=ERRORS)


def _client(request: Request) -> tuple[str, str]:
    return request.headers.get("user-agent", ""), request.client.host if request.client else ""


@router.post("/auth/signup", response_model=s.SignupOut, status_code=201, tags=["auth"])
async def signup(body: s.SignupIn, request: Request) -> s.SignupOut:
    """Create a user and their organisation."""
    return await backend(request).accounts.signup(body, _client(request)[1])


@router.post("/auth/login", response_model=s.TokenPair, tags=["auth"])
async def login(body: s.LoginIn, request: Request) -> s.TokenPair:
    """Password login: tokens, or an MFA challenge when TOTP is enabled."""
    return await backend(request).accounts.login(body, *_client(request))


@router.post("/auth/mfa", response_model=s.TokenPair, tags=["auth"])
async def mfa(body: s.MfaIn, request: Request) -> s.TokenPair:
    """Finish a login with the TOTP code."""
    return await backend(request).accounts.verify_mfa(body, *_client(request))


@router.post("/auth/refresh", response_model=s.TokenPair, tags=["auth"])
async def refresh(body: s.RefreshIn, request: Request) -> s.TokenPair:
    """Rotate a refresh token (reusing one revokes the session)."""
    return await backend(request).accounts.refresh(body, *_client(request))


@router.post("/auth/logout", status_code=204, tags=["auth"])
async def logout(principal: CurrentPrincipal, request: Request) -> Response:
    """Revoke the current session."""
    await backend(request).accounts.logout(principal)
    request.app.state.authenticator.forget_session(principal.session_id)
    return Response(status_code=204)


@router.get("/auth/me", response_model=s.MeOut, tags=["auth"])
async def me(principal: CurrentPrincipal, request: Request) -> s.MeOut:
    """Who am I."""
    return await backend(request).accounts.me(principal)


@router.post("/auth/totp/setup", response_model=s.TotpSetupOut, tags=["auth"])
async def totp_setup(principal: CurrentPrincipal, request: Request) -> s.TotpSetupOut:
    """Start TOTP enrolment."""
    return await backend(request).accounts.totp_setup(principal)


@router.post("/auth/totp/enable", status_code=204, tags=["auth"])
async def totp_enable(body: s.CodeIn, principal: CurrentPrincipal, request: Request) -> Response:
    """Confirm TOTP with a code."""
    await backend(request).accounts.totp_enable(principal, body)
    return Response(status_code=204)


@router.post("/auth/totp/disable", status_code=204, tags=["auth"])
async def totp_disable(body: s.CodeIn, principal: CurrentPrincipal, request: Request) -> Response:
    """Turn TOTP off."""
    await backend(request).accounts.totp_disable(principal, body)
    return Response(status_code=204)


@router.get("/auth/sessions", response_model=list[s.SessionOut], tags=["auth"])
async def sessions(principal: CurrentPrincipal, request: Request) -> list[s.SessionOut]:
    """My sessions."""
    return await backend(request).accounts.list_sessions(principal)


@router.delete("/auth/sessions/{session_id}", status_code=204, tags=["auth"])
async def revoke_session(session_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Revoke a session."""
    await backend(request).accounts.revoke_session(principal, session_id)
    request.app.state.authenticator.forget_session(session_id)
    return Response(status_code=204)


@router.get("/api-keys", response_model=list[s.ApiKeyOut], tags=["api keys"])
async def list_api_keys(principal: CurrentPrincipal, request: Request) -> list[s.ApiKeyOut]:
    """API keys of the organisation."""
    return await backend(request).accounts.list_api_keys(principal)


@router.post("/api-keys", response_model=s.ApiKeyCreated, status_code=201, tags=["api keys"])
async def create_api_key(body: s.ApiKeyIn, principal: CurrentPrincipal, request: Request) -> s.ApiKeyCreated:
    """Create an API key (the secret is in this response only)."""
    return await backend(request).accounts.create_api_key(principal, body)


@router.delete("/api-keys/{key_id}", status_code=204, tags=["api keys"])
async def revoke_api_key(key_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Revoke an API key."""
    await backend(request).accounts.revoke_api_key(principal, key_id)
    return Response(status_code=204)


@router.get("/members", response_model=list[s.MemberOut], tags=["members"])
async def list_members(principal: CurrentPrincipal, request: Request) -> list[s.MemberOut]:
    """Members of the organisation."""
    return await backend(request).accounts.list_members(principal)


@router.post("/members", response_model=s.MemberOut, status_code=201, tags=["members"])
async def add_member(body: s.MemberIn, principal: CurrentPrincipal, request: Request) -> s.MemberOut:
    """Add a user to the organisation."""
    return await backend(request).accounts.add_member(principal, body)


@router.put("/members/{user_id}", status_code=204, tags=["members"])
async def set_member_role(user_id: str, body: s.RoleIn, principal: CurrentPrincipal, request: Request) -> Response:
    """Change a member's role."""
    await backend(request).accounts.set_member_role(principal, user_id, body)
    request.app.state.authenticator.forget_all()
    return Response(status_code=204)


@router.delete("/members/{user_id}", status_code=204, tags=["members"])
async def remove_member(user_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Remove a member."""
    await backend(request).accounts.remove_member(principal, user_id)
    request.app.state.authenticator.forget_all()
    return Response(status_code=204)


@router.get("/users/{user_id}", response_model=s.UserOut, tags=["members"])
async def get_user(user_id: str, principal: CurrentPrincipal, request: Request) -> s.UserOut:
    """A user of the organisation."""
    return await backend(request).accounts.get_user(principal, user_id)


@router.get("/audit", response_model=list[s.AuditOut], tags=["audit"])
async def audit(principal: CurrentPrincipal, request: Request, limit: int = 100) -> list[s.AuditOut]:
    """Newest audit-log entries."""
    return await backend(request).accounts.audit_log(principal, limit)


@router.get("/webhooks", response_model=list[s.WebhookOut], tags=["webhooks"])
async def list_webhooks(principal: CurrentPrincipal, request: Request) -> list[s.WebhookOut]:
    """Webhook endpoints."""
    return await backend(request).notifications.list_endpoints(principal)


@router.post("/webhooks", response_model=s.WebhookOut, status_code=201, tags=["webhooks"])
async def create_webhook(body: s.WebhookIn, principal: CurrentPrincipal, request: Request) -> s.WebhookOut:
    """Register a webhook endpoint (its secret is in this response only)."""
    return await backend(request).notifications.create_endpoint(principal, body)


@router.delete("/webhooks/{endpoint_id}", status_code=204, tags=["webhooks"])
async def delete_webhook(endpoint_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Remove a webhook endpoint."""
    await backend(request).notifications.delete_endpoint(principal, endpoint_id)
    return Response(status_code=204)


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=list[s.DeliveryOut], tags=["webhooks"])
async def webhook_deliveries(endpoint_id: str, principal: CurrentPrincipal, request: Request) -> list[s.DeliveryOut]:
    """Delivery log of an endpoint."""
    return await backend(request).notifications.list_deliveries(principal, endpoint_id)

"""Organisation administration: API keys, members and roles, the audit log (mixed into AccountsService)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ggpgfx.errors import ServiceError
from ggpgfx.services import schemas as s
from ggpgfx.services.base import Service, scoped_get
from ggpgfx.services.models import ApiKey, AuditEvent, AuthSession, Membership, User, utcnow
from ggpgfx.services.security import ROLE_RANK, Principal, new_api_key, sha256_hex


class OrganizationAdmin(Service):
    """API keys, memberships and the audit log of the caller's organisation."""

    # ---- API keys ----------------------------------------------------------------------
    def create_api_key(self, principal: Principal, body: s.ApiKeyIn) -> s.ApiKeyCreated:
        """Create a key with at most the caller's role; the secret is returned once."""
        principal.require("admin")
        if ROLE_RANK[body.role] > ROLE_RANK[principal.role]:
            raise ServiceError("an API key cannot have a higher role than its creator", 403)
        prefix, key = new_api_key()
        with self.context.session() as session:
            row = ApiKey(
                organization_id=principal.organization_id, name=body.name, prefix=prefix, key_hash=sha256_hex(key),
                role=body.role, created_by=principal.user_id,
            )
            session.add(row)
            session.flush()
            self.audit(session, principal, principal.organization_id, "api_key.created", f"key:{row.id}", role=body.role)
            return s.ApiKeyCreated(**s.ApiKeyOut.model_validate(row).model_dump(), key=key)

    def list_api_keys(self, principal: Principal) -> list[s.ApiKeyOut]:
        """Keys of the organisation (never their secrets)."""
        principal.require("admin")
        with self.context.session() as session:
            rows = session.scalars(
                select(ApiKey).where(ApiKey.organization_id == principal.organization_id).order_by(ApiKey.created_at)
            ).all()
            return [s.ApiKeyOut.model_validate(r) for r in rows]

    def revoke_api_key(self, principal: Principal, key_id: str) -> None:
        """Revoke a key; it fails authentication from then on."""
        principal.require("admin")
        with self.context.session() as session:
            row = scoped_get(session, ApiKey, key_id, principal, "API key")
            row.revoked_at = row.revoked_at or utcnow()
            self.audit(session, principal, principal.organization_id, "api_key.revoked", f"key:{key_id}")

    # ---- members and audit ---------------------------------------------------------------
    def list_members(self, principal: Principal) -> list[s.MemberOut]:
        """Members of the caller's organisation."""
        principal.require("viewer")
        with self.context.session() as session:
            rows = session.execute(
                select(Membership, User).join(User, User.id == Membership.user_id)
                .where(Membership.organization_id == principal.organization_id).order_by(Membership.created_at)
            ).all()
            return [
                s.MemberOut(user_id=u.id, email=u.email, display_name=u.display_name, role=m.role, created_at=m.created_at)
                for m, u in rows
            ]

    def add_member(self, principal: Principal, body: s.MemberIn) -> s.MemberOut:
        """Add an existing user by email; only owners grant admin or owner."""
        principal.require("admin")
        self._check_grant(principal, body.role)
        with self.context.session() as session:
            user = session.scalars(select(User).where(User.email == body.email.strip().lower())).first()
            if user is None:
                raise ServiceError("no user with that email; ask them to sign up first", 404)
            exists = session.scalars(
                select(Membership).where(Membership.organization_id == principal.organization_id, Membership.user_id == user.id)
            ).first()
            if exists:
                raise ServiceError("already a member", 409)
            row = Membership(organization_id=principal.organization_id, user_id=user.id, role=body.role)
            session.add(row)
            session.flush()
            self.audit(session, principal, principal.organization_id, "member.added", f"user:{user.id}", role=body.role)
            out = s.MemberOut(user_id=user.id, email=user.email, display_name=user.display_name, role=row.role,
                              created_at=row.created_at)
        notifications = getattr(self, "notifications", None)
        if notifications is not None:
            notifications.emit(principal.organization_id, "member.invited",
                               {"user_id": out.user_id, "email": out.email, "role": out.role, "by": principal.actor})
        return out

    def _check_grant(self, principal: Principal, role: str) -> None:
        if ROLE_RANK[role] >= ROLE_RANK["admin"] and principal.role != "owner":
            raise ServiceError("only an owner can grant the admin or owner role", 403)

    def _member_row(self, session: Any, principal: Principal, user_id: str) -> Membership:
        row = session.scalars(
            select(Membership).where(Membership.organization_id == principal.organization_id, Membership.user_id == user_id)
        ).first()
        if row is None:
            raise ServiceError(f"member '{user_id}' not found", 404)
        return row

    def set_member_role(self, principal: Principal, user_id: str, body: s.RoleIn) -> None:
        """Change a member's role; every request checks the current role, and a demotion also revokes the
        member's sessions (with their refresh tokens) and their API keys above the new role at once."""
        principal.require("admin")
        with self.context.session() as session:
            row = self._member_row(session, principal, user_id)
            self._check_grant(principal, body.role)
            self._check_grant(principal, row.role)
            self._keep_an_owner(session, principal, row, body.role)
            demoted = ROLE_RANK[body.role] < ROLE_RANK[row.role]
            row.role = body.role
            revoked: dict[str, int] = {}
            if demoted:
                revoked = self._revoke_access(session, principal.organization_id, user_id, body.role, "demoted")
            self.audit(session, principal, principal.organization_id, "member.role_changed", f"user:{user_id}",
                       role=body.role, **revoked)

    def remove_member(self, principal: Principal, user_id: str) -> None:
        """Remove a member (the last owner cannot be removed); their sessions, refresh tokens and API keys
        in this organisation are revoked in the same transaction."""
        principal.require("admin")
        with self.context.session() as session:
            row = self._member_row(session, principal, user_id)
            self._check_grant(principal, row.role)
            self._keep_an_owner(session, principal, row, None)
            session.delete(row)
            revoked = self._revoke_access(session, principal.organization_id, user_id, None, "membership removed")
            self.audit(session, principal, principal.organization_id, "member.removed", f"user:{user_id}", **revoked)

    def _revoke_access(self, session: Any, organization_id: str, user_id: str, keep_role: str | None,
                       reason: str) -> dict[str, int]:
        """Revoke the user's sessions in the organisation and the API keys they made above `keep_role`
        (all of them when None); refresh tokens die with their session. Returns the counts revoked."""
        now = utcnow()
        sessions = session.scalars(select(AuthSession).where(
            AuthSession.organization_id == organization_id, AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None))).all()
        for auth_session in sessions:
            auth_session.revoked_at, auth_session.revoked_reason = now, reason
        keys = session.scalars(select(ApiKey).where(
            ApiKey.organization_id == organization_id, ApiKey.created_by == user_id, ApiKey.revoked_at.is_(None))).all()
        revoked_keys = 0
        for key in keys:
            if keep_role is None or ROLE_RANK[key.role] > ROLE_RANK[keep_role]:
                key.revoked_at = now
                revoked_keys += 1
        return {"sessions_revoked": len(sessions), "api_keys_revoked": revoked_keys}

    def _keep_an_owner(self, session: Any, principal: Principal, row: Membership, new_role: str | None) -> None:
        if row.role != "owner" or new_role == "owner":
            return
        owners = session.scalar(
            select(func.count()).select_from(Membership).where(
                Membership.organization_id == principal.organization_id, Membership.role == "owner"
            )
        )
        if owners <= 1:
            raise ServiceError("an organisation needs at least one owner", 409)

    def audit_log(self, principal: Principal, limit: int = 100) -> list[s.AuditOut]:
        """Newest audit entries of the organisation."""
        principal.require("admin")
        with self.context.session() as session:
            rows = session.scalars(
                select(AuditEvent).where(AuditEvent.organization_id == principal.organization_id)
                .order_by(AuditEvent.created_at.desc()).limit(max(1, min(limit, 1000)))
            ).all()
            return [s.AuditOut.model_validate(r) for r in rows]


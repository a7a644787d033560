"""Accounts: sign-up, login (password → optional TOTP → tokens), refresh rotation, API keys, members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from ggpgfx.errors import ServiceError
from ggpgfx.services import schemas as s
from ggpgfx.services.base import scoped_get
from ggpgfx.services.models import (
    ApiKey,
    AuthSession,
    Membership,
    Organization,
    RefreshToken,
    Subscription,
    UsedToken,
    User,
    new_id,
    utcnow,
)
from ggpgfx.services.org_admin import OrganizationAdmin
from ggpgfx.services.passwords import check_password
from ggpgfx.services.security import (
    MFA_AUDIENCE,
    ROLE_RANK,
    Principal,
    TokenSigner,
    api_key_prefix,
    burn_password_time,
    hash_password,
    new_refresh_token,
    new_totp_secret,
    principal_from_access_token,
    sha256_hex,
    totp_match,
    totp_verify,
    verify_password,
)
from ggpgfx.services.throttle import (
    FailureTracker,
    lock_seconds,
    retry_message,
)


class AccountsService(OrganizationAdmin):
    """Users, organisations, memberships, sessions, tokens and API keys."""

    def __init__(self, context: Any, notifications: Any = None) -> None:
        super().__init__(context)
        self.notifications = notifications  # NotificationsService (absent in the gateway's read-only copy)
        cfg = self.settings
        self.address_throttle = FailureTracker(cfg.login_address_free_failures)
        self.unknown_throttle = FailureTracker(cfg.login_account_free_failures)
        self.signer = TokenSigner(cfg.jwt_key, cfg.jwt_issuer, cfg.jwt_audience, cfg.access_ttl_s)

    # ---- sign-up and login -------------------------------------------------------------
    def signup(self, body: s.SignupIn, ip: str = "") -> s.SignupOut:
        """Create a user, their organisation (free plan) and an owner membership.

        The password must pass `passwords.check_password`. An email that already has an account gets
        the same answer as a new one (same shape, same hashing work, nothing created), and the
        account's owner is told: an `account.signup_attempt` audit entry and webhook event in their
        organisation.
        """
        email = body.email.strip().lower()
        check_password(body.password, email)
        with self.context.session() as session:
            existing = session.scalars(select(User).where(User.email == email)).first()
            if existing is not None:
                hash_password(body.password)  # the work a real sign-up does, so timing tells nothing either
                self.audit(session, None, existing.organization_id, "account.signup_attempt", f"user:{existing.id}",
                           ip=ip)
                now = utcnow()
                answer = s.SignupOut(
                    user=s.UserOut(id=new_id(), email=email, display_name=body.display_name, totp_enabled=False,
                                   created_at=now),
                    organization=s.OrganizationOut(id=new_id(), name=body.organization_name, created_at=now))
                home = existing.organization_id
            else:
                answer, home = self._create_account(session, body, email, ip), ""
        if home and self.notifications is not None:
            self.notifications.emit(home, "account.signup_attempt", {"email": email})
        return answer

    def _create_account(self, session: Any, body: s.SignupIn, email: str, ip: str) -> s.SignupOut:
        """Create the user, their organisation (free plan), the owner membership; audit the sign-up."""
        org = Organization(name=body.organization_name)
        session.add(org)
        session.flush()
        user = User(
            organization_id=org.id, email=email, display_name=body.display_name,
            password_hash=hash_password(body.password),
        )
        session.add(user)
        session.flush()
        session.add(Membership(organization_id=org.id, user_id=user.id, role="owner"))
        session.add(Subscription(organization_id=org.id, plan_code="free"))
        actor = Principal(organization_id=org.id, role="owner", user_id=user.id, ip=ip)
        self.audit(session, actor, org.id, "account.signup", f"user:{user.id}")
        return s.SignupOut(user=s.UserOut.model_validate(user), organization=s.OrganizationOut.model_validate(org))

    def login(self, body: s.LoginIn, user_agent: str = "", ip: str = "") -> s.TokenPair:
        """Check the password; return tokens, or an MFA challenge when TOTP is on.

        Failures are counted per account and per client address (never per credential header): past
        a few, logins are refused with 429 for a growing while, even with the right password.
        """
        email = body.email.strip().lower()
        self._check_address(ip)
        with self.context.session() as session:
            user = session.scalars(select(User).where(User.email == email)).first()
            if user is None:
                wait = self.unknown_throttle.retry_after(email)
                if wait > 0:
                    raise ServiceError(retry_message("for this account", wait), 429)
                burn_password_time(body.password)
                self.unknown_throttle.failed(email)
                self._address_failed(ip)
                raise ServiceError("wrong email or password", 401)
            self._check_account(user)
            if not verify_password(user.password_hash, body.password):
                self._login_failed(user.id, user.organization_id, "login.failed", ip)
                raise ServiceError("wrong email or password", 401)
            membership = self._membership(session, user.id, body.organization_id)
            if user.totp_enabled:
                token = self.signer.issue(
                    {"sub": user.id, "org": membership.organization_id}, audience=MFA_AUDIENCE, ttl_s=300
                )
                return s.TokenPair(mfa_required=True, mfa_token=token)
            return self._open_session(session, user, membership, user_agent, ip)

    def verify_mfa(self, body: s.MfaIn, user_agent: str = "", ip: str = "") -> s.TokenPair:
        """Second login step: a valid, unused MFA token plus a TOTP code newer than the last one accepted.

        The token is spent by the login it completes, and the code's time step is recorded, so
        neither works twice; wrong codes count as failed logins.
        """
        from datetime import UTC, datetime

        from sqlalchemy.exc import IntegrityError

        claims = self.signer.verify(body.mfa_token, audience=MFA_AUDIENCE)
        self._check_address(ip)
        jti = str(claims.get("jti") or "")
        with self.context.session() as session:
            user = session.get(User, claims["sub"])
            if user is None or not user.totp_enabled or user.totp_secret is None or not jti:
                raise ServiceError("invalid MFA token", 401)
            if session.get(UsedToken, jti) is not None:
                raise ServiceError("MFA token already used; log in again", 401)
            self._check_account(user)
            secret = self.context.box.decrypt(user.totp_secret, f"totp:{user.id}")
            step = totp_match(secret, body.code, user.totp_last_step)
            if step is None:
                self._login_failed(user.id, claims["org"], "login.mfa_failed", ip)
                raise ServiceError("wrong or already used one-time code", 401)
            claimed: Any = session.execute(
                update(User).where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step).execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                raise ServiceError("wrong or already used one-time code", 401)
            now = utcnow()
            session.execute(delete(UsedToken).where(UsedToken.expires_at < now))
            session.add(UsedToken(jti=jti, organization_id=str(claims["org"]),
                                  expires_at=datetime.fromtimestamp(float(claims["exp"]), UTC)))
            try:
                session.flush()
            except IntegrityError as exc:
                raise ServiceError("MFA token already used; log in again", 401) from exc
            membership = self._membership(session, user.id, claims["org"])
            return self._open_session(session, user, membership, user_agent, ip)

    # ---- failed-login throttling -------------------------------------------------------
    def _check_address(self, ip: str) -> None:
        wait = self.address_throttle.retry_after(ip)
        if wait > 0:
            raise ServiceError(retry_message("from your address", wait), 429)

    def _address_failed(self, ip: str) -> None:
        if self.address_throttle.failed(ip) > 0:
            import logging

            logging.getLogger("ggpgfx.services").warning("login: address %s locked after repeated failures", ip)

    def _check_account(self, user: User) -> None:
        if user.locked_until is not None:
            wait = (user.locked_until - utcnow()).total_seconds()
            if wait > 0:
                raise ServiceError(retry_message("for this account", wait), 429)

    def _login_failed(self, user_id: str, organization_id: str, action: str, ip: str) -> None:
        """Count a wrong password or code (own transaction: the caller's rolls back); lock past the free ones."""
        self._address_failed(ip)
        with self.context.session() as session:
            session.execute(update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1)
                            .execution_options(synchronize_session=False))
            user = session.get(User, user_id)
            assert user is not None
            session.refresh(user)
            self.audit(session, None, organization_id, action, f"user:{user_id}", ip=ip)
            seconds = lock_seconds(user.failed_logins, self.settings.login_account_free_failures)
            if seconds > 0:
                user.locked_until = utcnow() + timedelta(seconds=seconds)
                self.audit(session, None, organization_id, "login.locked", f"user:{user_id}", ip=ip,
                           failures=user.failed_logins, seconds=seconds)

    def refresh(self, body: s.RefreshIn, user_agent: str = "", ip: str = "") -> s.TokenPair:
        """Rotate a refresh token; presenting a used one revokes its whole session (family)."""
        digest = sha256_hex(body.refresh_token)
        reused = False
        with self.context.session() as session:
            token = session.scalars(select(RefreshToken).where(RefreshToken.token_hash == digest)).first()
            if token is None:
                raise ServiceError("invalid refresh token", 401)
            auth_session = session.get(AuthSession, token.session_id)
            assert auth_session is not None
            if auth_session.revoked_at is not None:
                raise ServiceError("session revoked; log in again", 401)
            if token.used_at is not None:
                auth_session.revoked_at = utcnow()
                auth_session.revoked_reason = "refresh token reuse"
                self.audit(session, None, token.organization_id, "session.reuse_detected", f"session:{auth_session.id}", ip=ip)
                reused = True
        if reused:  # raised after the commit so the revocation sticks
            raise ServiceError("refresh token already used; the session has been revoked", 401)
        with self.context.session() as session:
            token = session.scalars(select(RefreshToken).where(RefreshToken.token_hash == digest)).first()
            auth_session = session.get(AuthSession, token.session_id) if token else None
            if token is None or auth_session is None or auth_session.revoked_at is not None or token.used_at is not None:
                raise ServiceError("invalid refresh token", 401)
            if token.expires_at < utcnow():
                raise ServiceError("refresh token expired", 401)
            membership = self._membership(session, auth_session.user_id, auth_session.organization_id)
            # claim the token atomically: of two concurrent refreshes only one updates the row
            result: Any = session.execute(
                update(RefreshToken).where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise ServiceError("refresh token already used", 401)
            auth_session.last_used_at = utcnow()
            return self._issue(session, auth_session, membership)

    def _membership(self, session: Any, user_id: str, organization_id: str | None) -> Membership:
        query = select(Membership).where(Membership.user_id == user_id)
        if organization_id:
            query = query.where(Membership.organization_id == organization_id)
        membership = session.scalars(query.order_by(Membership.created_at)).first()
        if membership is None:
            raise ServiceError("you are not a member of that organisation", 403)
        return membership

    def _open_session(self, session: Any, user: User, membership: Membership, user_agent: str, ip: str) -> s.TokenPair:
        auth_session = AuthSession(
            organization_id=membership.organization_id, user_id=user.id, user_agent=user_agent[:300], ip=ip[:64]
        )
        session.add(auth_session)
        if user.failed_logins or user.locked_until is not None:
            user.failed_logins, user.locked_until = 0, None
        session.flush()
        principal = Principal(organization_id=membership.organization_id, role=membership.role, user_id=user.id, ip=ip)
        self.audit(session, principal, membership.organization_id, "login.success", f"session:{auth_session.id}")
        return self._issue(session, auth_session, membership)

    def _issue(self, session: Any, auth_session: AuthSession, membership: Membership) -> s.TokenPair:
        refresh = new_refresh_token()
        session.add(
            RefreshToken(
                organization_id=auth_session.organization_id, session_id=auth_session.id,
                token_hash=sha256_hex(refresh), expires_at=utcnow() + timedelta(seconds=self.settings.refresh_ttl_s),
            )
        )
        access = self.signer.issue(
            {"sub": auth_session.user_id, "org": auth_session.organization_id, "role": membership.role,
             "sid": auth_session.id}
        )
        return s.TokenPair(access_token=access, refresh_token=refresh, expires_in=self.settings.access_ttl_s)

    # ---- authentication of requests --------------------------------------------------
    def principal_from_token(self, token: str, ip: str = "") -> Principal:
        """Check a JWT access token (no database access)."""
        return principal_from_access_token(self.signer, token, ip)

    def session_active(self, session_id: str) -> bool:
        """False once a session is revoked (logout, revoke, refresh reuse)."""
        with self.context.session() as session:
            row = session.get(AuthSession, session_id)
            return row is not None and row.revoked_at is None

    def session_role(self, session_id: str) -> str | None:
        """The role the session's user holds now in the session's organisation; None once the session is
        revoked or the membership is gone (checked on every request, not taken from the token)."""
        with self.context.sessions() as session:
            row = session.execute(
                select(AuthSession.revoked_at, Membership.role).join(
                    Membership, (Membership.user_id == AuthSession.user_id)
                    & (Membership.organization_id == AuthSession.organization_id), isouter=True,
                ).where(AuthSession.id == session_id)
            ).first()
            if row is None or row[0] is not None or row[1] is None:
                return None
            return str(row[1])

    def authenticate_api_key(self, key: str, ip: str = "") -> Principal:
        """Look an API key up by prefix and compare hashes; revoked keys fail."""
        import hmac

        prefix = api_key_prefix(key)
        if prefix is None:
            raise ServiceError("invalid API key", 401)
        with self.context.session() as session:
            row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
            if row is None or not hmac.compare_digest(row.key_hash, sha256_hex(key)):
                raise ServiceError("invalid API key", 401)
            if row.revoked_at is not None:
                raise ServiceError("API key revoked", 401)
            if row.created_by is not None:
                # a key never outlives its creator's membership or outranks their current role
                creator = session.scalars(select(Membership.role).where(
                    Membership.user_id == row.created_by, Membership.organization_id == row.organization_id)).first()
                if creator is None or ROLE_RANK[creator] < ROLE_RANK[row.role]:
                    raise ServiceError("API key revoked (its creator no longer holds its role)", 401)
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
                row.last_used_at = now
            return Principal(organization_id=row.organization_id, role=row.role, api_key_id=row.id, ip=ip)

    # ---- self-service ----------------------------------------------------------------
    def me(self, principal: Principal) -> s.MeOut:
        """The caller's user, organisation and role."""
        with self.context.session() as session:
            org = session.get(Organization, principal.organization_id)
            if org is None:
                raise ServiceError("organisation not found", 404)
            user = session.get(User, principal.user_id) if principal.user_id else None
            return s.MeOut(
                user=s.UserOut.model_validate(user) if user else None,
                organization=s.OrganizationOut.model_validate(org),
                role=principal.role,  # type: ignore[arg-type]
                api_key_id=principal.api_key_id,
            )

    def get_user(self, principal: Principal, user_id: str) -> s.UserOut:
        """A user who shares the caller's organisation, else 404."""
        principal.require("viewer")
        with self.context.session() as session:
            user = session.scalars(
                select(User).join(Membership, Membership.user_id == User.id).where(
                    User.id == user_id, Membership.organization_id == principal.organization_id
                )
            ).first()
            if user is None:
                raise ServiceError(f"user '{user_id}' not found", 404)
            return s.UserOut.model_validate(user)

    def _need_user(self, principal: Principal) -> str:
        if not principal.user_id:
            raise ServiceError("this action needs a user login, not an API key", 403)
        return principal.user_id

    def logout(self, principal: Principal) -> None:
        """Revoke the caller's session."""
        self._need_user(principal)
        if principal.session_id:
            self.revoke_session(principal, principal.session_id)

    def totp_setup(self, principal: Principal) -> s.TotpSetupOut:
        """Start TOTP enrolment: store a new (not yet enabled) seed and return it."""
        import pyotp

        user_id = self._need_user(principal)
        secret = new_totp_secret()
        with self.context.session() as session:
            user = session.get(User, user_id)
            assert user is not None
            if user.totp_enabled:
                raise ServiceError("TOTP is already enabled; disable it first", 409)
            user.totp_secret = self.context.box.encrypt(secret, f"totp:{user.id}")
            user.totp_last_step = None  # steps of the old seed say nothing about the new one
            uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="ggpgfx")
            return s.TotpSetupOut(secret=secret, otpauth_uri=uri)

    def totp_enable(self, principal: Principal, body: s.CodeIn) -> None:
        """Turn TOTP on after checking a code from the enrolled seed."""
        self._set_totp(principal, body.code, True)

    def totp_disable(self, principal: Principal, body: s.CodeIn) -> None:
        """Turn TOTP off (needs a current code)."""
        self._set_totp(principal, body.code, False)

    def _set_totp(self, principal: Principal, code: str, enabled: bool) -> None:
        user_id = self._need_user(principal)
        with self.context.session() as session:
            user = session.get(User, user_id)
            assert user is not None
            if user.totp_secret is None:
                raise ServiceError("start TOTP setup first", 409)
            secret = self.context.box.decrypt(user.totp_secret, f"totp:{user.id}")
            if enabled:  # enrolment proves the seed works; the code may still complete the first login
                if not totp_verify(secret, code):
                    raise ServiceError("wrong one-time code", 400)
            else:
                step = totp_match(secret, code, user.totp_last_step)
                if step is None:
                    raise ServiceError("wrong or already used one-time code", 400)
                user.totp_last_step = step
            user.totp_enabled = enabled
            if not enabled:
                user.totp_secret = None
            self.audit(session, principal, principal.organization_id, "mfa.enabled" if enabled else "mfa.disabled")

    def list_sessions(self, principal: Principal) -> list[s.SessionOut]:
        """The caller's sessions in this organisation, newest first."""
        user_id = self._need_user(principal)
        with self.context.session() as session:
            rows = session.scalars(
                select(AuthSession).where(
                    AuthSession.user_id == user_id, AuthSession.organization_id == principal.organization_id
                ).order_by(AuthSession.created_at.desc()).limit(100)
            ).all()
            return [s.SessionOut.model_validate(r).model_copy(update={"current": r.id == principal.session_id}) for r in rows]

    def revoke_session(self, principal: Principal, session_id: str) -> None:
        """Revoke one of the caller's sessions (admins may revoke anyone's in their organisation)."""
        user_id = self._need_user(principal)
        with self.context.session() as session:
            row = scoped_get(session, AuthSession, session_id, principal, "session")
            if row.user_id != user_id and ROLE_RANK[principal.role] < ROLE_RANK["admin"]:
                raise ServiceError("revoking another member's session needs the 'admin' role", 403)
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                row.revoked_reason = "revoked"
            self.audit(session, principal, principal.organization_id, "session.revoked", f"session:{session_id}")

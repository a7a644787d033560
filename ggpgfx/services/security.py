"""Credentials: argon2id passwords, JWT access tokens, opaque refresh tokens, API keys, TOTP."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ggpgfx.errors import ServiceError

ROLES = ("viewer", "producer", "admin", "owner")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MFA_AUDIENCE = "ggpgfx-mfa"
API_KEY_PREFIX = "ggp_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (with session) or an API key, acting in one organisation with one role."""

    organization_id: str
    role: str
    user_id: str | None = None
    api_key_id: str | None = None
    session_id: str | None = None
    ip: str = ""
    scopes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def actor(self) -> str:
        """Audit-log name of the caller."""
        return f"user:{self.user_id}" if self.user_id else f"key:{self.api_key_id}"

    def require(self, role: str) -> None:
        """Raise 403 unless the caller's role is at least `role`."""
        if ROLE_RANK[self.role] < ROLE_RANK[role]:
            raise ServiceError(f"this action needs the '{role}' role; you are '{self.role}'", 403)


_hasher: Any = None


def _password_hasher() -> Any:
    global _hasher
    if _hasher is None:
        import os

        from argon2 import PasswordHasher, Type

        # RFC 9106 second recommended option (argon2id, 64 MiB, t=3); the environment may lower it
        # for test suites, which hash hundreds of passwords. Existing hashes keep their own parameters.
        _hasher = PasswordHasher(
            time_cost=int(os.environ.get("GGP_ARGON2_TIME_COST", "3")),
            memory_cost=int(os.environ.get("GGP_ARGON2_MEMORY_KIB", "65536")),
            parallelism=4, type=Type.ID,
        )
    return _hasher


def hash_password(password: str) -> str:
    """Return an argon2id PHC string."""
    return str(_password_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; never raises on a mismatch."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_password_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def burn_password_time(password: str) -> None:
    """Spend the time of one verification so unknown emails take as long as wrong passwords."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    verify_password(_DUMMY_HASH, password)


def sha256_hex(value: str) -> str:
    """Hex SHA-256 (right for high-entropy tokens; passwords use argon2id)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_refresh_token() -> str:
    """An opaque 256-bit refresh token."""
    return "rt_" + secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """Return (prefix, full key); only the hash of the full key is stored."""
    prefix = secrets.token_hex(6)
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def api_key_prefix(key: str) -> str | None:
    """Extract the lookup prefix from a presented key, or None when it is not shaped like one."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    parts = key[len(API_KEY_PREFIX) :].split("_", 1)
    return parts[0] if len(parts) == 2 and len(parts[0]) == 12 else None


class TokenSigner:
    """Issues and checks HS256 JWTs with issuer, audience, expiry and a unique id."""

    def __init__(self, key: bytes, issuer: str, audience: str, access_ttl_s: int) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.access_ttl_s = access_ttl_s

    def issue(self, claims: dict[str, Any], audience: str | None = None, ttl_s: int | None = None) -> str:
        """Sign `claims` plus iss/aud/iat/exp/jti."""
        import jwt

        now = int(time.time())
        body = dict(claims)
        body.update(
            iss=self.issuer,
            aud=audience or self.audience,
            iat=now,
            exp=now + (ttl_s if ttl_s is not None else self.access_ttl_s),
            jti=secrets.token_hex(8),
        )
        return str(jwt.encode(body, self.key, algorithm="HS256"))

    def verify(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """Return the claims or raise 401 for a bad signature, expiry, issuer or audience."""
        import jwt

        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                audience=audience or self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ServiceError("access token expired", 401) from exc
        except jwt.InvalidAudienceError as exc:
            raise ServiceError("token is not meant for this API", 401) from exc
        except jwt.PyJWTError as exc:
            raise ServiceError("invalid token", 401) from exc
        return claims


def totp_now(secret: str) -> str:
    """The current TOTP code for `secret` (used by tests and the MFA enrolment check)."""
    import pyotp

    return str(pyotp.TOTP(secret).now())


def totp_verify(secret: str, code: str) -> bool:
    """Accept the current code or one step either side (clock skew)."""
    import pyotp

    return bool(pyotp.TOTP(secret).verify(code.strip(), valid_window=1))


def totp_match(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step (current or one either side, for clock skew) whose code is `code`, newer than
    `last_step`; None when there is none. Recording the step returned makes every code single-use."""
    import hmac

    import pyotp

    totp = pyotp.TOTP(secret)
    code = code.strip()
    current = int(time.time() if now is None else now) // totp.interval
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(str(totp.generate_otp(step)), code):
            return step
    return None


def new_totp_secret() -> str:
    """A fresh base32 TOTP seed."""
    import pyotp

    return str(pyotp.random_base32())


def principal_from_access_token(signer: TokenSigner, token: str, ip: str = "") -> Principal:
    """Check a JWT access token (signature, expiry, issuer, audience, claims) without the database."""
    return principal_from_claims(signer.verify(token), ip)


def principal_from_claims(claims: dict[str, Any], ip: str = "") -> Principal:
    """The caller named by verified access-token claims (401 when they lack a known role or an organisation)."""
    role = claims.get("role")
    if role not in ROLE_RANK or not claims.get("org"):
        raise ServiceError("invalid token", 401)
    return Principal(organization_id=claims["org"], role=role, user_id=claims["sub"], session_id=claims.get("sid"), ip=ip)

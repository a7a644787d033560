"""Platform operators: staff of the business running the platform, granted from the server's shell.

No API call can make someone an operator; `ggp staff add EMAIL` on the server does, and every
grant and removal lands in the operators' own audit trail (`staff_audit_log`).
"""

from __future__ import annotations

import getpass

from sqlalchemy import select

from ggpgfx.errors import ServiceError
from ggpgfx.services.base import ServiceContext
from ggpgfx.services.models import PlatformStaff, StaffAuditEvent, User


def _shell_actor() -> str:
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):
        return "shell:?"


def _user(context: ServiceContext, session: object, email: str) -> User:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()  # type: ignore[attr-defined]
    if user is None:
        raise ServiceError(f"no user with email '{email}'; they sign up first", 404)
    return user  # type: ignore[no-any-return]


def grant(context: ServiceContext, email: str) -> str:
    """Make the user with `email` a platform operator; returns their user id."""
    with context.session() as session:
        user = _user(context, session, email)
        if session.get(PlatformStaff, user.id) is None:
            session.add(PlatformStaff(user_id=user.id, role="operator"))
            session.add(StaffAuditEvent(actor=_shell_actor(), action="staff.granted", target=f"user:{user.id}",
                                        detail={"email": user.email}))
        return user.id


def revoke(context: ServiceContext, email: str) -> bool:
    """Remove an operator; False when they were not one."""
    with context.session() as session:
        user = _user(context, session, email)
        row = session.get(PlatformStaff, user.id)
        if row is None:
            return False
        session.delete(row)
        session.add(StaffAuditEvent(actor=_shell_actor(), action="staff.revoked", target=f"user:{user.id}",
                                    detail={"email": user.email}))
        return True


def list_staff(context: ServiceContext) -> list[tuple[str, str]]:
    """(email, granted at) of every operator."""
    with context.sessions() as session:
        rows = session.execute(select(User.email, PlatformStaff.created_at).join(
            PlatformStaff, PlatformStaff.user_id == User.id).order_by(PlatformStaff.created_at)).all()
        return [(email, created.isoformat(timespec="seconds")) for email, created in rows]

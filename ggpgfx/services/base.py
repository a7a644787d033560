"""What every service class shares: settings, the database, the secret box and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ggpgfx.errors import ServiceError
from ggpgfx.services.config import Settings
from ggpgfx.services.crypto import SecretBox
from ggpgfx.services.security import Principal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class ServiceContext:
    """One per process: engine, session factory and secret box built from settings."""

    def __init__(self, settings: Settings, migrate: bool = True) -> None:
        from ggpgfx.services import db

        self.settings = settings
        if migrate:
            db.upgrade(settings.database_url)
        self.engine = db.make_engine(settings.database_url)
        self.session_factory = db.make_sessionmaker(self.engine)
        self.box = SecretBox(settings.secret_key)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits on success, rolls back on any error."""
        from sqlalchemy.exc import DataError

        with self.session_factory() as session:
            try:
                yield session
                session.commit()
            except DataError as exc:  # e.g. NUL characters, which PostgreSQL text refuses
                session.rollback()
                raise ServiceError(f"a value was rejected by the database: {str(exc.orig).splitlines()[0]}", 422) from exc
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def sessions(self) -> Iterator[Session]:
        """A read-only unit of work (same error mapping, nothing committed)."""
        from sqlalchemy.exc import DataError

        with self.session_factory() as session:
            try:
                yield session
            except DataError as exc:
                raise ServiceError(f"a value was rejected by the database: {str(exc.orig).splitlines()[0]}", 422) from exc

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()


class Service:
    """Base of the plain service classes (used directly by tests, wrapped by Serve deployments)."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.settings = context.settings

    def audit(
        self, session: Session, principal: Principal | None, organization_id: str, action: str,
        target: str = "", **detail: Any,
    ) -> None:
        """Append an audit entry in the caller's transaction."""
        from ggpgfx.services.models import AuditEvent

        session.add(
            AuditEvent(
                organization_id=organization_id,
                actor=principal.actor if principal else "system",
                action=action,
                target=target,
                detail=detail,
                ip=principal.ip if principal else "",
            )
        )


def scoped_get(session: Session, model: Any, object_id: str, principal: Principal, what: str) -> Any:
    """Load a row of the caller's organisation, or 404 (another tenant's rows look absent)."""
    row = session.scalars(
        select(model).where(model.id == object_id, model.organization_id == principal.organization_id)
    ).first()
    if row is None:
        raise ServiceError(f"{what} '{object_id}' not found", 404)
    return row

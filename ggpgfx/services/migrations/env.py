"""Alembic environment: runs on the connection `db.upgrade` hands over (or the configured URL)."""

from __future__ import annotations

from alembic import context

from ggpgfx.services.models import Base

target_metadata = Base.metadata


def run() -> None:
    """Run migrations online on the supplied or a fresh connection."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        from ggpgfx.services.db import make_engine

        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as fresh:
            context.configure(connection=fresh, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()

"""The Alembic revisions build exactly the tables the models declare (a model change without its migration,
or a migration that drifts from the models, fails here), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any


def test_migrations_match_the_models(client: Any, settings: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from ggpgfx.services.models import Base

    engine = create_engine(settings.database_url)  # the session database, migrated to head by the app
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []

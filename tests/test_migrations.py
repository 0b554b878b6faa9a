"""Migrations are the only way the schema is made, and they match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from crm.core.health import migration_heads
from crm.database import include_in_autogenerate
from crm.extensions import db


def test_the_migrated_database_has_exactly_the_models_tables(ctx) -> None:
    tables = {
        name
        for name in inspect(db.engine).get_table_names()
        if include_in_autogenerate(None, name, "table", True, None)
    }
    assert tables == set(db.metadata.tables) | {"alembic_version"}


def test_no_drift_between_models_and_migrations(ctx) -> None:
    with db.engine.connect() as connection:
        migration = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_object": include_in_autogenerate,
            },
        )
        assert compare_metadata(migration, db.metadata) == []


def test_the_database_is_at_the_single_head(ctx) -> None:
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    assert current == migration_heads()
    assert len(current) == 1

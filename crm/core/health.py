"""Liveness and readiness checks for load balancers and orchestration."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm.extensions import db


def migration_heads() -> set[str]:
    directory = current_app.extensions["migrate"].directory
    return set(ScriptDirectory(directory).get_heads())


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether the database answers and its schema is at the newest migration."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        return False, {"database": "unreachable", "migrations": "unknown"}
    if current != migration_heads():
        return False, {"database": "ok", "migrations": "pending"}
    return True, {"database": "ok", "migrations": "head"}

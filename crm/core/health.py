"""Liveness and readiness checks for load balancers and orchestration."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from crm.extensions import db

#: how long readiness waits for a write lock before it reports the database as locked
LOCK_PROBE_MS = 1000


def migration_heads() -> set[str]:
    directory = current_app.extensions["migrate"].directory
    return set(ScriptDirectory(directory).get_heads())


def _probe_write_lock(connection: Connection) -> None:
    """Take, and at once give back, the lock a save would need, waiting at most LOCK_PROBE_MS.

    :raises OperationalError: when another connection holds it longer (a long migration, a
        stuck writer, a manual ``LOCK TABLE``).
    """
    if connection.dialect.name == "sqlite":
        # SQLite has one write lock for the whole file; BEGIN IMMEDIATE takes it without writing.
        busy_ms = current_app.config["DB_LOCK_TIMEOUT_SECONDS"] * 1000
        connection.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_PROBE_MS}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.exec_driver_sql("ROLLBACK")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
        return
    # ROW EXCLUSIVE is what every INSERT or UPDATE takes; it conflicts only with the table locks
    # that would stall saves, and it is released by the rollback below.
    connection.execute(text(f"SET LOCAL lock_timeout = {LOCK_PROBE_MS}"))
    connection.execute(text("LOCK TABLE users, customers IN ROW EXCLUSIVE MODE"))
    connection.rollback()


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether the database answers, can take a write now, and is at the newest migration."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
            connection.rollback()
            if current != migration_heads():
                return False, {"database": "ok", "migrations": "pending"}
            try:
                _probe_write_lock(connection)
            except OperationalError:
                return False, {"database": "locked", "migrations": "head"}
    except SQLAlchemyError:
        return False, {"database": "unreachable", "migrations": "unknown"}
    return True, {"database": "ok", "migrations": "head"}

"""Database building blocks shared by every domain: the UTC column type and naming convention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: Named constraints let Alembic alter and drop them on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime; as a column default, pass the function."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database.

    PostgreSQL stores ``timestamptz``; SQLite stores naive UTC text so that comparisons in SQL
    stay lexical and correct. Naive values are refused: their zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime; got a naive one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    """The per-connection SQLite settings: enforce foreign keys, WAL for concurrent readers, and
    wait up to ``busy_timeout_ms`` for another writer's lock before giving up with an error the
    app turns into a 503 page."""

    def set_pragmas(dbapi_connection: Any, _connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return set_pragmas


#: Search objects the migrations create per dialect and the models do not declare.
_UNMODELLED_TABLE_PREFIXES = ("customer_search", "kb_fts")  # FTS5 tables and their shadows
#: PostgreSQL's pg_trgm indexes and the GIN indexes over the short search pieces
_UNMODELLED_INDEXES = frozenset(
    {
        "ix_customers_search_trgm",
        "ix_customers_search_grams",
        "ix_kb_articles_search_trgm",
        "ix_kb_articles_search_grams",
    }
)


def include_in_autogenerate(
    _object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's filter: leave the hand-made search objects out of autogenerate and drift
    checks."""
    if type_ == "table" and name and name.startswith(_UNMODELLED_TABLE_PREFIXES):
        return False
    return not (type_ == "index" and name in _UNMODELLED_INDEXES)


def insert_ignoring_duplicates(session: Any, model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows``, skipping any that would break a unique constraint (ON CONFLICT DO
    NOTHING), on SQLite and PostgreSQL alike: how repeatable jobs make a second run a no-op.

    :returns: how many rows were inserted.
    """
    if not rows:
        return 0
    table = model.__table__
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing().returning(table.c.id)
    return len(session.connection().execute(statement, rows).all())

"""Page and sort handling shared by list views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from crm.core.ids import parse_id
from crm.extensions import db

T = TypeVar("T")
K = TypeVar("K")
PER_PAGE = 25


def keyset_position(raw: str | None, parse: Callable[[str], K]) -> tuple[K, int] | None:
    """The (sort key, id) a keyset parameter ``<key>|<id>`` names, the key read by ``parse``;
    None when it is missing or malformed (the first page)."""
    try:
        key, raw_id = (raw or "").rsplit("|", 1)
        position = parse(key)
    except ValueError:
        return None
    row_id = parse_id(raw_id)
    return None if row_id is None else (position, row_id)


def after_position(key: Any, row_id: Any, position: tuple[Any, int]) -> ColumnElement[bool]:
    """Rows that come after ``position`` in (``key``, ``row_id``) order: where a keyset page
    starts."""
    last_key, last_id = position
    return or_(key > last_key, and_(key == last_key, row_id > last_id))


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    sort: str
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def sort_clause(
    sort: str, columns: Mapping[str, ColumnElement[Any]], default: str
) -> tuple[str, list[ColumnElement[Any]]]:
    """Translate ``sort`` ("name" or "-name") through a whitelist of columns; anything else
    falls back to ``default``, so no request parameter ever reaches SQL as text."""
    key = sort.lstrip("-")
    if key not in columns:
        sort, key = default, default.lstrip("-")
    column = columns[key]
    return sort, [column.desc() if sort.startswith("-") else column.asc()]


def paginate(
    query: Select[Any], *, page: int, sort: str, filters: dict[str, Any], per_page: int = PER_PAGE
) -> Page[Any]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(
        items=items, page=page, per_page=per_page, total=total or 0, sort=sort, filters=filters
    )

"""Page and sort handling shared by list views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from crm.extensions import db

T = TypeVar("T")
PER_PAGE = 25


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

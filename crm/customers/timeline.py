"""The customer's history as one timeline, newest first, paged by keyset.

Each kind of entry is a provider that its domain registers (``crm.core.providers``); the page
is the union of each kind's newest rows after the cursor, so every kind reads at most one page
through its (customer, time, id) index however long the history, and the rows behind the page
are loaded with one statement per kind shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, literal, or_, select, union_all

from crm.auth.queries import users_shown_by_name
from crm.core.ids import parse_id
from crm.core.providers import NOBODY, TimelineProvider, timeline_providers
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User

PAGE_SIZE = 20


def timeline_kinds() -> list[str]:
    """Every registered kind of entry."""
    return [provider.kind for provider in timeline_providers()]


def kind_choices() -> list[tuple[str, Any]]:
    """(kind, label) of every registered kind, for the filter."""
    return [(provider.kind, provider.label) for provider in timeline_providers()]


@dataclass(frozen=True)
class Cursor:
    at: datetime
    kind: str
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}|{self.kind}|{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """The cursor in ``raw``, or None for a missing or malformed one (the first page)."""
        try:
            at, kind, entry_id = (raw or "").split("|")
            parsed = cls(datetime.fromisoformat(at), kind, parse_id(entry_id) or 0)
        except ValueError:
            return None
        if parsed.at.tzinfo is None or kind not in timeline_kinds() or not parsed.id:
            return None
        return parsed


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    item: Any


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    next_cursor: Cursor | None


def _after(source: TimelineProvider, cursor_kind: str) -> ColumnElement[bool]:
    """Rows that sort after the cursor in (time desc, kind desc, id desc) order."""
    at = bindparam("cursor_at")
    if source.kind < cursor_kind:
        return source.at <= at
    if source.kind > cursor_kind:
        return source.at < at
    return or_(source.at < at, and_(source.at == at, source.model.id < bindparam("cursor_id")))


@lru_cache(maxsize=512)
def _keys_statement(
    shown: tuple[tuple[TimelineProvider, str], ...],
    by_category: bool,
    cursor_kind: str | None,
    size: int,
) -> Select | None:
    """The (kind, id, at) keys of one page, built once per shape (the kinds shown with their
    viewer's audience, the filters, the cursor's kind): the statement is the same for every
    customer and cursor but its parameters, and building it costs more than running it."""
    branches = []
    for source, audience in shown:
        if by_category and source.category is None:
            continue
        conditions = [
            source.customer_id == bindparam("customer_id"),
            *source.live(),
            *source.scoped(audience),
        ]
        if by_category:
            conditions.append(source.category == bindparam("category"))
        if cursor_kind is not None:
            conditions.append(_after(source, cursor_kind))
        branch = select(
            literal(source.kind).label("kind"),
            source.model.id.label("id"),
            source.at.label("at"),
        )
        if source.join is not None:
            branch = branch.join(*source.join())
        branch = (
            branch.where(*conditions)
            .order_by(source.at.desc(), source.model.id.desc())
            .limit(size + 1)
            .subquery()
        )
        branches.append(select(branch))
    if not branches:
        return None
    merged = union_all(*branches).subquery()
    return (
        select(merged.c.kind, merged.c.id, merged.c.at)
        .order_by(merged.c.at.desc(), merged.c.kind.desc(), merged.c.id.desc())
        .limit(size + 1)
    )


def _shown(viewer: User | None, kinds: set[str] | None) -> tuple[tuple[TimelineProvider, str], ...]:
    """The providers shown to ``viewer`` under the kind filter, each with the viewer's
    audience (kinds the viewer may read none of drop out)."""
    shown = []
    for provider in timeline_providers():
        if kinds and provider.kind not in kinds:
            continue
        audience = provider.audience(viewer)
        if audience != NOBODY:
            shown.append((provider, audience))
    return tuple(shown)


def timeline_page(
    customer_id: int,
    *,
    viewer: User | None = None,
    cursor: Cursor | None = None,
    kinds: set[str] | None = None,
    category: str | None = None,
    size: int = PAGE_SIZE,
) -> TimelinePage:
    """One page of ``viewer``'s view of a customer's history (without a viewer, the kinds
    anyone may read). A category filter keeps only kinds that have one."""
    shown = _shown(viewer, kinds)
    statement = _keys_statement(
        shown,
        bool(category),
        cursor.kind if cursor else None,
        size,
    )
    if statement is None:
        return TimelinePage([], None)
    parameters: dict[str, Any] = {
        "customer_id": customer_id,
        "category": category,
        "viewer_id": viewer.id if viewer is not None else None,
    }
    if cursor is not None:
        parameters |= {"cursor_at": cursor.at, "cursor_id": cursor.id}
    keys = db.session.execute(statement, parameters).all()
    has_more = len(keys) > size
    keys = keys[:size]
    items = _load(shown, keys, viewer)
    entries = [
        Entry(kind, at, items[(kind, entry_id)])
        for kind, entry_id, at in keys
        if (kind, entry_id) in items
    ]
    next_cursor = Cursor(keys[-1].at, keys[-1].kind, keys[-1].id) if has_more else None
    return TimelinePage(entries, next_cursor)


@lru_cache(maxsize=64)
def _rows_statement(source: TimelineProvider) -> Select:
    return (
        select(source.model)
        .where(source.model.id.in_(bindparam("ids", expanding=True)))
        .options(*users_shown_by_name(source.model), *source.not_shown())
    )


def _load(
    shown: tuple[tuple[TimelineProvider, str], ...], keys: list[Any], viewer: User | None
) -> dict[tuple[str, int], Any]:
    """The rows behind the keys, one query per kind, each checked against its kind's object
    rule: a row the viewer may not read is left out, whatever the query let through."""
    loaded: dict[tuple[str, int], Any] = {}
    for source, _audience in shown:
        ids = [key.id for key in keys if key.kind == source.kind]
        if not ids:
            continue
        for item in db.session.scalars(_rows_statement(source), {"ids": ids}):
            if source.may_read is None or (viewer is not None and source.may_read(viewer, item)):
                loaded[(source.kind, item.id)] = item
    return loaded

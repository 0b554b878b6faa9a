"""The customer's history as one timeline, newest first, paged by keyset.

Each kind of entry is a source; the page is the union of each source's newest rows after the
cursor, so every source reads at most one page through its (customer, time, id) index however
long the history. Later modules (cases, callbacks, surveys, QA) add their own source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import lazyload

from crm.auth.queries import users_shown_by_name
from crm.callbacks.models import CallbackTask, TaskStatus
from crm.cases.models import Case
from crm.core.ids import parse_id
from crm.customers.models import Feedback, Purchase
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.surveys.models import Survey

PAGE_SIZE = 20


@dataclass(frozen=True)
class Source:
    kind: str
    model: Any
    at: Any
    #: extra conditions (e.g. hide deleted entries)
    live: Callable[[], list[ColumnElement[bool]]]
    #: the column a category filter applies to; sources without one drop out under a filter
    category: Any = None
    #: loader options for what the entry links to but the timeline does not show
    not_shown: Callable[[], list[Any]] = list


SOURCES: list[Source] = [
    Source(
        "interaction",
        Interaction,
        Interaction.occurred_at,
        lambda: [Interaction.deleted_at.is_(None)],
        category=Interaction.category,
    ),
    Source(
        "case",
        Case,
        Case.opened_at,
        lambda: [],
        category=Case.category,
        # The case's customer is the one whose timeline this is.
        not_shown=lambda: [lazyload(Case.customer)],
    ),
    Source("purchase", Purchase, Purchase.purchased_at, lambda: []),
    Source("survey", Survey, Survey.answered_at, lambda: [Survey.answered_at.is_not(None)]),
    Source("feedback", Feedback, Feedback.received_at, lambda: []),
    # Planned calls that were skipped or moved, with their reason (a made call is an
    # interaction already).
    Source(
        "callback",
        CallbackTask,
        CallbackTask.closed_at,
        lambda: [CallbackTask.status.in_([TaskStatus.SKIPPED.value, TaskStatus.RESCHEDULED.value])],
        not_shown=lambda: [lazyload(CallbackTask.customer)],
    ),
]
KINDS = [source.kind for source in SOURCES]


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
        if parsed.at.tzinfo is None or kind not in KINDS or not parsed.id:
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


def _after(source: Source, cursor_kind: str) -> ColumnElement[bool]:
    """Rows that sort after the cursor in (time desc, kind desc, id desc) order."""
    at = bindparam("cursor_at")
    if source.kind < cursor_kind:
        return source.at <= at
    if source.kind > cursor_kind:
        return source.at < at
    return or_(source.at < at, and_(source.at == at, source.model.id < bindparam("cursor_id")))


@cache
def _keys_statement(
    kinds: frozenset[str] | None, by_category: bool, cursor_kind: str | None, size: int
) -> Select | None:
    """The (kind, id, at) keys of one page, built once per shape: the statement is the same
    for every customer and cursor but its parameters, and building it costs more than running
    it."""
    branches = []
    for source in SOURCES:
        if kinds and source.kind not in kinds:
            continue
        if by_category and source.category is None:
            continue
        conditions = [source.model.customer_id == bindparam("customer_id"), *source.live()]
        if by_category:
            conditions.append(source.category == bindparam("category"))
        if cursor_kind is not None:
            conditions.append(_after(source, cursor_kind))
        branch = (
            select(
                literal(source.kind).label("kind"),
                source.model.id.label("id"),
                source.at.label("at"),
            )
            .where(*conditions)
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


def timeline_page(
    customer_id: int,
    *,
    cursor: Cursor | None = None,
    kinds: set[str] | None = None,
    category: str | None = None,
    size: int = PAGE_SIZE,
) -> TimelinePage:
    """One page of a customer's history. A category filter keeps only sources that have one."""
    statement = _keys_statement(
        frozenset(kinds) if kinds else None,
        bool(category),
        cursor.kind if cursor else None,
        size,
    )
    if statement is None:
        return TimelinePage([], None)
    parameters: dict[str, Any] = {"customer_id": customer_id, "category": category}
    if cursor is not None:
        parameters |= {"cursor_at": cursor.at, "cursor_id": cursor.id}
    keys = db.session.execute(statement, parameters).all()
    has_more = len(keys) > size
    keys = keys[:size]
    items = _load(keys)
    entries = [Entry(kind, at, items[(kind, entry_id)]) for kind, entry_id, at in keys]
    next_cursor = Cursor(keys[-1].at, keys[-1].kind, keys[-1].id) if has_more else None
    return TimelinePage(entries, next_cursor)


@cache
def _rows_statement(source: Source) -> Select:
    return (
        select(source.model)
        .where(source.model.id.in_(bindparam("ids", expanding=True)))
        .options(*users_shown_by_name(source.model), *source.not_shown())
    )


def _load(keys: list[Any]) -> dict[tuple[str, int], Any]:
    """The rows behind the keys, one query per kind."""
    loaded: dict[tuple[str, int], Any] = {}
    for source in SOURCES:
        ids = [key.id for key in keys if key.kind == source.kind]
        if ids:
            for item in db.session.scalars(_rows_statement(source), {"ids": ids}):
                loaded[(source.kind, item.id)] = item
    return loaded

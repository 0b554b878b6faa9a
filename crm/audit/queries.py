"""Read-only queries over the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.timezones import local_day_end_utc, local_day_start_utc

PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    #: pass as ``before`` for the next (older) page; None on the last page
    next_before: int | None


def audit_page(filters: AuditFilter, *, before: int | None = None) -> AuditPage:
    """Newest entries first, ``PER_PAGE`` at a time, paged by id (keyset): the log only grows,
    and an OFFSET would slow down with every page."""
    query = select(AuditEntry)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.date_from:
        query = query.where(AuditEntry.at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.at < local_day_end_utc(filters.date_to))
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PER_PAGE + 1)))
    entries = rows[:PER_PAGE]
    next_before = entries[-1].id if len(rows) > PER_PAGE else None
    return AuditPage(entries=entries, next_before=next_before)

"""Administrators' rules for SLA policies and the holiday calendar. Changes apply to cases
opened afterwards: each case keeps the limits it was opened with."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.cases.models import CASE_CATEGORIES, Holiday, Priority, SlaPolicy
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

MAX_MINUTES = 60 * 24 * 60  # sixty days


def _require_admin(actor: User) -> None:
    if not actor.can(Permission.SLA_MANAGE):
        raise PermissionDenied(_l("Only administrators change SLA policies."))


def _minutes(value: object, field: str) -> int:
    try:
        minutes = int(str(value))
    except ValueError:
        minutes = 0
    if not 0 < minutes <= MAX_MINUTES:
        raise DomainError(_l("Enter whole minutes from 1 to %(n)d.", n=MAX_MINUTES), field=field)
    return minutes


def save_policy(
    *,
    actor: User,
    category: str,
    priority: str | None,
    first_response_minutes: object,
    resolution_minutes: object,
    business_hours: bool,
) -> SlaPolicy:
    """Create or change the policy of a category (and optionally one priority)."""
    _require_admin(actor)
    if category not in {c.value for c in CASE_CATEGORIES}:
        raise DomainError(_l("Choose a category from the list."), field="category")
    if priority is not None and priority not in {p.value for p in Priority}:
        raise DomainError(_l("Choose a priority from the list."), field="priority")
    response = _minutes(first_response_minutes, "first_response_minutes")
    resolution = _minutes(resolution_minutes, "resolution_minutes")
    policy = db.session.scalar(
        select(SlaPolicy).where(
            SlaPolicy.category == category,
            SlaPolicy.priority.is_(None) if priority is None else SlaPolicy.priority == priority,
        )
    )
    before = None
    if policy is None:
        policy = SlaPolicy(category=category, priority=priority)
        db.session.add(policy)
    else:
        before = [policy.first_response_minutes, policy.resolution_minutes, policy.business_hours]
    policy.first_response_minutes, policy.resolution_minutes = response, resolution
    policy.business_hours = business_hours
    db.session.flush()
    record(
        action=AuditAction.SLA_CHANGED,
        actor=actor,
        object_type="sla_policy",
        object_id=policy.id,
        details={
            "category": category,
            "priority": priority,
            "limits": [before, [response, resolution, business_hours]],
        },
    )
    return policy


def set_holiday(*, actor: User, day: date, name: str, working: bool) -> Holiday:
    """Mark a date as a public holiday, or (``working``) as a make-up working day."""
    _require_admin(actor)
    name = (name or "").strip()[:60]
    if not name:
        raise DomainError(_l("Name the day, e.g. 国庆节."), field="name")
    holiday = db.session.get(Holiday, day) or Holiday(day=day)
    holiday.name, holiday.working = name, working
    db.session.add(holiday)
    db.session.flush()
    record(
        action=AuditAction.SLA_CHANGED,
        actor=actor,
        object_type="holiday",
        object_id=day.isoformat(),
        details={"name": name, "working": working},
    )
    return holiday


def remove_holiday(*, actor: User, day: date) -> None:
    _require_admin(actor)
    holiday = db.session.get(Holiday, day)
    if holiday is not None:
        db.session.delete(holiday)
        db.session.flush()
        record(
            action=AuditAction.SLA_CHANGED,
            actor=actor,
            object_type="holiday",
            object_id=day.isoformat(),
            details={"removed": holiday.name},
        )

"""Closing the loop on a complaint: why it happened, what was done, and the customer's
confirmation, which must be given again after a reopening."""

from __future__ import annotations

from datetime import datetime

from crm.audit.services import AuditAction, changed_fields, record
from crm.auth.models import User
from crm.cases.models import Case
from crm.cases.services import add_event, require_change
from crm.cases.sla import last_reopened_at
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


def record_complaint_closure(
    *,
    actor: User,
    case: Case,
    root_cause: str,
    corrective_action: str,
    confirmation_method: str,
    confirmed_by: str,
    confirmed_at: datetime,
    now: datetime,
) -> None:
    """The closed-loop records of a complaint: why it happened, what was done, and how the
    customer confirmed the outcome (by whom, when)."""
    require_change(actor, case)
    values = {
        "root_cause": (root_cause or "").strip(),
        "corrective_action": (corrective_action or "").strip(),
        "confirmation_method": (confirmation_method or "").strip()[:100],
        "confirmed_by": (confirmed_by or "").strip()[:100],
    }
    for field, value in values.items():
        if not value:
            raise DomainError(_l("This is needed to close the loop."), field=field)
    if confirmed_at > now:
        raise DomainError(_l("The confirmation cannot be in the future."), field="confirmed_at")
    reopened_at = last_reopened_at(case)
    if reopened_at is not None and confirmed_at < reopened_at:
        raise DomainError(
            _l("The case was reopened since: the customer must confirm again."),
            field="confirmed_at",
        )
    after = {**values, "confirmed_at": confirmed_at}
    before = {field: getattr(case, field) for field in after}
    for field, value in after.items():
        setattr(case, field, value)
    db.session.flush()
    add_event(case, actor, "closure", now, **values)
    record(
        action=AuditAction.CASE_UPDATED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details=changed_fields(before, after),
    )

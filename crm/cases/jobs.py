"""The scheduler's SLA job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crm.cases.breaches import record_breach
from crm.cases.calendar import business_hours
from crm.cases.models import Case, CaseStatus
from crm.cases.sla import sla_state
from crm.cases.supervisors import alert_supervisors
from crm.extensions import db
from crm.notifications.services import notify


def mark_breaches(now: datetime) -> int:
    """The scheduler's SLA job: record every breach as it happens (kept after closing) and tell
    the assignee and the department's supervisors once; warn the supervisors once of a case at
    risk (CRM_SLA_WARNING_SHARE of its resolution time used) before its deadline. Exactly once
    however many run at a time: see ``cases/breaches.py``."""
    breached = []
    calendar = business_hours()
    for case in db.session.scalars(
        select(Case)
        .where(
            Case.status.in_(
                [s.value for s in CaseStatus if s not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)]
            ),
            Case.paused_since.is_(None),
        )
        # One order for every scheduler, so two never wait on each other's keys crosswise.
        .order_by(Case.id)
    ):
        if (
            not case.response_breached
            and case.first_response_at is None
            and now > case.first_response_due_at
            and record_breach(case, "first_response", now)
        ):
            breached.append((case, "response"))
        if (
            not case.resolution_breached
            and now > case.resolution_due_at
            and record_breach(case, "resolution", now)
        ):
            breached.append((case, "resolution"))
        elif not case.resolution_breached and sla_state(case, now, calendar=calendar).at_risk:
            alert_supervisors(case, "case.at_risk")
    db.session.flush()
    notify(
        {
            "user_id": case.assignee_id,
            "kind": f"case.breach_{clock}",
            "subject_type": "case",
            "subject_id": case.id,
            "payload": {"case": case.id, "subject": case.subject},
        }
        for case, clock in breached
        if case.assignee_id
    )
    for case, clock in breached:
        alert_supervisors(case, f"case.breach_{clock}")
    return len(breached)

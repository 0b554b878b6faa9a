"""The SLA of a case: which policy applies, where the case stands against it, and moving the
clock on after it stood still. Read by the case rules, the queues, the breach job and the
contingency switch alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from crm.cases.calendar import business_hours, hours_for
from crm.cases.clock import BusinessHours, add_counted_minutes, counted_minutes
from crm.cases.models import Case, CaseEvent, CaseStatus, SlaPolicy
from crm.contingency.queries import active_incident
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


def policy_for(category: str, priority: str) -> SlaPolicy:
    """The priority-specific policy of the category, else its general one."""
    policies = db.session.scalars(select(SlaPolicy).where(SlaPolicy.category == category)).all()
    for wanted in (priority, None):
        for policy in policies:
            if policy.priority == wanted:
                return policy
    raise DomainError(_l("No SLA policy covers this category; ask an administrator."))


def starting_clocks(category: str, priority: str, now: datetime) -> dict[str, object]:
    """A new case's SLA fields: its policy's targets and both due times counted from ``now``.
    Opened during contingency mode, the clocks start when the mode ends."""
    policy = policy_for(category, priority)
    hours = hours_for(policy.business_hours)
    return {
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "business_hours": policy.business_hours,
        "first_response_due_at": add_counted_minutes(now, policy.first_response_minutes, hours),
        "resolution_due_at": add_counted_minutes(now, policy.resolution_minutes, hours),
        "paused_since": now if active_incident() is not None else None,
    }


def last_reopened_at(case: Case) -> datetime | None:
    """When the case was last reopened, from its history (None if never)."""
    if not case.reopen_count:
        return None
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "status")
    )
    return max(
        (e.at for e in events if e.details.get("new") == CaseStatus.REOPENED.value), default=None
    )


def restart_clock(case: Case, now: datetime) -> None:
    """Start a stopped SLA clock again, moving the due times on by the counted time it stood
    still (the first-response one only while that response is still awaited)."""
    if case.paused_since is None:
        return
    hours = hours_for(case.business_hours)
    stopped = counted_minutes(case.paused_since, now, hours)
    if case.first_response_at is None:
        case.first_response_due_at = add_counted_minutes(case.first_response_due_at, stopped, hours)
    case.resolution_due_at = add_counted_minutes(case.resolution_due_at, stopped, hours)
    case.paused_since = None


@dataclass(frozen=True)
class SlaState:
    #: share of the resolution time used (may exceed 1)
    used: float
    #: counted minutes left before the resolution is due (negative when past)
    minutes_left: float
    at_risk: bool
    breached: bool
    paused: bool


def sla_state(case: Case, now: datetime, *, calendar: BusinessHours | None = None) -> SlaState:
    """Where the case stands against its resolution SLA at ``now``.

    :param calendar: the business calendar, when the caller has it already (a queue of cases
        reads it once instead of once per case).
    """
    hours = (calendar or business_hours()) if case.business_hours else None
    reference = case.resolved_at or case.paused_since or now
    if reference < case.resolution_due_at:
        left = counted_minutes(reference, case.resolution_due_at, hours)
    else:
        left = -counted_minutes(case.resolution_due_at, reference, hours)
    used = 1 - left / case.resolution_minutes
    breached = case.resolution_breached or left < 0
    return SlaState(
        used=used,
        minutes_left=left,
        at_risk=not breached and used >= current_app.config["SLA_WARNING_SHARE"],
        breached=breached,
        paused=case.paused_since is not None,
    )

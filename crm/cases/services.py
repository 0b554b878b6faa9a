"""Case rules: opening with the SLA in force, the status machine with its clock (paused while
waiting on the customer), transfers, breaches that stay recorded. The SLA itself is in
``sla.py``, the complaint's closed loop in ``complaints.py``.

Functions flush; the caller commits. ``now`` is passed in so that rules can be tested at any
time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from crm.access import may_change_case
from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.cases.breaches import record_breach
from crm.cases.calendar import hours_for
from crm.cases.clock import add_counted_minutes, counted_minutes
from crm.cases.models import (
    CASE_CATEGORIES,
    STATUS_LABELS,
    Case,
    CaseEvent,
    CaseStatus,
    Department,
    Priority,
)
from crm.cases.sla import restart_clock, starting_clocks
from crm.cases.supervisors import alert, supervisors_of
from crm.contingency.queries import active_incident
from crm.customers.models import Customer
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Category, Channel, Direction, Interaction
from crm.interactions.services import log_interaction

DEFAULT_DEPARTMENT = {
    Category.INQUIRY: Department.SERVICE,
    Category.TECH_SUPPORT: Department.TECH,
    Category.AFTER_SALES: Department.AFTER_SALES,
    Category.COMPLAINT: Department.COMPLAINTS,
}

#: status -> the statuses it may move to
TRANSITIONS: dict[CaseStatus, set[CaseStatus]] = {
    CaseStatus.NEW: {
        CaseStatus.ACCEPTED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING,
        CaseStatus.RESOLVED,
    },
    CaseStatus.ACCEPTED: {CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.RESOLVED},
    CaseStatus.IN_PROGRESS: {CaseStatus.WAITING, CaseStatus.RESOLVED},
    CaseStatus.WAITING: {CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED},
    CaseStatus.RESOLVED: {CaseStatus.CLOSED, CaseStatus.REOPENED},
    CaseStatus.REOPENED: {
        CaseStatus.ACCEPTED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING,
        CaseStatus.RESOLVED,
    },
    CaseStatus.CLOSED: {CaseStatus.REOPENED},
}


def require_change(actor: User, case: Case) -> None:
    """:raises PermissionDenied: unless ``actor`` may change ``case`` (``crm/access.py``)."""
    if not may_change_case(actor, case):
        if not actor.can(Permission.CASES_WORK):
            raise PermissionDenied(_l("Your role does not handle cases."))
        raise PermissionDenied(
            _l("This case is another agent's; ask a supervisor to transfer it to you.")
        )


def add_event(case: Case, actor: User | None, kind: str, now: datetime, **details: Any) -> None:
    note = details.pop("note", None)
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            at=now,
            details=details,
            note=note,
        )
    )


def open_case(
    *,
    actor: User,
    customer: Customer,
    subject: str,
    category: str,
    now: datetime,
    priority: str = Priority.NORMAL.value,
    description: str | None = None,
    assignee: User | None = None,
    interaction: Interaction | None = None,
    parent: Case | None = None,
    channel: str = Channel.PHONE.value,
) -> Case:
    """Open a case with the SLA of its category and priority; the clocks start now. Every case
    comes from an interaction, so that QA's risk triggers (breach, low survey score) reach it.

    :param interaction: the contact the case came from; without it, a follow-up comes from its
        parent's contact, and any other case logs the actor's contact now on ``channel``.
    :raises DomainError: naming the field at fault.
    """
    if not actor.can(Permission.CASES_WORK):
        raise PermissionDenied(_l("Your role does not handle cases."))
    subject = (subject or "").strip()
    if not subject:
        raise DomainError(_l("Enter the case's subject."), field="subject")
    if category not in {c.value for c in CASE_CATEGORIES}:
        raise DomainError(_l("Choose a category from the list."), field="category")
    if priority not in {p.value for p in Priority}:
        raise DomainError(_l("Choose a priority from the list."), field="priority")
    if customer.is_deleted:
        raise DomainError(_l("This customer has been deleted."))
    if interaction is not None and interaction.customer_id != customer.id:
        raise PermissionDenied(_l("This contact belongs to another customer."))
    clocks = starting_clocks(category, priority, now)
    if interaction is None and parent is not None and parent.interaction_id is not None:
        interaction = db.session.get(Interaction, parent.interaction_id)
    if interaction is None:
        interaction = log_interaction(
            actor=actor,
            customer=customer,
            channel=channel,
            category=category,
            direction=Direction.INBOUND.value,
            summary=subject,
            occurred_at=now,
        )
    case = Case(
        customer_id=customer.id,
        subject=subject[:200],
        description=(description or "").strip() or None,
        category=category,
        priority=priority,
        department=DEFAULT_DEPARTMENT[Category(category)].value,
        assignee_id=assignee.id if assignee else None,
        interaction_id=interaction.id,
        parent_id=parent.id if parent else None,
        opened_at=now,
        opened_by_id=actor.id,
        **clocks,
    )
    db.session.add(case)
    db.session.flush()
    add_event(case, actor, "opened", now, category=category, priority=priority)
    record(
        action=AuditAction.CASE_OPENED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"customer": customer.id, "subject": case.subject},
    )
    return case


def _check_closure(case: Case) -> None:
    if case.category != Category.COMPLAINT:
        return
    missing = [
        label
        for label, value in (
            (_l("root cause"), case.root_cause),
            (_l("corrective action"), case.corrective_action),
            (_l("the customer's confirmation"), case.confirmed_at),
        )
        if not value
    ]
    if missing:
        raise DomainError(
            _l(
                "A complaint closes only with %(missing)s recorded.",
                missing=", ".join(str(m) for m in missing),
            )
        )


def change_status(
    *, actor: User, case: Case, status: str, now: datetime, note: str | None = None
) -> None:
    """Move the case on; leaving "new" is the first response, "waiting on customer" pauses the
    clock, resolving checks the resolution SLA, a reopen counts against the case.

    :raises DomainError: for a move the status machine does not allow, a complaint closed
        without its closing records, or a reopen after the reopening window.
    """
    require_change(actor, case)
    current, target = CaseStatus(case.status), CaseStatus(status)
    if target not in TRANSITIONS[current]:
        raise DomainError(
            _l(
                "A case cannot go from %(a)s to %(b)s.",
                a=STATUS_LABELS[current],
                b=STATUS_LABELS[target],
            )
        )
    hours = hours_for(case.business_hours)
    if target == CaseStatus.CLOSED:
        _check_closure(case)
    if target == CaseStatus.REOPENED:
        window = timedelta(days=current_app.config["REOPEN_DAYS"])
        if case.resolved_at is None or now - case.resolved_at > window:
            raise DomainError(_l("Too long after resolution to reopen; open a new case."))
        case.reopen_count += 1
        case.resolved_at = None
        case.closed_at = None
        # Each reopen needs the customer's fresh confirmation; the old one stays on the history.
        case.confirmation_method = case.confirmed_by = case.confirmed_at = None
    # The clock stands still while the case waits on the customer, and for every open case
    # while contingency mode is on; resolving or closing always stops it for good.
    stays_stopped = target == CaseStatus.WAITING or (
        target not in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and active_incident() is not None
    )
    if not stays_stopped:
        restart_clock(case, now)
    if case.first_response_at is None and current == CaseStatus.NEW:
        if case.paused_since is not None:
            # The first response comes while the clock stands still: its due time moves on by
            # the time stopped so far, and the resolution clock catches up when it restarts.
            stopped = counted_minutes(case.paused_since, now, hours)
            case.first_response_due_at = add_counted_minutes(
                case.first_response_due_at, stopped, hours
            )
        case.first_response_at = now
        if now > case.first_response_due_at:
            record_breach(case, "first_response", now, event=False)
    if stays_stopped and case.paused_since is None:
        case.paused_since = now
    if target == CaseStatus.RESOLVED:
        case.resolved_at = now
        if now > case.resolution_due_at:
            record_breach(case, "resolution", now, event=False)
    if target == CaseStatus.CLOSED:
        case.closed_at = now
    case.status = target.value
    db.session.flush()
    add_event(case, actor, "status", now, old=current.value, new=target.value, note=note)
    record(
        action=AuditAction.CASE_STATUS,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"status": [current.value, target.value]},
    )


def transfer(
    *, actor: User, case: Case, department: str, assignee: User | None, now: datetime, note: str
) -> None:
    """Hand the case to another department and/or person (跨部门协作), with a note for them."""
    require_change(actor, case)
    if department not in {d.value for d in Department}:
        raise DomainError(_l("Choose a department from the list."), field="department")
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("Say what the next person needs to know."), field="note")
    if not case.is_open:
        raise DomainError(_l("Only an open case can be transferred."))
    changes = {}
    if case.department != department:
        changes["department"] = [case.department, department]
        case.department = department
    new_assignee = assignee.id if assignee else None
    if case.assignee_id != new_assignee:
        changes["assignee"] = [case.assignee_id, new_assignee]
        case.assignee_id = new_assignee
    db.session.flush()
    add_event(case, actor, "transfer", now, note=note, **changes)
    record(
        action=AuditAction.CASE_TRANSFERRED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details=changes,
    )
    # The people the case lands on hear of it: the new assignee, the receiving supervisors.
    told = supervisors_of(department) if "department" in changes else []
    if "assignee" in changes:
        told.append(new_assignee)
    alert(
        case,
        "case.transferred",
        [i for i in told if i != actor.id],
        period=now.strftime("%Y%m%d%H%M%S%f"),  # a case may come back to someone
        note=note[:200],
    )

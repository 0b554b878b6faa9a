"""Improvement actions: creating them, moving them on, the owner's outcome, and the KPI before
and after, each window measured by the dashboard's own figures (``period_figures``).

Functions flush; the view, CLI command or scheduler job that called them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql.base import ExecutableOption

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.notifications.services import notify
from crm.plans.models import (
    OPEN_ACTION_STATUSES,
    ActionComment,
    ActionSource,
    ActionStatus,
    ImprovementAction,
)
from crm.reports.monthly import period_figures
from crm.reports.scope import KPI_KEYS, Period
from crm.reports.targets import display_value
from crm.timezones import department_today

TITLE_MAX = 200
TEXT_MAX = 5000
DECISIONS = ("keep", "adjust", "drop")


def may_manage(actor: User) -> bool:
    """Supervisors (whoever reads the KPI dashboard) create and steer actions."""
    return actor.can(Permission.REPORTS_VIEW)


def may_see(actor: User, action: ImprovementAction) -> bool:
    return may_manage(actor) or action.owner_id == actor.id


def _text(raw: str | None, limit: int, missing: Any = None) -> str:
    cleaned = (raw or "").strip()
    if missing is not None and not cleaned:
        raise DomainError(missing)
    if len(cleaned) > limit:
        raise DomainError(_l("Keep it under %(n)d characters.", n=limit))
    return cleaned


@dataclass(frozen=True)
class ActionInput:
    title: str
    details: str
    source: str
    source_ref: str
    kpi_key: str | None
    expected_change: Decimal | None
    owner_id: int
    start_date: date
    due_date: date


def create_action(*, actor: User, data: ActionInput, now: datetime) -> ImprovementAction:
    """Record an improvement action (Plan).

    :raises PermissionDenied: for a role that does not supervise the KPIs.
    :raises DomainError: for a missing title, an unknown source or KPI, an inactive owner, or a
        due date not after the start.
    """
    if not may_manage(actor):
        raise PermissionDenied(_l("Only supervisors create improvement actions."))
    title = _text(data.title, TITLE_MAX, _l("Say what will be done."))
    if data.source not in {s.value for s in ActionSource}:
        raise DomainError(_l("Choose where the action comes from."))
    if data.kpi_key is not None and data.kpi_key not in KPI_KEYS:
        raise DomainError(_l("Choose a KPI from the list."))
    if data.source == ActionSource.KPI and data.kpi_key is None:
        raise DomainError(_l("An action from a KPI names the KPI."))
    owner = db.session.get(User, data.owner_id)
    if owner is None or not owner.active:
        raise DomainError(_l("Choose an active owner."))
    if data.due_date <= data.start_date:
        raise DomainError(_l("The due date must come after the start."))
    if data.expected_change is not None and abs(data.expected_change) >= Decimal("100000"):
        raise DomainError(_l("The expected change is too large."))
    action = ImprovementAction(
        title=title,
        details=_text(data.details, TEXT_MAX),
        source=data.source,
        source_ref=_text(data.source_ref, TITLE_MAX),
        kpi_key=data.kpi_key,
        expected_change=data.expected_change,
        owner_id=owner.id,
        start_date=data.start_date,
        due_date=data.due_date,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(action)
    db.session.flush()
    record(
        action=AuditAction.ACTION_CREATED,
        actor=actor,
        object_type="improvement_action",
        object_id=action.id,
        details={"title": title, "kpi": data.kpi_key, "owner": owner.id},
    )
    return action


def set_status(*, actor: User, action: ImprovementAction, status: str) -> None:
    """Start or cancel an action (Do); it is done only through its outcome."""
    if not may_manage(actor):
        raise PermissionDenied(_l("Only supervisors steer improvement actions."))
    if status not in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED):
        raise DomainError(_l("Choose a status from the list."))
    if action.status == ActionStatus.DONE:
        raise DomainError(_l("The outcome is recorded: the action is closed."))
    before = action.status
    action.status = status
    db.session.flush()
    record(
        action=AuditAction.ACTION_CHANGED,
        actor=actor,
        object_type="improvement_action",
        object_id=action.id,
        details={"action_status": [before, status]},
    )


def add_comment(*, actor: User, action: ImprovementAction, body: str, now: datetime) -> None:
    if not may_see(actor, action):
        raise PermissionDenied(_l("Only supervisors and the owner comment on the action."))
    body = _text(body, TEXT_MAX, _l("Write the comment."))
    db.session.add(ActionComment(action_id=action.id, author_id=actor.id, body=body, at=now))
    db.session.flush()


def record_outcome(
    *, actor: User, action: ImprovementAction, outcome: str, decision: str, now: datetime
) -> None:
    """The owner (or a supervisor) says what came of it and what next (Act): keep the change,
    adjust it, or drop it. The action is then done."""
    if not may_see(actor, action):
        raise PermissionDenied(_l("Only supervisors and the owner record the outcome."))
    if action.status == ActionStatus.CANCELLED:
        raise DomainError(_l("A cancelled action has no outcome."))
    if action.status == ActionStatus.DONE:
        # A second form (another tab, a resubmit) must not overwrite what was decided.
        raise DomainError(_l("The outcome is recorded: the action is closed."))
    if decision not in DECISIONS:
        raise DomainError(_l("Choose what happens next."))
    action.outcome = _text(outcome, TEXT_MAX, _l("Describe the outcome."))
    action.decision = decision
    action.outcome_at = now
    action.status = ActionStatus.DONE.value
    db.session.flush()
    record(
        action=AuditAction.ACTION_CHANGED,
        actor=actor,
        object_type="improvement_action",
        object_id=action.id,
        details={"outcome": action.outcome[:200], "next_step": decision},
    )


def stage(action: ImprovementAction, today: date) -> str:
    """Where the action stands in Plan → Do → Check → Act."""
    if action.status == ActionStatus.DONE:
        return "act"
    if action.status == ActionStatus.IN_PROGRESS and today <= action.due_date:
        return "do"
    if action.status != ActionStatus.CANCELLED and today > action.due_date:
        return "check"
    return "plan"


def windows(action: ImprovementAction) -> tuple[Period, Period]:
    """ "After" runs from the start to the due date, both days included; "before" is the same
    number of days just before the start."""
    after = Period(action.start_date, action.due_date + timedelta(days=1))
    length = after.end - after.start
    return Period(action.start_date - length, action.start_date), after


@dataclass(frozen=True)
class Effect:
    before: Period
    after: Period
    #: display units (percent, minutes, hours, points); None where nothing was measured
    before_value: float | None
    after_value: float | None
    before_basis: int
    after_basis: int

    @property
    def change(self) -> float | None:
        if self.before_value is None or self.after_value is None:
            return None
        return self.after_value - self.before_value


def effect(action: ImprovementAction) -> Effect | None:
    """The KPI before and after, department-wide, as the dashboard computes it."""
    if action.kpi_key is None:
        return None
    before, after = windows(action)
    first = period_figures(before).figures[action.kpi_key]
    second = period_figures(after).figures[action.kpi_key]
    return Effect(
        before,
        after,
        display_value(first),
        display_value(second),
        first.basis,
        second.basis,
    )


def open_actions(
    kpi_key: str | None = None, *, options: tuple[ExecutableOption, ...] = ()
) -> list[ImprovementAction]:
    query = (
        select(ImprovementAction)
        .where(ImprovementAction.status.in_(OPEN_ACTION_STATUSES))
        .options(*options)
    )
    if kpi_key is not None:
        query = query.where(ImprovementAction.kpi_key == kpi_key)
    return list(db.session.scalars(query.order_by(ImprovementAction.due_date)))


def actions_due_between(start: date, end: date) -> list[tuple[ImprovementAction, Effect | None]]:
    """Actions due in local days [start, end), not cancelled, each with its measured effect:
    for the quarterly quality report."""
    due = db.session.scalars(
        select(ImprovementAction)
        .where(
            ImprovementAction.due_date >= start,
            ImprovementAction.due_date < end,
            ImprovementAction.status != ActionStatus.CANCELLED.value,
        )
        .order_by(ImprovementAction.due_date, ImprovementAction.id)
    )
    return [(action, effect(action)) for action in due]


def ask_for_outcomes(now: datetime) -> int:
    """The scheduler's job: once an open action's due date has come, ask its owner for the
    outcome. The notice's UNIQUE key (person, kind, action) makes it once, however many runs
    and processes offer it."""
    today = department_today(now)
    due = db.session.scalars(
        select(ImprovementAction).where(
            ImprovementAction.status.in_(OPEN_ACTION_STATUSES),
            ImprovementAction.due_date <= today,
        )
    )
    return notify(
        {
            "user_id": action.owner_id,
            "kind": "plan.action_due",
            "subject_type": "improvement_action",
            "subject_id": action.id,
            "payload": {"title": action.title, "date": action.due_date.isoformat()},
        }
        for action in due
    )

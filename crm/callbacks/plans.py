"""Callback plans: planning regular callbacks (or a single one), ending them, and making
their dated tasks, each for whoever works that day.

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import update

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.callbacks.cadence import Rule, occurrences
from crm.callbacks.models import (
    LAST_DAY,
    Cadence,
    CallbackPlan,
    CallbackTask,
    TaskStatus,
)
from crm.customers.models import Customer
from crm.database import insert_ignoring_duplicates, utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.teams.roster import cover_for
from crm.workdays import DayRule


def require_planner(actor: User) -> None:
    if not actor.can(Permission.CALLBACKS_PLAN):
        raise PermissionDenied(_l("Only supervisors plan callbacks."))


def check_agent(user: User | None, field: str) -> None:
    if user is None or not user.active or not user.has_role(Role.AGENT):
        raise DomainError(_l("Choose an active agent."), field=field)


def rule_of(plan: CallbackPlan, is_open: DayRule) -> Rule:
    return Rule(
        cadence=Cadence(plan.cadence),
        start=plan.start_date,
        end=plan.end_date,
        interval_weeks=plan.interval_weeks,
        day_of_month=plan.day_of_month,
        is_open=is_open,
    )


def _validate(cadence: str, interval_weeks: int, day_of_month: int | None) -> None:
    if cadence not in {c.value for c in Cadence}:
        raise DomainError(_l("Choose how often to call."), field="cadence")
    if cadence == Cadence.WEEKLY and not 1 <= interval_weeks <= 52:
        raise DomainError(_l("Every 1 to 52 weeks."), field="interval_weeks")
    if cadence == Cadence.MONTHLY and day_of_month not in (None, LAST_DAY, *range(1, 32)):
        raise DomainError(_l("Choose a day from 1 to 31, or the last day."), field="day_of_month")
    if cadence == Cadence.MONTHLY_WORKDAY and day_of_month not in range(1, 24):
        raise DomainError(_l("Choose a working day from 1 to 23."), field="day_of_month")


def create_plan(
    *,
    actor: User,
    customer: Customer,
    purpose: str,
    cadence: str,
    start_date: date,
    assignee: User,
    script: str | None = None,
    interval_weeks: int = 1,
    day_of_month: int | None = None,
    end_date: date | None = None,
    fallback: User | None = None,
) -> CallbackPlan:
    """Plan regular callbacks to a customer; the scheduler makes the dated tasks.

    :raises PermissionDenied: unless the actor plans callbacks.
    :raises DomainError: naming the field at fault.
    """
    require_planner(actor)
    if customer.is_deleted:
        raise DomainError(_l("This customer has been deleted."), field="customer_id")
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError(_l("Say what the callback is for."), field="purpose")
    _validate(cadence, interval_weeks, day_of_month)
    if end_date is not None and end_date < start_date:
        raise DomainError(_l("The end date is before the start date."), field="end_date")
    check_agent(assignee, "assignee_id")
    if fallback is not None:
        check_agent(fallback, "fallback_id")
    plan = CallbackPlan(
        customer_id=customer.id,
        purpose=purpose[:200],
        script=(script or "").strip() or None,
        cadence=cadence,
        interval_weeks=interval_weeks,
        day_of_month=day_of_month,
        start_date=start_date,
        end_date=end_date,
        assignee_id=assignee.id,
        fallback_id=fallback.id if fallback else None,
        created_by_id=actor.id,
    )
    db.session.add(plan)
    db.session.flush()
    record(
        action=AuditAction.CALLBACK_PLANNED,
        actor=actor,
        object_type="callback_plan",
        object_id=plan.id,
        details={"customer": customer.id, "cadence": cadence, "assignee": assignee.id},
    )
    return plan


def end_plan(*, actor: User, plan: CallbackPlan, last_day: date) -> int:
    """Stop a plan after ``last_day``; its later open tasks are cancelled. Returns how many."""
    require_planner(actor)
    plan.end_date = max(last_day, plan.start_date)
    plan.active = False
    plan.ended_at = utcnow()
    cancelled = db.session.execute(
        update(CallbackTask)
        .where(
            CallbackTask.plan_id == plan.id,
            CallbackTask.status == TaskStatus.DUE.value,
            CallbackTask.due_date > plan.end_date,
        )
        .values(status=TaskStatus.CANCELLED.value, closed_at=utcnow(), closed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    record(
        action=AuditAction.CALLBACK_PLAN_ENDED,
        actor=actor,
        object_type="callback_plan",
        object_id=plan.id,
        details={"last_day": plan.end_date.isoformat(), "cancelled": cancelled},
    )
    db.session.flush()
    return cancelled


def assignee_for(plan: CallbackPlan, day: date | None = None) -> int:
    """Who gets the plan's task due on ``day``: the assignee; the fallback while the assignee
    is inactive; and when the duty roster gives the assignee that day off, the fallback or
    else a team-mate who works that day (the assignee keeps it if nobody does)."""
    if not plan.assignee.active and plan.fallback_id is not None:
        return plan.fallback_id
    if day is None:
        return plan.assignee_id
    return cover_for(plan.assignee_id, day, plan.fallback_id) or plan.assignee_id


def add_tasks(plan: CallbackPlan, dates: Sequence[date], **fields: object) -> int:
    """Insert a task per date; a date the plan already has is skipped (UNIQUE plan, date)."""
    if not dates:
        return 0
    rows = [
        {
            "plan_id": plan.id,
            "customer_id": plan.customer_id,
            "due_date": day,
            "assignee_id": assignee_for(plan, day),
            "status": TaskStatus.DUE.value,
            "attempt": 0,
            "created_at": utcnow(),
            **fields,
        }
        for day in dates
    ]
    return insert_ignoring_duplicates(db.session, CallbackTask, rows)


def plan_dates(plan: CallbackPlan, *, until: date, is_open: DayRule) -> list[date]:
    return occurrences(rule_of(plan, is_open), after=plan.generated_until, until=until)


def add_one_off_task(
    *, actor: User, customer: Customer, assignee: User, due_date: date, purpose: str
) -> CallbackTask:
    """One callback outside any schedule (a missed call to return): a plan of a single
    occurrence, generated already, with its task. The actor may be a system user (the phone
    system's token), so no planner permission is asked; the assignee must work callbacks.

    :raises DomainError: when the assignee is not an active user who works callbacks.
    """
    if not assignee.active or not assignee.can(Permission.CALLBACKS_WORK):
        raise DomainError(_l("Choose an active agent."), field="assignee_id")
    plan = CallbackPlan(
        customer_id=customer.id,
        purpose=purpose.strip()[:200],
        cadence=Cadence.ONCE.value,
        start_date=due_date,
        end_date=due_date,
        assignee_id=assignee.id,
        created_by_id=actor.id,
        generated_until=due_date,
    )
    db.session.add(plan)
    db.session.flush()
    task = CallbackTask(
        plan_id=plan.id,
        customer_id=customer.id,
        due_date=due_date,
        assignee_id=assignee.id,
        status=TaskStatus.DUE.value,
    )
    db.session.add(task)
    db.session.flush()
    record(
        action=AuditAction.CALLBACK_PLANNED,
        actor=actor,
        object_type="callback_plan",
        object_id=plan.id,
        details={"customer": customer.id, "cadence": plan.cadence, "assignee": assignee.id},
    )
    return task

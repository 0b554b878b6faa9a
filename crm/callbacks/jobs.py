"""The scheduler's callback jobs. Each reads the database, acts, and can run again any time
(or in two processes at once) without doing anything twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from crm.auth.models import User
from crm.callbacks.models import CallbackPlan, CallbackTask, TaskStatus
from crm.callbacks.plans import add_tasks, plan_dates
from crm.customers.models import Customer
from crm.extensions import db
from crm.notifications.services import notify
from crm.timezones import department_today
from crm.workdays import DayRule, add_working_days, working_day_rule


def generate_tasks(now: datetime) -> int:
    """Make every plan's tasks up to the horizon (CRM_CALLBACK_HORIZON_DAYS ahead), including
    any days missed while the scheduler was stopped. One failing plan is logged and skipped."""
    until = department_today(now) + timedelta(days=current_app.config["CALLBACK_HORIZON_DAYS"])
    plans = db.session.scalars(
        select(CallbackPlan).where(
            CallbackPlan.active.is_(True),
            or_(CallbackPlan.generated_until.is_(None), CallbackPlan.generated_until < until),
        )
    ).all()
    made = 0
    is_open = working_day_rule()
    for plan in plans:
        try:
            with db.session.begin_nested():
                made += add_tasks(plan, plan_dates(plan, until=until, is_open=is_open))
                # Conditional: of two schedulers, the one that moved the mark first wins and the
                # other's inserts were no-ops anyway (UNIQUE plan, date).
                db.session.execute(
                    update(CallbackPlan)
                    .where(
                        CallbackPlan.id == plan.id,
                        CallbackPlan.generated_until.is_not_distinct_from(plan.generated_until),
                    )
                    .values(generated_until=until)
                    .execution_options(synchronize_session=False)
                )
        except SQLAlchemyError:
            current_app.logger.exception("Callback plan %s: tasks not generated", plan.id)
    return made


def _payload(task: CallbackTask, customer: Customer, agent: User) -> dict[str, str]:
    return {
        "customer": customer.name,
        "date": task.due_date.isoformat(),
        "agent": agent.display_name,
    }


def notify_due(now: datetime) -> int:
    """Tell each agent about their callbacks that have become due (once per task)."""
    rows = db.session.execute(
        select(CallbackTask, Customer, User)
        .join(Customer, Customer.id == CallbackTask.customer_id)
        .join(User, User.id == CallbackTask.assignee_id)
        .where(
            CallbackTask.status == TaskStatus.DUE.value,
            CallbackTask.due_date <= department_today(now),
        )
    ).all()
    return notify(
        {
            "user_id": task.assignee_id,
            "kind": "callback.due",
            "subject_type": "callback_task",
            "subject_id": task.id,
            "payload": _payload(task, customer, agent),
        }
        for task, customer, agent in rows
    )


def notify_overdue(now: datetime) -> int:
    """Tell the supervisor who planned it about a callback still open more than
    CRM_CALLBACK_OVERDUE_WORKING_DAYS working days after its due date (once per task)."""
    grace = current_app.config["CALLBACK_OVERDUE_WORKING_DAYS"]
    today = department_today(now)
    rows = db.session.execute(
        select(CallbackTask, Customer, User, CallbackPlan.created_by_id)
        .join(CallbackPlan, CallbackPlan.id == CallbackTask.plan_id)
        .join(Customer, Customer.id == CallbackTask.customer_id)
        .join(User, User.id == CallbackTask.assignee_id)
        .where(CallbackTask.status == TaskStatus.DUE.value, CallbackTask.due_date < today)
    ).all()
    is_open = working_day_rule()
    overdue = [
        (task, customer, agent, planner)
        for task, customer, agent, planner in rows
        if _overdue(task.due_date, grace, today, is_open)
    ]
    return notify(
        {
            "user_id": planner,
            "kind": "callback.overdue",
            "subject_type": "callback_task",
            "subject_id": task.id,
            "payload": _payload(task, customer, agent),
        }
        for task, customer, agent, planner in overdue
    )


def _overdue(due: date, grace: int, today: date, is_open: DayRule) -> bool:
    deadline = due if is_open(due) else add_working_days(due, 1, is_open)
    return add_working_days(deadline, grace, is_open) < today

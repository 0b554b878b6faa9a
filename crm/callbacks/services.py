"""Callback rules for the tasks: completing, skipping, rescheduling and reassigning them
(plans: ``plans.py``; bulk plans: ``bulk.py``).

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from crm.access import may_change_task
from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.callbacks.models import (
    CallbackTask,
    TaskReason,
    TaskStatus,
)
from crm.callbacks.plans import add_tasks, check_agent, require_planner
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Category, Channel, Direction
from crm.interactions.services import log_interaction
from crm.workdays import next_working_day, working_day_rule


def _can_work(actor: User, task: CallbackTask) -> bool:
    return may_change_task(actor, task)


def _close(task: CallbackTask, actor: User, status: TaskStatus) -> None:
    if task.status != TaskStatus.DUE:
        raise DomainError(_l("This callback is already closed."))
    task.status = status.value
    task.closed_at = utcnow()
    task.closed_by_id = actor.id


def complete_task(
    *,
    actor: User,
    task: CallbackTask,
    reached: bool,
    notes: str,
    today: date,
    satisfaction: int | None = None,
    occurred_at: datetime | None = None,
) -> CallbackTask | None:
    """Record the call as an interaction (回访) and close the task. When the customer was not
    reached, a retry is planned on the next working day until the retries run out.

    :returns: the retry task, if one was planned.
    """
    if not _can_work(actor, task):
        raise PermissionDenied(_l("This callback is assigned to someone else."))
    if reached and satisfaction is not None and not 1 <= satisfaction <= 5:
        raise DomainError(_l("The satisfaction goes from 1 to 5."), field="satisfaction")
    _close(task, actor, TaskStatus.DONE if reached else TaskStatus.MISSED)
    interaction = log_interaction(
        actor=actor,
        customer=task.customer,
        channel=Channel.PHONE.value,
        category=Category.CALLBACK.value,
        direction=Direction.OUTBOUND.value,
        summary=task.plan.purpose,
        details=notes,
        outcome=str(_l("Reached")) if reached else str(_l("Not reached")),
        occurred_at=occurred_at or utcnow(),
        reached=reached,
    )
    task.interaction_id = interaction.id
    task.satisfaction = satisfaction if reached else None
    db.session.flush()
    if reached or task.attempt >= current_app.config["CALLBACK_RETRIES"]:
        return None
    retry_day = next_working_day(max(today, task.due_date), working_day_rule())
    added = add_tasks(task.plan, [retry_day], attempt=task.attempt + 1, previous_id=task.id)
    if not added:
        return None  # the plan already has a call that day
    return db.session.scalar(
        select(CallbackTask).where(
            CallbackTask.plan_id == task.plan_id, CallbackTask.due_date == retry_day
        )
    )


def _reason(reason: str, note: str) -> tuple[str, str | None]:
    """The checked reason code and the agent's words (required for "other")."""
    if reason not in {r.value for r in TaskReason}:
        raise DomainError(_l("Choose a reason from the list."), field="reason")
    note = (note or "").strip()[:200]
    if reason == TaskReason.OTHER and not note:
        raise DomainError(_l("Say why in a few words."), field="note")
    return reason, note or None


def skip_task(*, actor: User, task: CallbackTask, reason: str, note: str = "") -> None:
    """Close a callback without calling; the reason stays on the task and the timeline.

    :param reason: one of TaskReason; ``note`` is required for TaskReason.OTHER.
    :raises PermissionDenied: unless the actor works the task or plans callbacks.
    :raises DomainError: without a reason, or when the task is closed.
    """
    if not _can_work(actor, task):
        raise PermissionDenied(_l("This callback is assigned to someone else."))
    code, words = _reason(reason, note)
    _close(task, actor, TaskStatus.SKIPPED)
    task.reason, task.note = code, words
    db.session.flush()
    record(
        action=AuditAction.CALLBACK_SKIPPED,
        actor=actor,
        object_type="callback_task",
        object_id=task.id,
        details={"reason": task.reason, "note": task.note},
    )


def reschedule_task(
    *, actor: User, task: CallbackTask, new_date: date, today: date, reason: str, note: str = ""
) -> CallbackTask:
    """Move a callback to another day (改期): this task is closed as rescheduled with its
    reason and a new one is made, so both days stay in the history.

    :param reason: one of TaskReason; ``note`` is required for TaskReason.OTHER.
    :raises DomainError: without a reason, for a past day or a day the plan already has.
    """
    if not _can_work(actor, task):
        raise PermissionDenied(_l("This callback is assigned to someone else."))
    code, words = _reason(reason, note)
    if new_date < today:
        raise DomainError(_l("Choose today or a later day."), field="new_date")
    _close(task, actor, TaskStatus.RESCHEDULED)
    task.reason, task.note = code, words
    if not add_tasks(task.plan, [new_date], attempt=task.attempt, previous_id=task.id):
        raise DomainError(_l("This plan already has a callback that day."), field="new_date")
    db.session.flush()
    record(
        action=AuditAction.CALLBACK_RESCHEDULED,
        actor=actor,
        object_type="callback_task",
        object_id=task.id,
        details={
            "from": task.due_date.isoformat(),
            "to": new_date.isoformat(),
            "reason": task.reason,
            "note": task.note,
        },
    )
    return db.session.scalar(
        select(CallbackTask).where(
            CallbackTask.plan_id == task.plan_id, CallbackTask.due_date == new_date
        )
    )


def reassign_tasks(*, actor: User, tasks: Sequence[CallbackTask], assignee: User) -> int:
    """Give open callbacks to another agent (e.g. while one is on leave)."""
    require_planner(actor)
    check_agent(assignee, "assignee_id")
    moved = [
        task for task in tasks if task.status == TaskStatus.DUE and task.assignee_id != assignee.id
    ]
    for task in moved:
        task.assignee_id = assignee.id
    db.session.flush()
    if moved:
        record(
            action=AuditAction.CALLBACKS_REASSIGNED,
            actor=actor,
            object_type="user",
            object_id=assignee.id,
            details={"tasks": [task.id for task in moved]},
        )
    return len(moved)

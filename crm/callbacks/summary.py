"""The customer's next planned callback, for the customer's summary card."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import defaultload, lazyload

from crm.access import may_read_task
from crm.auth.models import User
from crm.auth.queries import users_shown_by_name
from crm.callbacks.models import CallbackPlan, CallbackTask, TaskStatus
from crm.customers.models import Customer
from crm.extensions import db


@dataclass(frozen=True)
class NextCallback:
    #: None when no call is planned
    task: CallbackTask | None
    #: whether the viewer may open the task (its assignee or a planner)
    readable: bool


def shown_on_customer_pages() -> list[Any]:
    """Loader options for a task shown on its customer's page: the customer is the page's own
    (already loaded), and the task's and its plan's assignees are shown by name only, so their
    roles are not read (a query each)."""
    plan = defaultload(CallbackTask.plan)
    return [
        lazyload(CallbackTask.customer),
        plan.lazyload(CallbackPlan.customer),
        plan.defaultload(CallbackPlan.assignee).lazyload(User.role_rows),
        *users_shown_by_name(CallbackTask),
    ]


@cache
def _next_statement() -> Select:
    # Built once: building it cost more than running it.
    return (
        select(CallbackTask)
        .where(
            CallbackTask.customer_id == bindparam("customer_id"),
            CallbackTask.status == TaskStatus.DUE.value,
        )
        .options(*shown_on_customer_pages())
        .order_by(CallbackTask.due_date, CallbackTask.id)
        .limit(1)
    )


def next_callback(customer: Customer, viewer: User) -> NextCallback:
    task = db.session.scalar(_next_statement(), {"customer_id": customer.id})
    return NextCallback(task, task is not None and may_read_task(viewer, task))

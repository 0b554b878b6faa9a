"""The customer's next planned callback, for the customer's summary card."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from crm.access import may_read_task
from crm.auth.models import User
from crm.callbacks.models import CallbackTask, TaskStatus
from crm.customers.models import Customer
from crm.extensions import db


@dataclass(frozen=True)
class NextCallback:
    #: None when no call is planned
    task: CallbackTask | None
    #: whether the viewer may open the task (its assignee or a planner)
    readable: bool


def next_callback(customer: Customer, viewer: User) -> NextCallback:
    task = db.session.scalar(
        select(CallbackTask)
        .where(CallbackTask.customer_id == customer.id, CallbackTask.status == TaskStatus.DUE.value)
        .options(lazyload(CallbackTask.customer))
        .order_by(CallbackTask.due_date, CallbackTask.id)
        .limit(1)
    )
    return NextCallback(task, task is not None and may_read_task(viewer, task))

"""Demo key-account callbacks: monthly plans with a year of tasks behind them, in bulk."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from crm.auth.models import User
from crm.callbacks.models import Cadence, CallbackPlan, CallbackTask, TaskStatus
from crm.extensions import db
from crm.timezones import department_today

DAY_OF_MONTH = 10


def _months_back(today: date, count: int) -> list[date]:
    months = [today.replace(day=1)]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def seed_callbacks(
    count: int,
    *,
    rng: random.Random,
    customer_ids: list[int],
    agents: list[User],
    planner: User,
    now: datetime,
) -> int:
    """About ``count`` past callback tasks: one monthly plan per twelve tasks, on the 10th,
    mostly done; the scheduler makes their future tasks. Returns how many tasks."""
    if not customer_ids or not agents:
        return 0
    today = department_today(now)
    months = [m.replace(day=DAY_OF_MONTH) for m in _months_back(today, 13)]
    past = [day for day in months if day < today][-12:]
    plans = max(1, count // max(1, len(past)))
    plan_rows = [
        {
            "customer_id": rng.choice(customer_ids),
            "purpose": "季度回访：使用情况与满意度",
            "cadence": Cadence.MONTHLY.value,
            "interval_weeks": 1,
            "day_of_month": DAY_OF_MONTH,
            "start_date": past[0],
            "assignee_id": rng.choice(agents).id,
            "active": True,
            "generated_until": today,
            "created_at": now,
            "created_by_id": planner.id,
        }
        for _n in range(plans)
    ]
    first_id = (
        db.session.scalar(select(CallbackPlan.id).order_by(CallbackPlan.id.desc())) or 0
    ) + 1
    db.session.execute(insert(CallbackPlan), plan_rows)
    created = db.session.execute(
        select(CallbackPlan.id, CallbackPlan.customer_id, CallbackPlan.assignee_id).where(
            CallbackPlan.id >= first_id
        )
    ).all()
    statuses = [TaskStatus.DONE, TaskStatus.DONE, TaskStatus.DONE, TaskStatus.MISSED]
    tasks = []
    for plan_id, customer_id, assignee_id in created:
        for due in past:
            status = rng.choice(statuses) if due < today - timedelta(days=3) else TaskStatus.DUE
            tasks.append(
                {
                    "plan_id": plan_id,
                    "customer_id": customer_id,
                    "due_date": due,
                    "assignee_id": assignee_id,
                    "status": status.value,
                    "attempt": 0,
                    "created_at": now,
                    "closed_at": None if status == TaskStatus.DUE else now,
                }
            )
    for start in range(0, len(tasks), 5000):
        db.session.execute(insert(CallbackTask), tasks[start : start + 5000])
    return len(tasks)

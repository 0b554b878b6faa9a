"""Demo key-account callbacks: monthly plans with a year of calls behind them and the coming
month's calls ahead, in bulk; and one-off calls due today or overdue on every agent's list."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from crm.auth.models import User
from crm.callbacks.jobs import generate_tasks
from crm.callbacks.models import Cadence, CallbackPlan, CallbackTask, TaskStatus
from crm.extensions import db
from crm.timezones import department_today

#: calls of the last few days are still open: the agents' overdue list
STILL_OPEN_DAYS = 3
PURPOSES = [
    "季度回访：使用情况与满意度",
    "月度回访：设备运行与维保需求",
    "关键客户回访：续约意向与建议",
]
#: one-off calls (after a complaint, a repair, an order): how many days overdue each agent's are
ONE_OFF = [
    ("投诉处理结果确认回访", 0),
    ("上门维修后满意度回访", 0),
    ("新品试用反馈回访", 0),
    ("大额订单到货确认", 1),
    ("投诉处理结果确认回访", 3),
]


def _monthly_before(today: date, day_of_month: int, count: int) -> list[date]:
    """The last ``count`` dates before ``today`` that fall on ``day_of_month``, oldest first."""
    month = today.replace(day=1)
    dates: list[date] = []
    while len(dates) < count:
        candidate = month.replace(day=day_of_month)
        if candidate < today:
            dates.insert(0, candidate)
        month = (month - timedelta(days=1)).replace(day=1)
    return dates


def seed_callbacks(
    count: int,
    *,
    rng: random.Random,
    customer_ids: list[int],
    agents: list[User],
    planner: User,
    now: datetime,
) -> int:
    """About ``count`` past callback tasks: one monthly plan per twelve, each on a day of the
    month of its own, mostly done, those of the last days still open; then the tasks up to the
    horizon, made by the scheduler's own job, so that every agent has calls due. Returns how
    many past tasks."""
    if not customer_ids or not agents:
        return 0
    today = department_today(now)
    plans = max(1, count // 12)
    plan_rows = [
        {
            "customer_id": rng.choice(customer_ids),
            "purpose": rng.choice(PURPOSES),
            "cadence": Cadence.MONTHLY.value,
            "interval_weeks": 1,
            "day_of_month": rng.randint(1, 28),
            "assignee_id": rng.choice(agents).id,
            "active": True,
            "generated_until": today - timedelta(days=1),
            "created_at": now,
            "created_by_id": planner.id,
        }
        for _n in range(plans)
    ]
    for row in plan_rows:
        row["start_date"] = _monthly_before(today, row["day_of_month"], 12)[0]
    first_id = (
        db.session.scalar(select(CallbackPlan.id).order_by(CallbackPlan.id.desc())) or 0
    ) + 1
    db.session.execute(insert(CallbackPlan), plan_rows)
    created = db.session.execute(
        select(
            CallbackPlan.id,
            CallbackPlan.customer_id,
            CallbackPlan.assignee_id,
            CallbackPlan.day_of_month,
        ).where(CallbackPlan.id >= first_id)
    ).all()
    statuses = [TaskStatus.DONE, TaskStatus.DONE, TaskStatus.DONE, TaskStatus.MISSED]
    tasks = []
    for plan_id, customer_id, assignee_id, day_of_month in created:
        for due in _monthly_before(today, day_of_month, 12):
            still_open = due >= today - timedelta(days=STILL_OPEN_DAYS)
            status = TaskStatus.DUE if still_open else rng.choice(statuses)
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
    generate_tasks(now)
    return len(tasks)


def seed_due_calls(
    *,
    rng: random.Random,
    customer_ids: list[int],
    agents: list[User],
    planner: User,
    now: datetime,
) -> int:
    """Give every agent the one-off calls of :data:`ONE_OFF`: three due today, two overdue;
    returns how many."""
    if not customer_ids or not agents:
        return 0
    today = department_today(now)
    tasks = 0
    for agent in agents:
        for purpose, days_late in ONE_OFF:
            due = today - timedelta(days=days_late)
            plan = CallbackPlan(
                customer_id=rng.choice(customer_ids),
                purpose=purpose,
                cadence=Cadence.ONCE.value,
                start_date=due,
                assignee_id=agent.id,
                generated_until=due,
                created_at=now - timedelta(days=days_late + 7),
                created_by_id=planner.id,
            )
            db.session.add(plan)
            db.session.flush()
            db.session.add(
                CallbackTask(
                    plan_id=plan.id,
                    customer_id=plan.customer_id,
                    due_date=due,
                    assignee_id=agent.id,
                    created_at=plan.created_at,
                )
            )
            tasks += 1
    db.session.flush()
    return tasks

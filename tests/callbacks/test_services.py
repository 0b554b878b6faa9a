"""Callback plans, tasks and the scheduler's jobs, with the clock under control."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from crm.auth.services import set_active
from crm.callbacks import bulk, plans, services
from crm.callbacks.models import CallbackPlan, CallbackTask, TaskStatus
from crm.cases.settings import set_holiday
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.notifications.models import Notification
from crm.scheduler import run_all
from tests.factories import make_customer, make_plan, make_user

# 10:00 in Shanghai on Monday 2 March 2026
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def people(ctx):
    supervisor = make_user(username="boss", roles=["supervisor"])
    agent = make_user(username="agent.a", roles=["agent"])
    other = make_user(username="agent.b", roles=["agent"])
    customer = make_customer(actor=supervisor, name="张三", tier="key", region="华东")
    db.session.commit()
    return supervisor, agent, other, customer


def tick(app, now: datetime) -> None:
    """Run every scheduler job once at ``now``; each must succeed."""
    results = run_all(app, now=now)
    assert None not in results.values(), results


def tasks_of(plan: CallbackPlan) -> list[tuple[date, str, int]]:
    return [
        (t.due_date, t.status, t.attempt)
        for t in db.session.scalars(
            select(CallbackTask).where(CallbackTask.plan_id == plan.id).order_by(CallbackTask.id)
        )
    ]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_only_planners_plan_and_only_agents_are_assigned(people) -> None:
    supervisor, agent, _, customer = people
    with pytest.raises(PermissionDenied):
        make_plan(actor=agent, customer=customer, assignee=agent)
    with pytest.raises(DomainError) as refused:
        make_plan(actor=supervisor, customer=customer, assignee=supervisor)
    assert refused.value.field == "assignee_id"


def test_the_scheduler_fills_the_horizon_ahead_and_only_once(ctx, app, people) -> None:
    supervisor, agent, _, customer = people
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="weekly",
        interval_weeks=1,
        start_date=date(2026, 3, 2),
    )
    db.session.commit()
    tick(app, MONDAY)
    tick(app, MONDAY)
    db.session.expire_all()
    # 30 days ahead of 2 March: 2, 9, 16, 23, 30 March and 1 April is past the horizon
    assert [due for due, _, _ in tasks_of(plan)] == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 23),
        date(2026, 3, 30),
    ]
    assert db.session.get(CallbackPlan, plan.id).generated_until == date(2026, 4, 1)


def test_catch_up_after_days_of_downtime_makes_every_missed_task_and_notice_once(
    ctx, app, people
) -> None:
    supervisor, agent, _, customer = people
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="weekly",
        start_date=date(2026, 2, 2),
    )
    db.session.commit()
    # The scheduler was down since the plan was made; it starts on 2 March.
    tick(app, MONDAY)
    tick(app, MONDAY)
    db.session.expire_all()
    due_now = [due for due, status, _ in tasks_of(plan) if due <= date(2026, 3, 2)]
    assert due_now == [
        date(2026, 2, 2),
        date(2026, 2, 9),
        date(2026, 2, 16),
        date(2026, 2, 23),
        date(2026, 3, 2),
    ]
    assert count(Notification, Notification.kind == "callback.due") == 5
    # All but today's are more than a working day late: the supervisor hears of four.
    assert (
        count(
            Notification,
            Notification.kind == "callback.overdue",
            Notification.user_id == supervisor.id,
        )
        == 4
    )


def test_overdue_is_reported_only_after_one_full_working_day(ctx, app, people) -> None:
    supervisor, agent, _, customer = people
    make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="once",
        start_date=date(2026, 2, 27),
    )
    db.session.commit()
    saturday = datetime(2026, 2, 28, 2, tzinfo=UTC)
    tuesday = datetime(2026, 3, 3, 2, tzinfo=UTC)
    tick(app, saturday)
    tick(app, MONDAY)  # Friday's call, Monday is its one working day of grace
    assert count(Notification, Notification.kind == "callback.overdue") == 0
    tick(app, tuesday)
    assert count(Notification, Notification.kind == "callback.overdue") == 1


def test_not_reached_retries_on_the_next_working_days_then_stops(ctx, app, people) -> None:
    supervisor, agent, _, customer = people
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="once",
        start_date=date(2026, 3, 6),
    )
    db.session.commit()
    friday = date(2026, 3, 6)
    tick(app, datetime(2026, 3, 6, 2, tzinfo=UTC))
    db.session.expire_all()
    with time_machine.travel(datetime(2026, 3, 6, 3, tzinfo=UTC), tick=False):
        task = db.session.scalar(select(CallbackTask).where(CallbackTask.plan_id == plan.id))
        first = services.complete_task(
            actor=agent, task=task, reached=False, notes="无人接听", today=friday
        )
        second = services.complete_task(
            actor=agent, task=first, reached=False, notes="关机", today=friday
        )
        third = services.complete_task(
            actor=agent, task=second, reached=False, notes="仍未接", today=friday
        )
    assert (first.due_date, first.attempt) == (date(2026, 3, 9), 1)  # Monday
    assert (second.due_date, second.attempt) == (date(2026, 3, 10), 2)
    assert third is None  # two retries by default, then it stays missed
    assert tasks_of(plan) == [
        (date(2026, 3, 6), "missed", 0),
        (date(2026, 3, 9), "missed", 1),
        (date(2026, 3, 10), "missed", 2),
    ]
    assert count(Interaction, Interaction.category == "callback") == 3


def test_reached_logs_the_interaction_with_notes_and_satisfaction(ctx, app, people) -> None:
    supervisor, agent, other, customer = people
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="once",
        start_date=date(2026, 3, 2),
    )
    db.session.commit()
    tick(app, MONDAY)
    db.session.expire_all()
    task = db.session.scalar(select(CallbackTask).where(CallbackTask.plan_id == plan.id))
    with pytest.raises(PermissionDenied):
        services.complete_task(
            actor=other, task=task, reached=True, notes="x", today=date(2026, 3, 2)
        )
    services.complete_task(
        actor=agent,
        task=task,
        reached=True,
        notes="客户建议增加夜间客服",
        satisfaction=5,
        today=date(2026, 3, 2),
    )
    interaction = db.session.get(Interaction, task.interaction_id)
    assert (interaction.category, interaction.direction, interaction.details) == (
        "callback",
        "outbound",
        "客户建议增加夜间客服",
    )
    assert (task.status, task.satisfaction) == ("done", 5)
    with pytest.raises(DomainError):
        services.complete_task(
            actor=agent, task=task, reached=True, notes="again", today=date(2026, 3, 2)
        )


def test_skipping_and_rescheduling_keep_the_history(ctx, app, people) -> None:
    supervisor, agent, _, customer = people
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="weekly",
        start_date=date(2026, 3, 2),
    )
    db.session.commit()
    tick(app, MONDAY)
    db.session.expire_all()
    first, second = db.session.scalars(
        select(CallbackTask)
        .where(CallbackTask.plan_id == plan.id)
        .order_by(CallbackTask.due_date)
        .limit(2)
    ).all()
    with pytest.raises(DomainError):
        services.skip_task(actor=agent, task=first, reason=" ")
    services.skip_task(actor=agent, task=first, reason="customer_away", note="客户出差")
    moved = services.reschedule_task(
        actor=agent,
        task=second,
        new_date=date(2026, 3, 11),
        today=date(2026, 3, 2),
        reason="customer_asked",
    )
    assert moved.previous_id == second.id
    history = tasks_of(plan)
    assert (date(2026, 3, 2), "skipped", 0) in history
    assert (date(2026, 3, 9), "rescheduled", 0) in history
    assert (date(2026, 3, 11), "due", 0) in history
    with pytest.raises(DomainError):  # that day is taken by the plan already
        services.reschedule_task(
            actor=agent,
            task=moved,
            new_date=date(2026, 3, 16),
            today=date(2026, 3, 2),
            reason="customer_asked",
        )


def test_ending_a_plan_cancels_later_open_tasks(ctx, app, people) -> None:
    supervisor, agent, _, customer = people
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="weekly",
        start_date=date(2026, 3, 2),
    )
    db.session.commit()
    tick(app, MONDAY)
    db.session.expire_all()
    plan = db.session.get(CallbackPlan, plan.id)
    assert plans.end_plan(actor=supervisor, plan=plan, last_day=date(2026, 3, 10)) == 3
    statuses = [(due, status) for due, status, _ in tasks_of(plan)]
    assert statuses[:2] == [(date(2026, 3, 2), "due"), (date(2026, 3, 9), "due")]
    assert {status for _, status in statuses[2:]} == {"cancelled"}
    db.session.commit()
    tick(app, datetime(2026, 4, 20, 2, tzinfo=UTC))
    assert count(CallbackTask, CallbackTask.plan_id == plan.id) == 5  # an ended plan makes no more


def test_bulk_plans_spread_key_accounts_over_working_days_round_robin(people) -> None:
    supervisor, agent, other, _ = people
    for number in range(3):
        make_customer(actor=supervisor, name=f"华东重点{number}", tier="key", region="华东")
    make_customer(actor=supervisor, name="华南重点", tier="key", region="华南")
    make_customer(actor=supervisor, name="华东普通", region="华东")
    plans = bulk.bulk_create_plans(
        actor=supervisor,
        region="华东",
        agents=[agent, other],
        purpose="月度回访",
        start_date=date(2026, 3, 1),
    )
    # four key accounts in 华东 (张三 and three more); March 2026 has 22 working days
    assert [p.day_of_month for p in plans] == [1, 6, 12, 17]
    assert [p.assignee_id for p in plans] == [agent.id, other.id, agent.id, other.id]
    again = bulk.bulk_create_plans(
        actor=supervisor,
        region="华东",
        agents=[agent],
        purpose="月度回访",
        start_date=date(2026, 3, 1),
    )
    assert again == []  # everyone planned already


def test_reassigning_moves_only_open_tasks_and_an_inactive_agent_falls_back(
    ctx, app, people
) -> None:
    supervisor, agent, other, customer = people
    admin = make_user(username="admin", roles=["admin"])
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        fallback=other,
        cadence="weekly",
        start_date=date(2026, 3, 2),
    )
    db.session.commit()
    tick(app, MONDAY)
    db.session.expire_all()
    tasks = db.session.scalars(select(CallbackTask).where(CallbackTask.plan_id == plan.id)).all()
    services.skip_task(actor=agent, task=tasks[0], reason="other", note="休假")
    assert services.reassign_tasks(actor=supervisor, tasks=tasks, assignee=other) == len(tasks) - 1
    set_active(actor=admin, user=db.session.get(type(agent), agent.id), active=False)
    db.session.commit()
    tick(app, datetime(2026, 4, 6, 2, tzinfo=UTC))
    db.session.expire_all()
    newest = db.session.scalars(
        select(CallbackTask)
        .where(CallbackTask.plan_id == plan.id)
        .order_by(CallbackTask.due_date.desc())
    ).first()
    assert newest.assignee_id == other.id
    assert plan.fallback_id == other.id
    assert newest.status == TaskStatus.DUE


def test_retries_follow_the_holiday_calendar(ctx, app, people) -> None:
    supervisor, agent, _, customer = people
    admin = make_user(username="cal.admin", roles=["admin"])
    set_holiday(actor=admin, day=date(2026, 10, 1), name="国庆节", working=False)
    set_holiday(actor=admin, day=date(2026, 10, 10), name="调休上班", working=True)  # a Saturday
    plan = make_plan(
        actor=supervisor,
        customer=customer,
        assignee=agent,
        cadence="once",
        start_date=date(2026, 9, 30),
    )
    db.session.commit()
    tick(app, datetime(2026, 9, 30, 2, tzinfo=UTC))
    db.session.expire_all()
    task = db.session.scalar(select(CallbackTask).where(CallbackTask.plan_id == plan.id))
    first = services.complete_task(
        actor=agent, task=task, reached=False, notes="未接", today=date(2026, 9, 30)
    )
    assert first.due_date == date(2026, 10, 2)  # Thursday 1 October is National Day
    second = services.complete_task(
        actor=agent, task=first, reached=False, notes="未接", today=date(2026, 10, 9)
    )
    assert second.due_date == date(2026, 10, 10)  # the make-up working Saturday

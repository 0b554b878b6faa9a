"""Issue 21, closed loops: only a reached contact is contact; reschedules and skips keep a
reason; bulk plans follow the Chinese working-day calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from crm.callbacks import bulk, services
from crm.callbacks.cadence import occurrences
from crm.callbacks.models import CallbackPlan, CallbackTask
from crm.callbacks.plans import rule_of
from crm.cases.settings import set_holiday
from crm.customers.queries import CustomerFilters, filtered_customers
from crm.customers.timeline import timeline_page
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.workdays import calendar_covers, working_day_rule
from tests.conftest import csrf_token
from tests.factories import make_customer, make_plan, make_task, make_user

NOW = datetime(2026, 3, 6, 3, tzinfo=UTC)  # Friday 6 March 2026, 11:00 in Shanghai


@pytest.fixture
def people(ctx):
    supervisor = make_user(username="boss", roles=["supervisor"])
    agent = make_user(username="agent.a", roles=["agent"])
    customer = make_customer(actor=supervisor, name="张三", tier="key", region="华东")
    db.session.commit()
    return supervisor, agent, customer


def _task(supervisor, agent, customer, due: date) -> CallbackTask:
    plan = make_plan(
        actor=supervisor, customer=customer, assignee=agent, cadence="once", start_date=due
    )
    return make_task(plan, due)


def test_a_not_reached_attempt_is_not_a_contact(people) -> None:
    supervisor, agent, customer = people
    with time_machine.travel(NOW, tick=False):
        task = _task(supervisor, agent, customer, date(2026, 3, 6))
        services.complete_task(
            actor=agent, task=task, reached=False, notes="无人接听", today=date(2026, 3, 6)
        )
        db.session.refresh(customer)
        assert customer.last_contact_at is None
        quiet = CustomerFilters(quiet_days=30)
        assert customer.id in {c.id for c in db.session.scalars(filtered_customers(quiet))}


def test_a_reached_callback_is_the_last_contact_and_a_later_miss_keeps_it(people) -> None:
    supervisor, agent, customer = people
    with time_machine.travel(NOW, tick=False):
        task = _task(supervisor, agent, customer, date(2026, 3, 6))
        services.complete_task(
            actor=agent, task=task, reached=True, notes="好", today=date(2026, 3, 6)
        )
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        later = _task(supervisor, agent, customer, date(2026, 3, 9))
        services.complete_task(
            actor=agent, task=later, reached=False, notes="关机", today=date(2026, 3, 9)
        )
        db.session.refresh(customer)
    assert customer.last_contact_at == NOW
    assert db.session.scalar(select(CallbackTask.status).where(CallbackTask.id == later.id)) == (
        "missed"
    )


def test_skipping_needs_a_reason_from_the_list_and_other_needs_words(people) -> None:
    supervisor, agent, customer = people
    with time_machine.travel(NOW, tick=False):
        task = _task(supervisor, agent, customer, date(2026, 3, 6))
        for reason, note in [("", "客户出差"), ("客户出差", ""), ("other", "  ")]:
            with pytest.raises(DomainError) as error:
                services.skip_task(actor=agent, task=task, reason=reason, note=note)
            assert error.value.field in {"reason", "note"}
        services.skip_task(actor=agent, task=task, reason="customer_away", note="下周回国")
    assert (task.status, task.reason, task.note) == ("skipped", "customer_away", "下周回国")


def test_rescheduling_needs_a_reason_and_keeps_it_on_the_task(people) -> None:
    supervisor, agent, customer = people
    with time_machine.travel(NOW, tick=False):
        task = _task(supervisor, agent, customer, date(2026, 3, 6))
        with pytest.raises(DomainError) as error:
            services.reschedule_task(
                actor=agent,
                task=task,
                new_date=date(2026, 3, 10),
                today=date(2026, 3, 6),
                reason="",
                note="",
            )
        assert error.value.field == "reason"
        assert task.status == "due"
        services.reschedule_task(
            actor=agent,
            task=task,
            new_date=date(2026, 3, 10),
            today=date(2026, 3, 6),
            reason="customer_asked",
            note="客户下午开会",
        )
    assert (task.status, task.reason, task.note) == (
        "rescheduled",
        "customer_asked",
        "客户下午开会",
    )


def test_the_timeline_shows_skipped_and_rescheduled_calls_with_their_reason(
    app, client, login_as, people
) -> None:
    supervisor, agent, customer = people
    with time_machine.travel(NOW, tick=False):
        first = _task(supervisor, agent, customer, date(2026, 3, 6))
        services.reschedule_task(
            actor=agent,
            task=first,
            new_date=date(2026, 3, 10),
            today=date(2026, 3, 6),
            reason="customer_asked",
            note="<b>下午开会</b>",
        )
        second = _task(supervisor, agent, customer, date(2026, 3, 12))
        services.skip_task(actor=agent, task=second, reason="contacted_otherwise", note="")
        db.session.commit()
    kinds = [entry.kind for entry in timeline_page(customer.id).entries]
    assert kinds.count("callback") == 2
    login_as("supervisor")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "&lt;b&gt;下午开会&lt;/b&gt;" in page and "<b>下午开会" not in page
    assert "Customer asked for another day" in page or "客户要求改期" in page
    only = client.get(f"/customers/{customer.id}?kind=callback").get_data(as_text=True)
    assert only.count('data-kind="callback"') == 2


@pytest.fixture
def chinese_calendar(app):
    app.config["CHINESE_HOLIDAYS"] = True
    yield
    app.config["CHINESE_HOLIDAYS"] = False


def test_working_days_follow_the_chinese_calendar_and_the_admin_list_wins(
    people, chinese_calendar
) -> None:
    admin = make_user(username="cal.admin", roles=["admin"])
    set_holiday(actor=admin, day=date(2026, 10, 8), name="公司假日", working=False)
    is_open = working_day_rule()
    assert not is_open(date(2026, 10, 1))  # National Day, from the package
    assert is_open(date(2026, 10, 10))  # a make-up Saturday (调休), from the package
    assert not is_open(date(2026, 10, 8))  # the admin's own day off wins
    assert is_open(date(2026, 10, 9))
    assert calendar_covers(2026) and not calendar_covers(2099)
    assert is_open(date(2099, 1, 2)) and not is_open(date(2099, 1, 3))  # weekdays beyond it


def test_bulk_plan_slots_on_holidays_move_to_the_next_working_day_not_the_next_month(
    people, chinese_calendar
) -> None:
    supervisor, agent, _ = people
    for number in range(3):
        make_customer(actor=supervisor, name=f"华东重点{number}", tier="key", region="华东")
    preview = bulk.preview_bulk_plans(
        actor=supervisor, region="华东", agents=[agent], start_date=date(2026, 10, 1)
    )
    firsts = [row.first_call for row in preview.rows]
    assert len(firsts) == 4
    assert all(day.month == 10 for day in firsts)  # never pushed into November
    assert firsts[0] == date(2026, 10, 8)  # 1-7 October is the National Day holiday
    assert all(working_day_rule()(day) for day in firsts)
    # a plan starting mid-month still calls this month, from the start date on
    later = bulk.preview_bulk_plans(
        actor=supervisor, region="华东", agents=[agent], start_date=date(2026, 10, 20)
    )
    assert all(date(2026, 10, 20) <= row.first_call <= date(2026, 10, 31) for row in later.rows)
    plans = bulk.bulk_create_plans(
        actor=supervisor,
        region="华东",
        agents=[agent],
        purpose="月度回访",
        start_date=date(2026, 10, 1),
    )
    rule = working_day_rule()
    made = [
        occurrences(rule_of(plan, rule), after=None, until=date(2026, 10, 31)) for plan in plans
    ]
    assert [dates[0] for dates in made] == firsts  # the preview is what gets created


def test_the_preview_creates_nothing_and_says_who_calls_whom_when(people) -> None:
    supervisor, agent, _ = people
    other = make_user(username="agent.b", roles=["agent"])
    make_customer(actor=supervisor, name="华东重点", tier="key", region="华东")
    preview = bulk.preview_bulk_plans(
        actor=supervisor, region="华东", agents=[agent, other], start_date=date(2026, 3, 1)
    )
    assert [(row.customer.name, row.agent.id) for row in preview.rows] == [
        ("张三", agent.id),
        ("华东重点", other.id),
    ]
    assert db.session.scalar(select(func.count()).select_from(CallbackPlan)) == 0
    with pytest.raises(PermissionDenied):
        bulk.preview_bulk_plans(
            actor=agent, region="华东", agents=[agent], start_date=date(2026, 3, 1)
        )


def test_a_preview_beyond_the_known_calendar_says_so(people, chinese_calendar) -> None:
    supervisor, agent, _ = people
    preview = bulk.preview_bulk_plans(
        actor=supervisor, region="华东", agents=[agent], start_date=date(2026, 12, 1)
    )
    assert preview.unknown_years == [2027]  # the calls of January and February 2027
    assert preview.rows[0].calls[1] == date(2027, 1, 1)  # a weekday: no holidays known yet


def test_skipping_on_the_worklist_page_needs_a_reason(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        customer = make_customer(actor=boss, name="李四", tier="key")
        plan = make_plan(actor=boss, customer=customer, assignee=agent, cadence="once")
        task_id = make_task(plan).id
        db.session.commit()
    token = csrf_token(client, "/callbacks/")
    url = f"/callbacks/tasks/{task_id}/skip"
    client.post(url, data={"csrf_token": token, "reason": "", "note": "忙"})
    with app.app_context():
        assert db.session.get(CallbackTask, task_id).status == "due"
    client.post(url, data={"csrf_token": token, "reason": "customer_busy", "note": "开会"})
    with app.app_context():
        task = db.session.get(CallbackTask, task_id)
        assert (task.status, task.reason, task.note) == ("skipped", "customer_busy", "开会")

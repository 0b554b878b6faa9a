"""Issue 21, closed loops: only a reached contact is contact; reschedules and skips keep a
reason; bulk plans follow the Chinese working-day calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm.callbacks import services
from crm.callbacks.models import CallbackTask
from crm.customers.queries import CustomerFilters, filtered_customers
from crm.customers.timeline import timeline_page
from crm.errors import DomainError
from crm.extensions import db
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

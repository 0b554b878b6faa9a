"""Cases against their SLA, with the clock under control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm.cases import services
from crm.cases.complaints import record_complaint_closure
from crm.cases.jobs import mark_breaches
from crm.cases.models import CaseEvent, SlaPolicy
from crm.cases.sla import sla_state
from crm.errors import DomainError
from crm.extensions import db
from tests.factories import make_customer, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


@pytest.fixture
def world(ctx):
    agent = make_user(username="agent.he", roles=["agent"])
    customer = make_customer(actor=agent, name="钱八")
    return agent, customer


def open_case(world, category: str, **extra):
    agent, customer = world
    return services.open_case(
        actor=agent, customer=customer, subject="设备故障", category=category, now=T0, **extra
    )


@pytest.mark.parametrize(
    ("category", "hours"),
    [("tech_support", 1), ("after_sales", 24), ("complaint", 24), ("inquiry", 24)],
)
def test_due_times_follow_the_policy_of_each_category(world, category, hours) -> None:
    case = open_case(world, category)
    assert case.first_response_due_at == T0 + timedelta(minutes=2)
    assert case.resolution_due_at == T0 + timedelta(hours=hours)


def test_business_hours_policies_count_only_opening_hours(world) -> None:
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.category == "tech_support"))
    policy.business_hours = True
    friday_evening = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
    agent, customer = world
    case = services.open_case(
        actor=agent, customer=customer, subject="x", category="tech_support", now=friday_evening
    )
    assert case.resolution_due_at == datetime(2026, 3, 9, 9, 30, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_priority_specific_policy_wins(world) -> None:
    db.session.add(
        SlaPolicy(
            category="complaint",
            priority="urgent",
            first_response_minutes=1,
            resolution_minutes=240,
        )
    )
    case = open_case(world, "complaint", priority="urgent")
    assert case.resolution_due_at == T0 + timedelta(hours=4)


def test_waiting_on_the_customer_pauses_the_clock(world) -> None:
    agent, _ = world
    case = open_case(world, "tech_support")  # due at T0 + 60 min
    services.change_status(actor=agent, case=case, status="accepted", now=T0 + timedelta(minutes=1))
    services.change_status(
        actor=agent, case=case, status="waiting_customer", now=T0 + timedelta(minutes=20)
    )
    assert sla_state(case, T0 + timedelta(hours=5)).breached is False  # paused
    services.change_status(
        actor=agent, case=case, status="in_progress", now=T0 + timedelta(minutes=50)
    )
    # 30 minutes of waiting push the due time back by 30 minutes
    assert case.resolution_due_at == T0 + timedelta(minutes=90)


def test_at_risk_after_80_percent_and_breached_after_the_limit(world) -> None:
    case = open_case(world, "tech_support")
    assert sla_state(case, T0 + timedelta(minutes=47)).at_risk is False
    state = sla_state(case, T0 + timedelta(minutes=48))
    assert (state.at_risk, state.breached) == (True, False)
    late = sla_state(case, T0 + timedelta(minutes=61))
    assert (late.at_risk, late.breached) == (False, True)


def test_a_breach_stays_recorded_after_the_case_closes(world) -> None:
    agent, _ = world
    case = open_case(world, "tech_support")
    assert mark_breaches(T0 + timedelta(minutes=3)) == 1  # no first response in 2 minutes
    assert mark_breaches(T0 + timedelta(minutes=61)) == 1  # then the resolution limit
    assert mark_breaches(T0 + timedelta(minutes=62)) == 0  # once each
    services.change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(hours=2))
    services.change_status(actor=agent, case=case, status="closed", now=T0 + timedelta(hours=3))
    assert (case.response_breached, case.resolution_breached) == (True, True)
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert kinds.count("breach") == 2


def test_a_first_response_in_time_is_no_breach(world) -> None:
    agent, _ = world
    case = open_case(world, "inquiry")
    services.change_status(actor=agent, case=case, status="accepted", now=T0 + timedelta(minutes=1))
    assert mark_breaches(T0 + timedelta(minutes=10)) == 0
    assert case.first_response_at == T0 + timedelta(minutes=1)


def test_reopening_within_7_days_counts_against_the_case_and_later_is_refused(world) -> None:
    agent, _ = world
    case = open_case(world, "after_sales")
    services.change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(hours=1))
    services.change_status(actor=agent, case=case, status="reopened", now=T0 + timedelta(days=6))
    assert case.reopen_count == 1
    services.change_status(
        actor=agent, case=case, status="resolved", now=T0 + timedelta(days=6, hours=1)
    )
    with pytest.raises(DomainError):
        services.change_status(
            actor=agent, case=case, status="reopened", now=T0 + timedelta(days=14)
        )


def test_a_complaint_closes_only_with_its_three_closing_records(world) -> None:
    agent, _ = world
    case = open_case(world, "complaint")
    services.change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(hours=3))
    with pytest.raises(DomainError):
        services.change_status(actor=agent, case=case, status="closed", now=T0 + timedelta(hours=4))
    with pytest.raises(DomainError) as refused:
        record_complaint_closure(
            actor=agent,
            case=case,
            root_cause="配送商延误",
            corrective_action="更换配送商并补偿",
            confirmation_method="电话",
            confirmed_by="",
            confirmed_at=T0 + timedelta(hours=4),
            now=T0 + timedelta(hours=4),
        )
    assert refused.value.field == "confirmed_by"
    record_complaint_closure(
        actor=agent,
        case=case,
        root_cause="配送商延误",
        corrective_action="更换配送商并补偿",
        confirmation_method="电话",
        confirmed_by="钱八本人",
        confirmed_at=T0 + timedelta(hours=4),
        now=T0 + timedelta(hours=4),
    )
    services.change_status(actor=agent, case=case, status="closed", now=T0 + timedelta(hours=5))
    assert case.closed_at == T0 + timedelta(hours=5)


def test_the_status_machine_refuses_skipping_steps(world) -> None:
    agent, _ = world
    case = open_case(world, "inquiry")
    with pytest.raises(DomainError):
        services.change_status(actor=agent, case=case, status="closed", now=T0)


def test_a_transfer_needs_a_note_and_is_on_the_history(world) -> None:
    agent, _ = world
    colleague = make_user(username="tech.zhao", roles=["agent"])
    case = open_case(world, "after_sales")
    with pytest.raises(DomainError):
        services.transfer(
            actor=agent, case=case, department="tech_support", assignee=colleague, now=T0, note=" "
        )
    services.transfer(
        actor=agent,
        case=case,
        department="tech_support",
        assignee=colleague,
        now=T0,
        note="需工程师远程诊断",
    )
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "transfer")).one()
    assert event.details == {
        "department": ["after_sales", "tech_support"],
        "assignee": [None, colleague.id],
    }
    assert event.note == "需工程师远程诊断"

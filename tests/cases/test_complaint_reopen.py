"""A reopened complaint needs a fresh customer confirmation before it closes again; the report
measures complaints to their final closure and shows how often each was reopened."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.cases import services
from crm.cases.complaints import record_complaint_closure
from crm.errors import DomainError
from crm.reports.drill import drill
from crm.reports.queries import kpis
from crm.reports.scope import Period
from tests.factories import make_customer, make_user

T0 = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
OCTOBER = Period(date(2026, 10, 1), date(2026, 11, 1))


def confirm(agent, case, at: datetime) -> None:
    record_complaint_closure(
        actor=agent,
        case=case,
        root_cause="配送商延误",
        corrective_action="更换配送商并补偿",
        confirmation_method="电话",
        confirmed_by="钱八本人",
        confirmed_at=at,
        now=at,
    )


@pytest.fixture
def closed_then_reopened(ctx):
    agent = make_user(username="agent.he", roles=["agent"])
    customer = make_customer(actor=agent, name="钱八")
    case = services.open_case(
        actor=agent,
        customer=customer,
        subject="投诉配送",
        category="complaint",
        now=T0,
        assignee=agent,
    )
    services.change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(hours=3))
    confirm(agent, case, T0 + timedelta(hours=4))
    services.change_status(actor=agent, case=case, status="closed", now=T0 + timedelta(hours=5))
    services.change_status(actor=agent, case=case, status="reopened", now=T0 + timedelta(days=1))
    services.change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(days=2))
    return agent, case


def test_a_reopened_complaint_does_not_close_on_the_old_confirmation(closed_then_reopened):
    agent, case = closed_then_reopened
    with pytest.raises(DomainError):
        services.change_status(
            actor=agent, case=case, status="closed", now=T0 + timedelta(days=2, hours=1)
        )
    # A confirmation dated before the reopen is the old one, whoever types it in again.
    with pytest.raises(DomainError) as refused:
        confirm(agent, case, T0 + timedelta(hours=4))
    assert refused.value.field == "confirmed_at"
    confirm(agent, case, T0 + timedelta(days=2, minutes=30))
    services.change_status(
        actor=agent, case=case, status="closed", now=T0 + timedelta(days=2, hours=1)
    )
    assert case.closed_at == T0 + timedelta(days=2, hours=1)
    assert case.reopen_count == 1


def test_complaint_handling_time_runs_to_the_final_closure_with_the_reopens(closed_then_reopened):
    agent, case = closed_then_reopened
    confirm(agent, case, T0 + timedelta(days=2, minutes=30))
    services.change_status(
        actor=agent, case=case, status="closed", now=T0 + timedelta(days=2, hours=1)
    )
    figure = kpis(OCTOBER)["complaint_hours"]
    assert figure.value == pytest.approx(49.0)
    assert figure.basis == 1
    rows = drill("complaint_hours", OCTOBER)
    assert "closed_at" in rows.header
    assert "reopen_count" in rows.header
    row = dict(zip(rows.header, rows.rows[0], strict=True))
    assert row["closed_at"] == T0 + timedelta(days=2, hours=1)
    assert row["reopen_count"] == 1


def test_a_complaint_resolved_but_not_closed_is_not_yet_counted(closed_then_reopened):
    assert kpis(OCTOBER)["complaint_hours"].basis == 0

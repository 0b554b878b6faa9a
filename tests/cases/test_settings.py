"""Administrators change SLA limits and the holiday calendar; existing cases keep theirs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.cases import services, settings
from crm.errors import DomainError, PermissionDenied
from tests.factories import make_customer, make_user

T0 = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai


@pytest.fixture
def people(ctx):
    return make_user(username="boss.admin", roles=["admin"]), make_user(
        username="agent.x", roles=["agent"]
    )


def test_a_changed_policy_applies_to_new_cases_only(people) -> None:
    admin, agent = people
    customer = make_customer(actor=agent)
    before = services.open_case(
        actor=agent, customer=customer, subject="a", category="inquiry", now=T0
    )
    settings.save_policy(
        actor=admin,
        category="inquiry",
        priority=None,
        first_response_minutes=5,
        resolution_minutes=120,
        business_hours=False,
    )
    after = services.open_case(
        actor=agent, customer=customer, subject="b", category="inquiry", now=T0
    )
    assert before.resolution_due_at == T0 + timedelta(hours=24)
    assert after.resolution_due_at == T0 + timedelta(hours=2)


def test_a_holiday_moves_business_hours_due_times(people) -> None:
    admin, agent = people
    settings.save_policy(
        actor=admin,
        category="after_sales",
        priority=None,
        first_response_minutes=2,
        resolution_minutes=24 * 60,
        business_hours=True,
    )
    customer = make_customer(actor=agent)
    plain = services.open_case(
        actor=agent, customer=customer, subject="a", category="after_sales", now=T0
    )
    settings.set_holiday(actor=admin, day=date(2026, 10, 1), name="国庆节", working=False)
    with_holiday = services.open_case(
        actor=agent, customer=customer, subject="b", category="after_sales", now=T0
    )
    # 24 business hours from Wed 10:00: Wed 8 h, Thu 9 h, Fri 7 h -> Fri 16:00; with Thursday
    # off: Wed 8 h, Fri 9 h, Mon 7 h -> Mon 5 Oct 16:00 (08:00 UTC)
    assert plain.resolution_due_at == datetime(2026, 10, 2, 8, 0, tzinfo=UTC)
    assert with_holiday.resolution_due_at == datetime(2026, 10, 5, 8, 0, tzinfo=UTC)


def test_only_administrators_change_them_and_values_are_checked(people) -> None:
    admin, agent = people
    with pytest.raises(PermissionDenied):
        settings.set_holiday(actor=agent, day=date(2026, 10, 1), name="国庆节", working=False)
    with pytest.raises(DomainError) as refused:
        settings.save_policy(
            actor=admin,
            category="inquiry",
            priority=None,
            first_response_minutes=0,
            resolution_minutes=60,
            business_hours=False,
        )
    assert refused.value.field == "first_response_minutes"

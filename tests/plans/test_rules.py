"""The rules of actions and plans, called directly: limits, refusals and the PDCA stages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.plans.actions import ActionInput, create_action, record_outcome, set_status, stage, windows
from crm.plans.compose import following, parse_period, previous
from crm.plans.services import BudgetLine, approve_plan, clean_budget, create_plan, save_plan
from tests.factories import make_user


def _input(owner: int, **changes) -> ActionInput:
    fields = {
        "title": "晨会",
        "details": "",
        "source": "kpi",
        "source_ref": "",
        "kpi_key": "satisfaction",
        "expected_change": None,
        "owner_id": owner,
        "start_date": date(2026, 10, 1),
        "due_date": date(2026, 10, 31),
    }
    fields.update(changes)
    return ActionInput(**fields)


def test_periods_read_and_step() -> None:
    assert parse_period("2026Q3").start == date(2026, 7, 1)
    assert parse_period("2026Q4").end == date(2027, 1, 1)
    assert parse_period("2026").end == date(2027, 1, 1)
    assert (previous("2026Q1"), previous("2026"), following("2026Q4")) == (
        "2025Q4",
        "2025",
        "2027Q1",
    )
    for bad in ("2026Q5", "1999", "26", "2026q1x", ""):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_an_action_is_refused_to_an_agent_and_for_bad_input(ctx) -> None:
    boss, agent = make_user(roles=["supervisor"]), make_user(roles=["agent"])
    with pytest.raises(PermissionDenied):
        create_action(actor=agent, data=_input(agent.id), now=utcnow())
    for changes in (
        {"title": " "},
        {"title": "x" * 201},
        {"source": "rumour"},
        {"kpi_key": "happiness"},
        {"kpi_key": None},  # an action from a KPI names it
        {"due_date": date(2026, 10, 1)},
        {"expected_change": Decimal("100000")},
        {"owner_id": 999999},
    ):
        with pytest.raises(DomainError):
            create_action(actor=boss, data=_input(agent.id, **changes), now=utcnow())


def test_the_windows_and_stages_of_an_action(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    action = create_action(actor=boss, data=_input(boss.id), now=utcnow())
    before, after = windows(action)
    assert (after.start, after.last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (before.start, before.last_day) == (date(2026, 8, 31), date(2026, 9, 30))
    assert stage(action, date(2026, 10, 5)) == "plan"
    set_status(actor=boss, action=action, status="in_progress")
    assert stage(action, date(2026, 10, 5)) == "do"
    assert stage(action, date(2026, 11, 1)) == "check"
    record_outcome(actor=boss, action=action, outcome="好", decision="adjust", now=utcnow())
    assert stage(action, date(2026, 11, 1)) == "act"
    with pytest.raises(DomainError):
        set_status(actor=boss, action=action, status="in_progress")


def test_budget_lines_and_narratives_have_limits(ctx) -> None:
    assert clean_budget([BudgetLine(" 讲师 ", "1,200.5", ""), BudgetLine("", "", "")]) == [
        {"item": "讲师", "amount": "1200.50", "note": ""}
    ]
    for line in (
        BudgetLine("讲师", "abc", ""),
        BudgetLine("讲师", "-1", ""),
        BudgetLine("讲师", "1e12", ""),
        BudgetLine("讲师", "NaN", ""),
        BudgetLine("", "100", ""),
        BudgetLine("x" * 201, "1", ""),
    ):
        with pytest.raises(DomainError):
            clean_budget([line])
    with pytest.raises(DomainError):
        clean_budget([BudgetLine("x", "1", "")] * 51)
    boss = make_user(roles=["supervisor"])
    plan = create_plan(actor=boss, label="2028", now=utcnow())
    with pytest.raises(DomainError):
        save_plan(
            actor=boss, plan=plan, narratives={"targets": "x" * 20001}, budget=[], now=utcnow()
        )
    with pytest.raises(DomainError):
        create_plan(actor=boss, label="2028", now=utcnow())
    approve_plan(actor=boss, plan=plan, now=utcnow())
    with pytest.raises(DomainError):
        approve_plan(actor=boss, plan=plan, now=utcnow() + timedelta(seconds=1))

"""The figures of a service plan, computed at generation as plain JSON (no translated text:
labels are applied when the plan is shown, so one version reads in zh and en).

Every KPI figure comes from ``period_figures``, the dashboard's own entry point, over the
period before the plan's (a year's plan starts from last year, a quarter's from last quarter).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.callbacks.models import CallbackPlan
from crm.cases.models import Case, SlaPolicy
from crm.contingency.models import Incident
from crm.customers.models import Customer, Tier
from crm.extensions import db
from crm.plans.actions import open_actions
from crm.qa.models import Scorecard
from crm.reports.monthly import period_figures
from crm.reports.scope import KPI_KEYS, Period
from crm.reports.targets import all_targets, display_value
from crm.training.models import TrainingSession

PERIOD = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


def parse_period(raw: str) -> Period:
    """ "2026" (a year) or "2026Q3" (a quarter), between 2000 and 2099.

    :raises ValueError: for anything else.
    """
    match = PERIOD.match(raw or "")
    if match is None or not 2000 <= int(match.group(1)) <= 2099:
        raise ValueError(raw)
    year = int(match.group(1))
    if match.group(2) is None:
        return Period(date(year, 1, 1), date(year + 1, 1, 1))
    first = date(year, 3 * int(match.group(2)) - 2, 1)
    end = date(year + 1, 1, 1) if first.month == 10 else date(year, first.month + 3, 1)
    return Period(first, end)


def previous(label: str) -> str:
    """The period before: 2026 → 2025, 2026Q1 → 2025Q4."""
    period = parse_period(label)
    year = period.start.year
    if "Q" not in label:
        return str(year - 1)
    quarter = (period.start.month - 1) // 3 + 1
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def following(label: str) -> str:
    """The period after: 2026 → 2027, 2026Q4 → 2027Q1 (what a review seeds)."""
    period = parse_period(label)
    if "Q" not in label:
        return str(period.start.year + 1)
    quarter = (period.start.month - 1) // 3 + 1
    return f"{period.start.year + 1}Q1" if quarter == 4 else f"{period.start.year}Q{quarter + 1}"


def _days(period: Period) -> dict[str, str]:
    return {"start": period.start.isoformat(), "last": period.last_day.isoformat()}


def kpi_figures(period: Period) -> dict[str, dict[str, Any]]:
    """Each KPI as the dashboard shows it: display units, and the rows it stands on."""
    figures = period_figures(period).figures
    return {
        key: {"value": display_value(figures[key]), "basis": figures[key].basis} for key in KPI_KEYS
    }


def _targets(actuals: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        key: {
            "actual": actuals[key]["value"],
            "baseline": None if t.baseline is None else float(t.baseline),
            "target": float(t.target),
            "direction": t.direction,
        }
        for key, t in all_targets().items()
    }


def _service(period: Period) -> dict[str, Any]:
    begin, finish = period.bounds_utc()
    counts = db.session.execute(
        select(Case.category, Case.department, func.count())
        .where(Case.opened_at >= begin, Case.opened_at < finish)
        .group_by(Case.category, Case.department)
    ).all()
    policies = db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.category, SlaPolicy.id))
    return {
        "volumes": [
            {"category": category, "department": department, "cases": n}
            for category, department, n in sorted(counts)
        ],
        "sla": [
            {
                "category": p.category,
                "priority": p.priority,
                "first_response_minutes": p.first_response_minutes,
                "resolution_minutes": p.resolution_minutes,
                "business_hours": p.business_hours,
            }
            for p in policies
        ],
    }


def _standards() -> list[dict[str, Any]]:
    return [
        {
            "name": card.name,
            "pass_mark": float(card.current.pass_mark),
            "criteria": [
                {
                    "section": c.section,
                    "name": c.name,
                    "weight": float(c.weight),
                    "critical": c.critical,
                }
                for c in card.current.criteria
            ],
        }
        for card in db.session.scalars(
            select(Scorecard).where(Scorecard.active).order_by(Scorecard.name)
        )
    ]


def _quality(actuals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    config = current_app.config
    key_plans = db.session.scalar(
        select(func.count(CallbackPlan.id))
        .join(Customer, Customer.id == CallbackPlan.customer_id)
        .where(CallbackPlan.active, Customer.tier == Tier.KEY.value)
    )
    return {
        "sample_period": config["QA_SAMPLE_PERIOD"],
        "quota": config["QA_QUOTA"],
        "new_agent_quota": config["QA_NEW_AGENT_QUOTA"],
        "reviews": actuals["qa_average"]["basis"],
        "surveys_sent": actuals["survey_return"]["basis"],
        "key_account_plans": key_plans or 0,
    }


def _training(period: Period) -> list[dict[str, Any]]:
    sessions = db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.month >= period.start, TrainingSession.month < period.end)
        .order_by(TrainingSession.starts_at)
    )
    return [
        {
            "month": s.month.isoformat()[:7],
            "title": s.title,
            "kind": s.kind,
            "topics": [t.name for t in s.topics],
            "trainer": s.trainer.display_name,
        }
        for s in sessions
    ]


def _contingency(period: Period) -> list[dict[str, Any]]:
    begin, finish = period.bounds_utc()
    incidents = db.session.scalars(
        select(Incident)
        .where(Incident.started_at >= begin, Incident.started_at < finish)
        .order_by(Incident.started_at)
    )
    return [
        {
            "reason": i.reason,
            "started": i.started_at.isoformat(),
            "ended": None if i.ended_at is None else i.ended_at.isoformat(),
        }
        for i in incidents
    ]


def _staffing(period: Period) -> dict[str, Any]:
    """Agents who worked cases of each department in the period, and cases per agent."""
    begin, finish = period.bounds_utc()
    rows = db.session.execute(
        select(Case.department, func.count(func.distinct(Case.assignee_id)), func.count())
        .where(Case.opened_at >= begin, Case.opened_at < finish, Case.assignee_id.is_not(None))
        .group_by(Case.department)
        .order_by(Case.department)
    ).all()
    agents = db.session.scalar(
        select(func.count(func.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role == Role.AGENT.value)
    )
    return {
        "active_agents": agents or 0,
        "departments": [
            {
                "department": department,
                "agents": people,
                "cases": cases,
                "per_agent": round(cases / people, 1) if people else None,
            }
            for department, people, cases in rows
        ],
    }


def action_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "title": a.title,
            "kpi": a.kpi_key,
            "owner": a.owner.display_name,
            "due": a.due_date.isoformat(),
            "status": a.status,
            "expected_change": None if a.expected_change is None else float(a.expected_change),
        }
        for a in open_actions()
    ]


def compose(label: str) -> dict[str, Any]:
    """Every figure of the plan for ``label`` ("2026" or "2026Q3")."""
    period = parse_period(label)
    before_label = previous(label)
    before = parse_period(before_label)
    actuals = kpi_figures(before)
    return {
        "period": {"label": label, **_days(period)},
        "previous": {"label": before_label, **_days(before)},
        "current_state": actuals,
        "targets": _targets(actuals),
        "service": _service(before),
        "standards": _standards(),
        "quality": _quality(actuals),
        "training": _training(period),
        "contingency": _contingency(before),
        "staffing": _staffing(before),
        "actions": action_rows(),
    }

"""The monthly service report (月度服务报告): the scheduler keeps each ended month's
department-wide figures with the targets in force, and the dashboard's trend reads them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from crm.database import insert_ignoring_duplicates
from crm.extensions import db
from crm.reports.models import MonthlyReport
from crm.reports.queries import Figure, Period, kpis
from crm.reports.targets import all_targets
from crm.timezones import department_bounds_utc, department_today


def report_data(period: Period) -> dict[str, Any]:
    targets = all_targets()
    return {
        "month": period.start.isoformat(),
        "figures": {
            key: {"value": figure.value, "basis": figure.basis}
            for key, figure in kpis(period).items()
        },
        "targets": {
            key: {
                "baseline": None if t.baseline is None else float(t.baseline),
                "target": float(t.target),
                "direction": t.direction,
            }
            for key, t in targets.items()
        },
    }


def kept_figures(report: MonthlyReport) -> dict[str, Figure]:
    return {
        key: Figure(key, entry["value"], entry["basis"])
        for key, entry in report.data["figures"].items()
    }


def kept_reports(months: list[Period]) -> dict[Any, MonthlyReport]:
    starts = [month.start for month in months]
    return {
        report.month: report
        for report in db.session.scalars(
            select(MonthlyReport).where(MonthlyReport.month.in_(starts))
        )
    }


def prepare_previous_month(now: datetime) -> int:
    """The scheduler's job: on the first day of a month (or the first run after it), keep the
    report of the month that ended. A kept report is never recomputed."""
    first = department_today(now).replace(day=1)
    period = Period.month(first - timedelta(days=1))
    exists = db.session.scalar(select(MonthlyReport.id).where(MonthlyReport.month == period.start))
    if exists is not None:
        return 0
    return insert_ignoring_duplicates(
        db.session,
        MonthlyReport,
        [{"month": period.start, "data": report_data(period), "prepared_at": now}],
    )


def keep_closed_months(now: datetime, months: int = 12) -> int:
    """Keep the reports of the last ``months`` closed months, as the scheduler would have kept
    them one month at a time: for demo data seeded all at once.

    :returns: how many were new.
    """
    kept = 0
    first = department_today(now).replace(day=1)
    for _month in range(months):
        kept += prepare_previous_month(department_bounds_utc(first, first)[0])
        first = (first - timedelta(days=1)).replace(day=1)
    return kept

"""The monthly service report (月度服务报告): the scheduler keeps each ended month's
department-wide figures with the targets in force.

The rule for a closed month: once its report is kept, its department-wide figures are read
from the report everywhere (dashboard tile and trend, drill-down, API), never recomputed, so
the figure a supervisor presented is the figure every page shows. The rows behind a figure are
not kept: a drill-down of a kept month shows the kept figure and says its rows are today's
view. Figures filtered by agent or category are not in the report and are computed, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from crm.database import insert_ignoring_duplicates
from crm.extensions import db
from crm.reports.models import MonthlyReport
from crm.reports.queries import kpis
from crm.reports.scope import KPI_KEYS, Figure, Filters, Period
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
    """The report's figures; a KPI added after the report was kept reads as no data."""
    kept = report.data["figures"]
    return {
        key: Figure(key, kept[key]["value"], kept[key]["basis"])
        if key in kept
        else Figure(key, None, 0)
        for key in KPI_KEYS
    }


def kept_reports(months: list[Period]) -> dict[Any, MonthlyReport]:
    starts = [month.start for month in months]
    return {
        report.month: report
        for report in db.session.scalars(
            select(MonthlyReport).where(MonthlyReport.month.in_(starts))
        )
    }


@dataclass(frozen=True)
class PeriodFigures:
    figures: dict[str, Figure]
    #: the kept report the figures were read from; None when computed from today's data
    kept: MonthlyReport | None
    #: the month's kept report, when the figures could not come from it (a filter applies)
    closed: MonthlyReport | None = None


def kept_report(period: Period) -> MonthlyReport | None:
    """The kept report of a whole calendar month, if the scheduler has made it."""
    if period.kind != "month":
        return None
    return db.session.scalar(select(MonthlyReport).where(MonthlyReport.month == period.start))


def period_figures(period: Period, filters: Filters | None = None) -> PeriodFigures:
    """The KPI figures of a period by the closed-month rule (see the module's docstring): the
    one entry point of the dashboard, the drill-down and the API."""
    report = kept_report(period)
    if report is not None and not (filters is not None and filters.active):
        return PeriodFigures(kept_figures(report), report)
    return PeriodFigures(kpis(period, filters), None, report)


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

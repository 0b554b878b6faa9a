"""What reports add to the supervisors' home (``crm.core.home``): this month's figures so far
against their targets, and how each moved since last month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.core.home import HomeSection, register_home_section
from crm.i18n import lazy_gettext as _l
from crm.reports.labels import KPI_LABELS, format_value
from crm.reports.models import ServiceTarget
from crm.reports.monthly import period_figures
from crm.reports.scope import KPI_KEYS, Period
from crm.reports.targets import Standing, all_targets, display_value, standing
from crm.timezones import department_today

#: the trend is "steady" within this much of last month's value, in the figure's own unit
STEADY = 0.05


@dataclass(frozen=True)
class KpiLine:
    key: str
    label: Any
    value: str
    #: the target as it reads ("≥ 90.0%"), None without one
    target: str | None
    standing: Standing
    #: "better", "worse", "steady", or None without a figure in either month
    trend: str | None
    last_month: str


@dataclass(frozen=True)
class MonthSoFar:
    month: Period
    lines: list[KpiLine]


def _trend(now: float | None, before: float | None, target: ServiceTarget | None) -> str | None:
    if now is None or before is None:
        return None
    if abs(now - before) < STEADY:
        return "steady"
    higher_is_better = target is None or target.direction == "higher"
    return "better" if (now > before) == higher_is_better else "worse"


def _month_so_far(_actor: User, now: datetime) -> MonthSoFar:
    month = Period.month(department_today(now))
    last = Period.month(month.start - timedelta(days=1))
    figures, before = period_figures(month).figures, period_figures(last).figures
    targets = all_targets()
    lines = []
    for key in KPI_KEYS:
        value, previous = display_value(figures[key]), display_value(before[key])
        unit, target = figures[key].unit, targets.get(key)
        goal = None
        if target is not None:
            sign = "≥" if target.direction == "higher" else "≤"
            goal = f"{sign} {format_value(float(target.target), unit)}"
        lines.append(
            KpiLine(
                key,
                KPI_LABELS[key],
                format_value(value, unit),
                goal,
                standing(value, targets.get(key)),
                _trend(value, previous, targets.get(key)),
                format_value(previous, unit),
            )
        )
    return MonthSoFar(month, lines)


def register_home_sections(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_home_section(
        HomeSection(
            name="month_targets",
            title=_l("This month against the targets"),
            roles=frozenset({Role.SUPERVISOR}),
            permission=Permission.REPORTS_VIEW,
            rows=_month_so_far,
            template="reports/_home_targets.html",
            order=40,
        )
    )

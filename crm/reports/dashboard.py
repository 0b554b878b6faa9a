"""The dashboard's tiles: each KPI's value for the period, its target and baseline, how it
stands, and its trend over the twelve months up to the period's end."""

from __future__ import annotations

from dataclasses import dataclass

from crm.reports.models import ServiceTarget
from crm.reports.monthly import PeriodFigures, kept_figures, kept_reports, period_figures
from crm.reports.queries import kpis
from crm.reports.scope import KPI_KEYS, Figure, Filters, Period, months_back
from crm.reports.targets import Standing, all_targets, display_value, standing

TREND_MONTHS = 12


@dataclass
class Tile:
    key: str
    figure: Figure
    target: ServiceTarget | None
    standing: Standing
    #: (month, value in display units or None), oldest first
    trend: list[tuple[Period, float | None]]

    @property
    def value(self) -> float | None:
        return display_value(self.figure)


def trend(last: Period, filters: Filters) -> dict[str, list[tuple[Period, float | None]]]:
    """Each KPI month by month. Department-wide months the scheduler kept are read from their
    monthly report (unchanged since presented, and cheap); the others are computed."""
    months = months_back(last.last_day, TREND_MONTHS)
    kept = {} if filters.active else kept_reports(months)
    series: dict[str, list[tuple[Period, float | None]]] = {key: [] for key in KPI_KEYS}
    for month in months:
        report = kept.get(month.start)
        figures = kept_figures(report) if report is not None else kpis(month, filters)
        for key in KPI_KEYS:
            figure = figures.get(key)
            series[key].append((month, None if figure is None else display_value(figure)))
    return series


def tiles(period: Period, filters: Filters, shown: PeriodFigures | None = None) -> list[Tile]:
    """The tiles of the period; a closed month's figures come from its kept report."""
    targets = all_targets()
    figures = (shown or period_figures(period, filters)).figures
    series = trend(period, filters)
    return [
        Tile(
            key,
            figures[key],
            targets.get(key),
            standing(display_value(figures[key]), targets.get(key)),
            series[key],
        )
        for key in KPI_KEYS
    ]

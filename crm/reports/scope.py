"""What a KPI figure is measured over: the period (a month, a quarter or chosen days in the
department's zone), the filters (an agent, a category), and the figure itself with the rows it
stands on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement

from crm.cases.models import Case
from crm.core.ids import parse_id
from crm.interactions.models import Category
from crm.teams.queries import team_members
from crm.timezones import (
    EARLIEST_DAY,
    LATEST_DAY,
    department_bounds_utc,
    last_closed_month,
    parse_day,
    parse_month,
)

KPI_KEYS = (
    "satisfaction",
    "first_response_minutes",
    "complaint_hours",
    "resolution_rate",
    "sla_compliance",
    "survey_return",
    "training_pass",
    "qa_average",
    "callback_completion",
)
#: how each figure is expressed
UNITS = {
    "satisfaction": "share",
    "first_response_minutes": "minutes",
    "complaint_hours": "hours",
    "resolution_rate": "share",
    "sla_compliance": "share",
    "survey_return": "share",
    "training_pass": "share",
    "qa_average": "points",
    "callback_completion": "share",
}
#: figures a category filter cannot split
NO_CATEGORY = {"training_pass", "callback_completion"}
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """Local calendar days [start, end)."""

    start: date
    end: date

    def bounds_utc(self) -> tuple[datetime, datetime]:
        return department_bounds_utc(self.start, self.end)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def kind(self) -> str:
        """ "month", "quarter" or "range": how the period reads back as arguments."""
        if self.start.day == 1 and self.end == Period.month(self.start).end:
            return "month"
        if (
            self.start.day == 1
            and self.start.month % 3 == 1
            and self.end == Period.month(Period.month(Period.month(self.start).end).end).end
        ):
            return "quarter"
        return "range"

    def as_args(self) -> dict[str, str]:
        if self.kind == "month":
            return {"month": self.start.strftime("%Y-%m")}
        if self.kind == "quarter":
            return {"quarter": f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"}
        return {"start": self.start.isoformat(), "end": self.last_day.isoformat()}

    @classmethod
    def month(cls, first: date) -> Period:
        first = first.replace(day=1)
        return cls(first, (first + timedelta(days=32)).replace(day=1))

    @classmethod
    def parse(cls, args: dict[str, str], now: datetime) -> Period:
        """From ``mode`` (month, quarter or range) and ``month=YYYY-MM``, ``quarter=2026Q3``
        or ``start``/``end`` dates (inclusive, at most a year); without a mode, from whichever
        is given. Missing, malformed or out-of-calendar values give the department's last
        complete month (the current one's figures are partial)."""
        mode = args.get("mode", "")
        if mode in ("", "quarter") and QUARTER.match(args.get("quarter", "")):
            year, number = int(args["quarter"][:4]), int(args["quarter"][-1])
            if EARLIEST_DAY.year <= year <= LATEST_DAY.year:
                first = date(year, 3 * number - 2, 1)
                return cls(first, cls.month(cls.month(cls.month(first).end).end).end)
        if mode in ("", "range"):
            try:
                start, last = parse_day(args["start"]), parse_day(args["end"])
            except (KeyError, ValueError):
                pass
            else:
                if start <= last and (last - start).days <= 366:
                    return cls(start, last + timedelta(days=1))
        if mode in ("", "month"):
            try:
                return cls.month(parse_month(args.get("month", "")))
            except ValueError:
                pass
        return cls.month(last_closed_month(now))


@dataclass(frozen=True)
class Filters:
    agent_id: int | None = None
    category: str | None = None
    #: a team (班组): its members' figures together
    team_id: int | None = None
    #: the team's members, read once when the filter is parsed (an unknown team: nobody)
    team_people: frozenset[int] | None = None

    @classmethod
    def parse(cls, args: dict[str, str]) -> Filters:
        category = args.get("category", "")
        team_id = parse_id(args.get("team"))
        return cls(
            agent_id=parse_id(args.get("agent")),
            category=category if category in {c.value for c in Category} else None,
            team_id=team_id,
            team_people=None if team_id is None else team_members(team_id),
        )

    @property
    def active(self) -> bool:
        return self.agent_id is not None or self.category is not None or self.team_id is not None

    def people(self, column: ColumnElement[int]) -> list[ColumnElement[bool]]:
        """Conditions keeping the rows whose person (``column``) the agent or team filter
        keeps."""
        conditions = []
        if self.agent_id is not None:
            conditions.append(column == self.agent_id)
        if self.team_people is not None:
            conditions.append(column.in_(self.team_people))
        return conditions


@dataclass(frozen=True)
class Figure:
    key: str
    #: None when the period has nothing to measure
    value: float | None
    #: how many rows it stands on (surveys, cases, reviews, people, callbacks)
    basis: int
    #: False when a filter cannot split this figure
    applies: bool = True

    @property
    def unit(self) -> str:
        return UNITS[self.key]


@dataclass
class Scope:
    begin: datetime
    finish: datetime
    period: Period
    filters: Filters
    #: every agent's figure at once, keyed by agent id (the scorecard); else one, keyed by None
    per_agent: bool = False

    def cases(self) -> list[ColumnElement[bool]]:
        conditions = self.filters.people(Case.assignee_id)
        if self.filters.category is not None:
            conditions.append(Case.category == self.filters.category)
        return conditions


#: a figure of the scope, or of each agent with data when the scope is per agent
Figures = dict[int | None, Figure]


def scope_for(period: Period, filters: Filters | None) -> Scope:
    begin, finish = period.bounds_utc()
    return Scope(begin, finish, period, filters or Filters())


def months_back(last: date, count: int) -> list[Period]:
    """The ``count`` months ending with the one containing ``last``, oldest first."""
    months = [Period.month(last)]
    while len(months) < count:
        months.insert(0, Period.month(months[0].start - timedelta(days=1)))
    return months

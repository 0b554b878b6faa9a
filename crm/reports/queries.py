"""The KPI figures of a period: one read-only query layer shared by the dashboard, its
drill-downs and exports, the agent scorecard, the monthly report and the API. Each figure says
how many rows it stands on, so a missing value is never shown as zero.

Definitions (period = local calendar days [start, end) in the department's zone):
- satisfaction: surveys answered in the period whose three ratings average 4 or more
- first_response_minutes: mean minutes from opening to first response, cases opened in the period
- complaint_hours: mean hours from opening to final closure, complaint cases closed in the period
  (a reopened complaint counts once, when it closes for the last time)
- resolution_rate: cases opened in the period that are resolved or closed
- sla_compliance: cases opened in the period whose SLA is decided (resolved, closed or breached)
  that breached neither limit
- survey_return: surveys sent in the period that were answered
- training_pass: people who passed among those who sat an exam, sessions of the period's months
- qa_average: mean final score of QA reviews submitted in the period (not calibration)
- callback_completion: callbacks due in the period that were done, among those done, missed or
  still open (cancelled, skipped and rescheduled ones left out)

Filters: an agent (the case's assignee, the review's agent, the callback's assignee, the exam's
participant) and a category (the case's, or the reviewed interaction's). A filter that cannot
apply to a figure (a category for training or callbacks) leaves the figure out, marked so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from crm.callbacks.models import CallbackTask, TaskStatus
from crm.cases.models import Case, CaseStatus
from crm.core.ids import parse_id
from crm.extensions import db
from crm.interactions.models import Category, Interaction
from crm.qa.models import SCORED_STATUSES, Review
from crm.surveys.models import Survey
from crm.timezones import (
    EARLIEST_DAY,
    LATEST_DAY,
    department_bounds_utc,
    last_closed_month,
    parse_day,
    parse_month,
)
from crm.training.models import ExamAttempt, Participant, TrainingSession
from crm.training.queries import compute_rates

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
DONE_STATUSES = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
COUNTED_TASKS = (TaskStatus.DONE.value, TaskStatus.MISSED.value, TaskStatus.DUE.value)
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

    @classmethod
    def parse(cls, args: dict[str, str]) -> Filters:
        category = args.get("category", "")
        return cls(
            agent_id=parse_id(args.get("agent")),
            category=category if category in {c.value for c in Category} else None,
        )

    @property
    def active(self) -> bool:
        return self.agent_id is not None or self.category is not None


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


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(later: Any, earlier: Any) -> Any:
    """Seconds between two timestamp columns on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


@dataclass
class Scope:
    begin: datetime
    finish: datetime
    period: Period
    filters: Filters
    #: every agent's figure at once, keyed by agent id (the scorecard); else one, keyed by None
    per_agent: bool = False

    def cases(self) -> list[ColumnElement[bool]]:
        conditions = []
        if self.filters.agent_id is not None:
            conditions.append(Case.assignee_id == self.filters.agent_id)
        if self.filters.category is not None:
            conditions.append(Case.category == self.filters.category)
        return conditions


#: a figure of the scope, or of each agent with data when the scope is per agent
Figures = dict[int | None, Figure]


def _totals(scope: Scope, aggregates: Select, agent: Any) -> dict[int | None, Any]:
    """The row of ``aggregates``; per agent, one row per agent of one grouped statement (not
    a statement per agent)."""
    if not scope.per_agent:
        return {None: db.session.execute(aggregates).one()}
    grouped = aggregates.add_columns(agent).group_by(agent)
    return {row[-1]: row for row in db.session.execute(grouped)}


def _satisfaction(scope: Scope) -> Figures:
    totals = _totals(
        scope,
        select(
            func.count(),
            func.count().filter((Survey.attitude + Survey.efficiency + Survey.resolution) >= 12),
        )
        .join(Case, Case.id == Survey.case_id)
        .where(
            Survey.answered_at >= scope.begin, Survey.answered_at < scope.finish, *scope.cases()
        ),
        Case.assignee_id,
    )
    return {
        agent: Figure("satisfaction", _share(satisfied, answered), answered)
        for agent, (answered, satisfied, *_agent) in totals.items()
    }


def _survey_return(scope: Scope) -> Figures:
    totals = _totals(
        scope,
        select(func.count(), func.count(Survey.answered_at))
        .join(Case, Case.id == Survey.case_id)
        .where(Survey.sent_at >= scope.begin, Survey.sent_at < scope.finish, *scope.cases()),
        Case.assignee_id,
    )
    return {
        agent: Figure("survey_return", _share(returned, sent), sent)
        for agent, (sent, returned, *_agent) in totals.items()
    }


def opened_in(scope: Scope) -> list[ColumnElement[bool]]:
    return [Case.opened_at >= scope.begin, Case.opened_at < scope.finish, *scope.cases()]


def _first_response(scope: Scope) -> Figures:
    totals = _totals(
        scope,
        select(func.count(), func.avg(_seconds(Case.first_response_at, Case.opened_at))).where(
            *opened_in(scope), Case.first_response_at.is_not(None)
        ),
        Case.assignee_id,
    )
    return {
        agent: Figure("first_response_minutes", None if mean is None else float(mean) / 60, count)
        for agent, (count, mean, *_agent) in totals.items()
    }


def complaints_closed_in(scope: Scope) -> list[ColumnElement[bool]]:
    """Complaints finally closed in the period: a reopen clears ``closed_at``, so only the
    last closure counts."""
    return [
        Case.category == Category.COMPLAINT,
        Case.status == CaseStatus.CLOSED.value,
        Case.closed_at >= scope.begin,
        Case.closed_at < scope.finish,
        *scope.cases(),
    ]


def _complaint_hours(scope: Scope) -> Figures:
    totals = _totals(
        scope,
        select(func.count(), func.avg(_seconds(Case.closed_at, Case.opened_at))).where(
            *complaints_closed_in(scope)
        ),
        Case.assignee_id,
    )
    return {
        agent: Figure("complaint_hours", None if mean is None else float(mean) / 3600, count)
        for agent, (count, mean, *_agent) in totals.items()
    }


def breached() -> ColumnElement[bool]:
    return or_(Case.response_breached, Case.resolution_breached)


def _resolution_rate(scope: Scope) -> Figures:
    totals = _totals(
        scope,
        select(func.count(), func.count().filter(Case.status.in_(DONE_STATUSES))).where(
            *opened_in(scope)
        ),
        Case.assignee_id,
    )
    return {
        agent: Figure("resolution_rate", _share(resolved, total), total)
        for agent, (total, resolved, *_agent) in totals.items()
    }


def _sla_compliance(scope: Scope) -> Figures:
    totals = _totals(
        scope,
        select(
            func.count(),
            func.count().filter(Case.status.in_(DONE_STATUSES), ~breached()),
        ).where(*opened_in(scope), or_(Case.status.in_(DONE_STATUSES), breached())),
        Case.assignee_id,
    )
    return {
        agent: Figure("sla_compliance", _share(compliant, decided), decided)
        for agent, (decided, compliant, *_agent) in totals.items()
    }


def session_ids(period: Period) -> Select:
    return select(TrainingSession.id).where(
        TrainingSession.month >= period.start.replace(day=1), TrainingSession.month < period.end
    )


def _training_pass(scope: Scope) -> Figures:
    if scope.filters.category is not None:
        return {None: Figure("training_pass", None, 0, applies=False)}
    sessions = session_ids(scope.period)
    people = select(Participant.session_id, Participant.user_id, Participant.attendance).where(
        Participant.session_id.in_(sessions)
    )
    attempts = select(
        ExamAttempt.session_id, ExamAttempt.user_id, ExamAttempt.attempt_no, ExamAttempt.passed
    ).where(ExamAttempt.session_id.in_(sessions))
    if scope.filters.agent_id is not None:
        people = people.where(Participant.user_id == scope.filters.agent_id)
        attempts = attempts.where(ExamAttempt.user_id == scope.filters.agent_id)
    people_rows, attempt_rows = db.session.execute(people).all(), db.session.execute(attempts).all()
    if not scope.per_agent:
        rates = compute_rates(people_rows, attempt_rows)
        return {None: Figure("training_pass", rates.person_rate, rates.sat)}
    by_person: dict[int, tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
    for row in people_rows:
        by_person[row.user_id][0].append(row)
    for row in attempt_rows:
        by_person[row.user_id][1].append(row)
    figures = {}
    for user_id, (invited, tried) in by_person.items():
        rates = compute_rates(invited, tried)
        figures[user_id] = Figure("training_pass", rates.person_rate, rates.sat)
    return figures


def reviews_in(scope: Scope) -> Select:
    query = select(Review).where(
        Review.calibration_id.is_(None),
        Review.status.in_(SCORED_STATUSES),
        Review.final_score.is_not(None),
        Review.submitted_at >= scope.begin,
        Review.submitted_at < scope.finish,
    )
    if scope.filters.agent_id is not None:
        query = query.where(Review.agent_id == scope.filters.agent_id)
    if scope.filters.category is not None:
        query = query.join(Interaction, Interaction.id == Review.interaction_id).where(
            Interaction.category == scope.filters.category
        )
    return query


def _qa_average(scope: Scope) -> Figures:
    reviews = reviews_in(scope).subquery()
    totals = _totals(
        scope, select(func.count(), func.avg(reviews.c.final_score)), reviews.c.agent_id
    )
    return {
        agent: Figure("qa_average", None if mean is None else float(mean), count)
        for agent, (count, mean, *_agent) in totals.items()
    }


def tasks_in(scope: Scope) -> Select:
    query = select(CallbackTask).where(
        CallbackTask.due_date >= scope.period.start,
        CallbackTask.due_date < scope.period.end,
        CallbackTask.status.in_(COUNTED_TASKS),
    )
    if scope.filters.agent_id is not None:
        query = query.where(CallbackTask.assignee_id == scope.filters.agent_id)
    return query


def _callback_completion(scope: Scope) -> Figures:
    if scope.filters.category is not None:
        return {None: Figure("callback_completion", None, 0, applies=False)}
    tasks = tasks_in(scope).subquery()
    totals = _totals(
        scope,
        select(func.count(), func.count().filter(tasks.c.status == TaskStatus.DONE.value)),
        tasks.c.assignee_id,
    )
    return {
        agent: Figure("callback_completion", _share(done, total), total)
        for agent, (total, done, *_agent) in totals.items()
    }


FIGURES: dict[str, Callable[[Scope], Figures]] = {
    "satisfaction": _satisfaction,
    "first_response_minutes": _first_response,
    "complaint_hours": _complaint_hours,
    "resolution_rate": _resolution_rate,
    "sla_compliance": _sla_compliance,
    "survey_return": _survey_return,
    "training_pass": _training_pass,
    "qa_average": _qa_average,
    "callback_completion": _callback_completion,
}


def scope_for(period: Period, filters: Filters | None) -> Scope:
    begin, finish = period.bounds_utc()
    return Scope(begin, finish, period, filters or Filters())


def kpis(period: Period, filters: Filters | None = None) -> dict[str, Figure]:
    scope = scope_for(period, filters)
    return {key: FIGURES[key](scope)[None] for key in KPI_KEYS}


def months_back(last: date, count: int) -> list[Period]:
    """The ``count`` months ending with the one containing ``last``, oldest first."""
    months = [Period.month(last)]
    while len(months) < count:
        months.insert(0, Period.month(months[0].start - timedelta(days=1)))
    return months

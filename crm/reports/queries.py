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

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from crm.callbacks.models import CallbackTask, TaskStatus
from crm.cases.models import Case, CaseStatus
from crm.extensions import db
from crm.interactions.models import Category, Interaction
from crm.qa.models import SCORED_STATUSES, Review
from crm.reports.scope import KPI_KEYS, Figure, Figures, Filters, Period, Scope, scope_for
from crm.surveys.models import Survey
from crm.training.models import ExamAttempt, Participant, TrainingSession
from crm.training.queries import compute_rates

DONE_STATUSES = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
COUNTED_TASKS = (TaskStatus.DONE.value, TaskStatus.MISSED.value, TaskStatus.DUE.value)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(later: Any, earlier: Any) -> Any:
    """Seconds between two timestamp columns on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


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
    people = people.where(*scope.filters.people(Participant.user_id))
    attempts = attempts.where(*scope.filters.people(ExamAttempt.user_id))
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
    query = query.where(*scope.filters.people(Review.agent_id))
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
    query = query.where(*scope.filters.people(CallbackTask.assignee_id))
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


def kpis(period: Period, filters: Filters | None = None) -> dict[str, Figure]:
    scope = scope_for(period, filters)
    return {key: FIGURES[key](scope)[None] for key in KPI_KEYS}

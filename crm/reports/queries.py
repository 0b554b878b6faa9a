"""The KPI figures of a period: one read-only query layer shared by the dashboard, exports and
the API. Each figure says what it counts, so a missing value is never shown as zero.

Definitions (period = local calendar days [start, end) in the department's zone):
- satisfaction: answered surveys (answered in the period) whose three ratings average >= 4
- first_response_minutes: mean minutes from opening to first response, cases opened in the period
- complaint_hours: mean hours from opening to resolution, complaint cases resolved in the period
- resolution_rate: cases opened in the period that are resolved or closed
- sla_compliance: cases opened in the period whose SLA is decided (resolved, closed or breached)
  and that breached neither limit
- survey_return: surveys sent in the period that were answered
- training_pass: people who passed among those who sat an exam, sessions of the period's months
- qa_average: mean final score of QA reviews submitted in the period (not calibration)
- callback_completion: callbacks due in the period that were done, among those done, missed or
  still open (cancelled, skipped and rescheduled ones left out)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, func, or_, select

from crm.callbacks.models import CallbackTask, TaskStatus
from crm.cases.models import Case, CaseStatus
from crm.extensions import db
from crm.interactions.models import Category
from crm.qa.models import SCORED_STATUSES, Review
from crm.surveys.models import Survey
from crm.timezones import local_day_start_utc
from crm.training.models import TrainingSession
from crm.training.queries import rates_for

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


@dataclass(frozen=True)
class Period:
    """Local calendar days [start, end)."""

    start: date
    end: date

    def bounds_utc(self) -> tuple[datetime, datetime]:
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        return local_day_start_utc(self.start, zone), local_day_start_utc(self.end, zone)


@dataclass(frozen=True)
class Figure:
    key: str
    #: None when the period has nothing to measure
    value: float | None
    #: how many rows the figure is computed over (surveys, cases, reviews, ...)
    basis: int

    @property
    def unit(self) -> str:
        return UNITS[self.key]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(later: object, earlier: object) -> object:
    """Seconds between two timestamp columns on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def kpis(period: Period) -> dict[str, Figure]:
    begin, finish = period.bounds_utc()
    figures: dict[str, Figure] = {}

    answered, satisfied = db.session.execute(
        select(
            func.count(),
            func.count().filter((Survey.attitude + Survey.efficiency + Survey.resolution) >= 12),
        ).where(Survey.answered_at >= begin, Survey.answered_at < finish)
    ).one()
    figures["satisfaction"] = Figure("satisfaction", _share(satisfied, answered), answered)

    sent, returned = db.session.execute(
        select(func.count(), func.count(Survey.answered_at)).where(
            Survey.sent_at >= begin, Survey.sent_at < finish
        )
    ).one()
    figures["survey_return"] = Figure("survey_return", _share(returned, sent), sent)

    opened = (Case.opened_at >= begin, Case.opened_at < finish)
    responded, mean_response = db.session.execute(
        select(func.count(), func.avg(_seconds(Case.first_response_at, Case.opened_at))).where(
            *opened, Case.first_response_at.is_not(None)
        )
    ).one()
    figures["first_response_minutes"] = Figure(
        "first_response_minutes",
        None if mean_response is None else float(mean_response) / 60,
        responded,
    )

    resolved_complaints, mean_handling = db.session.execute(
        select(func.count(), func.avg(_seconds(Case.resolved_at, Case.opened_at))).where(
            Case.category == Category.COMPLAINT,
            Case.resolved_at >= begin,
            Case.resolved_at < finish,
        )
    ).one()
    figures["complaint_hours"] = Figure(
        "complaint_hours",
        None if mean_handling is None else float(mean_handling) / 3600,
        resolved_complaints,
    )

    done_statuses = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
    breached = or_(Case.response_breached, Case.resolution_breached)
    total, resolved, decided, compliant = db.session.execute(
        select(
            func.count(),
            func.count().filter(Case.status.in_(done_statuses)),
            func.count().filter(or_(Case.status.in_(done_statuses), breached)),
            func.count().filter(Case.status.in_(done_statuses), ~breached),
        ).where(*opened)
    ).one()
    figures["resolution_rate"] = Figure("resolution_rate", _share(resolved, total), total)
    figures["sla_compliance"] = Figure("sla_compliance", _share(compliant, decided), decided)

    months = select(TrainingSession.id).where(
        TrainingSession.month >= period.start.replace(day=1), TrainingSession.month < period.end
    )
    rates = rates_for(list(db.session.scalars(months)))
    figures["training_pass"] = Figure("training_pass", rates.person_rate, rates.sat)

    reviews, mean_score = db.session.execute(
        select(func.count(), func.avg(Review.final_score)).where(
            Review.calibration_id.is_(None),
            Review.status.in_(SCORED_STATUSES),
            Review.final_score.is_not(None),
            Review.submitted_at >= begin,
            Review.submitted_at < finish,
        )
    ).one()
    figures["qa_average"] = Figure(
        "qa_average", None if mean_score is None else float(mean_score), reviews
    )

    counted = (TaskStatus.DONE.value, TaskStatus.MISSED.value, TaskStatus.DUE.value)
    tasks, done = db.session.execute(
        select(
            func.count(),
            func.sum(case((CallbackTask.status == TaskStatus.DONE.value, 1), else_=0)),
        ).where(
            CallbackTask.due_date >= period.start,
            CallbackTask.due_date < period.end,
            CallbackTask.status.in_(counted),
        )
    ).one()
    figures["callback_completion"] = Figure("callback_completion", _share(done or 0, tasks), tasks)
    return {key: figures[key] for key in KPI_KEYS}

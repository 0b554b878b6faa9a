"""The quarterly service-quality report (季度服务质量报告), as plain JSON-ready data: the page,
the XLSX export and the snapshot the scheduler keeps all read the same dict.

Counted reviews: submitted (in any later state), not calibration, submitted in the quarter.
A review passes when its final score reaches its scorecard's pass mark; satisfaction is the
survey module's (three ratings averaging 4 or more) over the surveys answered in the quarter on
cases the agent was assigned.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from crm.auth.models import User
from crm.cases.models import Case
from crm.database import insert_ignoring_duplicates
from crm.extensions import db
from crm.qa import scoring
from crm.qa.models import (
    SCORED_STATUSES,
    Criterion,
    QuarterlyReport,
    Review,
    ReviewScore,
    TrainingAssignment,
)
from crm.qa.quarters import Quarter
from crm.surveys.models import Survey
from crm.surveys.queries import is_satisfied
from crm.timezones import (
    department_today,
    department_zone,
)
from crm.training.models import TrainingTopic

#: failing-criterion comments quoted per criterion
COMMENTS_PER_CRITERION = 5
#: days of reviews before a training assignment that give the "before" figure
BEFORE_DAYS = 90


def _number(value: Fraction | Decimal | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _counted(begin: datetime, finish: datetime) -> Any:
    return (
        Review.calibration_id.is_(None),
        Review.status.in_(SCORED_STATUSES),
        Review.submitted_at >= begin,
        Review.submitted_at < finish,
    )


def _summary(reviews: list[tuple]) -> dict[str, Any]:
    """Count, average final score, pass share and critical failures of (final, passed,
    critical) rows."""
    finals = [Fraction(final) for final, _passed, _critical in reviews if final is not None]
    return {
        "reviews": len(reviews),
        "average": _number(_mean(finals)),
        "pass_share": _share(sum(bool(p) for _f, p, _c in reviews), len(reviews)),
        "critical_failures": sum(bool(c) for _f, _p, c in reviews),
    }


def _criterion_rows(begin: datetime, finish: datetime, agent_ids: list[int] | None = None) -> list:
    query = (
        select(ReviewScore, Criterion, Review.agent_id, Review.submitted_at, Review.id)
        .join(
            Review, (Review.id == ReviewScore.review_id) & (Review.revision == ReviewScore.revision)
        )
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .where(*_counted(begin, finish), ReviewScore.value.is_not(None))
    )
    if agent_ids is not None:
        query = query.where(Review.agent_id.in_(agent_ids))
    return db.session.execute(query.order_by(Review.submitted_at.desc(), Review.id)).all()


def quarterly_report(quarter: Quarter) -> dict[str, Any]:
    begin, finish = quarter.bounds_utc()
    names = dict(db.session.execute(select(User.id, User.display_name)).all())
    reviews = db.session.execute(
        select(Review.agent_id, Review.final_score, Review.passed, Review.critical_failed).where(
            *_counted(begin, finish)
        )
    ).all()
    by_agent: dict[int, list[tuple]] = defaultdict(list)
    for agent_id, final, passed, critical in reviews:
        by_agent[agent_id].append((final, passed, critical))
    satisfaction = _satisfaction(begin, finish)
    agents = []
    for agent_id, rows in by_agent.items():
        answered, satisfied = satisfaction.get(agent_id, (0, 0))
        agents.append(
            {
                "agent": names[agent_id],
                **_summary(rows),
                "surveys": answered,
                "satisfaction": _share(satisfied, answered),
            }
        )
    agents.sort(key=lambda row: (row["average"] is None, -(row["average"] or 0), row["agent"]))
    criteria, critical, top_failing = _criteria(begin, finish, names)
    trend = []
    period = quarter
    for _step in range(4):
        period_begin, period_finish = period.bounds_utc()
        rows = db.session.execute(
            select(Review.final_score, Review.passed, Review.critical_failed).where(
                *_counted(period_begin, period_finish)
            )
        ).all()
        trend.append({"quarter": period.label, **_summary([tuple(r) for r in rows])})
        period = period.previous()
    return {
        "quarter": quarter.label,
        "team": _summary([(f, p, c) for _a, f, p, c in reviews]),
        "agents": agents,
        "criteria": criteria,
        "critical": critical,
        "top_failing": top_failing,
        "trend": list(reversed(trend)),
        "training": _training_effect(quarter, names),
    }


def _satisfaction(begin: datetime, finish: datetime) -> dict[int, tuple[int, int]]:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for survey, assignee_id in db.session.execute(
        select(Survey, Case.assignee_id)
        .join(Case, Case.id == Survey.case_id)
        .where(
            Survey.answered_at >= begin,
            Survey.answered_at < finish,
            Case.assignee_id.is_not(None),
        )
    ):
        counts[assignee_id][0] += 1
        counts[assignee_id][1] += is_satisfied(survey)
    return {agent_id: (a, s) for agent_id, (a, s) in counts.items()}


def _criteria(
    begin: datetime, finish: datetime, names: dict[int, str]
) -> tuple[list[dict], list[dict], list[dict]]:
    credits: dict[str, list[Fraction]] = defaultdict(list)
    failures: dict[str, list[dict]] = defaultdict(list)
    labels: dict[str, tuple[str, str]] = {}
    critical = []
    for score, criterion, agent_id, submitted_at, review_id in _criterion_rows(begin, finish):
        labels.setdefault(criterion.code, (criterion.section, criterion.name))
        credits[criterion.code].append(scoring.credit(criterion, score.value))
        if scoring.fails(criterion, score.value):
            entry = {
                "review": review_id,
                "agent": names[agent_id],
                "criterion": criterion.name,
                "comment": score.comment or "",
                "date": submitted_at.astimezone(department_zone()).date().isoformat(),
            }
            failures[criterion.code].append(entry)
            if criterion.critical:
                critical.append(entry)
    criteria = [
        {
            "code": code,
            "section": labels[code][0],
            "name": labels[code][1],
            "rated": len(values),
            "average": _number(_mean(values)),
            "failures": len(failures[code]),
            "fail_share": _share(len(failures[code]), len(values)),
        }
        for code, values in credits.items()
    ]
    criteria.sort(key=lambda row: (-row["failures"], row["code"]))
    top_failing = [
        {
            "code": row["code"],
            "name": row["name"],
            "failures": row["failures"],
            "comments": failures[row["code"]][:COMMENTS_PER_CRITERION],
        }
        for row in criteria
        if row["failures"]
    ][:5]
    return criteria, critical, top_failing


def _training_effect(quarter: Quarter, names: dict[int, str]) -> list[dict]:
    """For each training assigned up to the quarter's end (within the four quarters shown), the
    agent's average credit on that criterion in the BEFORE_DAYS before and after it."""
    window_begin = quarter.previous().previous().previous().bounds_utc()[0]
    finish = quarter.bounds_utc()[1]
    assignments = db.session.execute(
        select(TrainingAssignment, TrainingTopic.name)
        .join(TrainingTopic, TrainingTopic.id == TrainingAssignment.topic_id)
        .where(
            TrainingAssignment.assigned_at >= window_begin,
            TrainingAssignment.assigned_at < finish,
        )
        .order_by(TrainingAssignment.assigned_at, TrainingAssignment.id)
    ).all()
    if not assignments:
        return []
    history: dict[tuple[int, str], list[tuple[datetime, Fraction, str]]] = defaultdict(list)
    rows = _criterion_rows(
        window_begin - timedelta(days=BEFORE_DAYS),
        finish,
        sorted({a.agent_id for a, _topic in assignments}),
    )
    for score, criterion, agent_id, submitted_at, _review_id in rows:
        history[(agent_id, criterion.code)].append(
            (submitted_at, scoring.credit(criterion, score.value), criterion.name)
        )
    result = []
    for assignment, topic in assignments:
        entries = history[(assignment.agent_id, assignment.criterion_code)]
        earliest = assignment.assigned_at - timedelta(days=BEFORE_DAYS)
        before = [c for when, c, _n in entries if earliest <= when <= assignment.assigned_at]
        after = [c for when, c, _n in entries if when > assignment.assigned_at]
        result.append(
            {
                "agent": names[assignment.agent_id],
                "criterion": entries[0][2] if entries else assignment.criterion_code,
                "topic": topic,
                "assigned_on": assignment.assigned_at.astimezone(department_zone())
                .date()
                .isoformat(),
                "before": _number(_mean(before)),
                "after": _number(_mean(after)),
                "after_reviews": len(after),
            }
        )
    return result


def kept_report(quarter: Quarter) -> QuarterlyReport | None:
    return db.session.scalar(
        select(QuarterlyReport).where(QuarterlyReport.quarter == quarter.label)
    )


def prepare_previous_quarter(now: datetime) -> int:
    """The scheduler's job: at the start of a quarter, keep the report of the one that ended.
    A kept report is never recomputed, so the figures presented stay the same."""
    quarter = Quarter.of(department_today(now)).previous()
    if kept_report(quarter) is not None:
        return 0
    return insert_ignoring_duplicates(
        db.session,
        QuarterlyReport,
        [{"quarter": quarter.label, "data": quarterly_report(quarter), "prepared_at": now}],
    )

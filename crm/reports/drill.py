"""The rows behind each KPI figure, for the dashboard's drill-downs and their exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from crm.auth.models import User
from crm.callbacks.models import CallbackTask
from crm.cases.models import Case
from crm.customers.models import Customer
from crm.extensions import db
from crm.qa.models import Review
from crm.reports.queries import (
    DONE_STATUSES,
    breached,
    complaints_closed_in,
    opened_in,
    reviews_in,
    session_ids,
    tasks_in,
)
from crm.reports.scope import Filters, Period, scope_for
from crm.surveys.models import Survey
from crm.training.models import ExamAttempt, TrainingSession


@dataclass
class Drill:
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    #: per row, what the first column links to: ("case" | "customer" | "review" | ..., id)
    links: list[tuple[str, int] | None] = field(default_factory=list)


def _name(user_id: int | None, names: dict[int, str]) -> str:
    return names.get(user_id, "—") if user_id is not None else "—"


def drill(key: str, period: Period, filters: Filters | None = None, limit: int = 5000) -> Drill:
    """The rows a figure is computed from, at most ``limit``; column names are English keys the
    view translates."""
    scope = scope_for(period, filters)
    names = dict(db.session.execute(select(User.id, User.display_name)).all())
    if key in ("satisfaction", "survey_return"):
        column = Survey.answered_at if key == "satisfaction" else Survey.sent_at
        conditions = [column >= scope.begin, column < scope.finish, *scope.cases()]
        rows = db.session.execute(
            select(Survey, Case, Customer.name)
            .join(Case, Case.id == Survey.case_id)
            .join(Customer, Customer.id == Survey.customer_id)
            .where(*conditions)
            .order_by(column, Survey.id)
            .limit(limit)
        ).all()
        result = Drill(
            [
                "case",
                "customer",
                "agent",
                "sent_at",
                "answered_at",
                "attitude",
                "efficiency",
                "resolution",
                "satisfied",
                "comment",
            ]
        )
        for survey, case, customer in rows:
            ratings = survey.ratings
            result.rows.append(
                [
                    case.id,
                    customer,
                    _name(case.assignee_id, names),
                    survey.sent_at,
                    survey.answered_at,
                    survey.attitude,
                    survey.efficiency,
                    survey.resolution,
                    None if ratings is None else sum(ratings) >= 12,
                    survey.comment or "",
                ]
            )
            result.links.append(("case", case.id))
        return result
    if key in ("first_response_minutes", "resolution_rate", "sla_compliance", "complaint_hours"):
        if key == "complaint_hours":
            conditions = complaints_closed_in(scope)
        else:
            conditions = opened_in(scope)
            if key == "first_response_minutes":
                conditions.append(Case.first_response_at.is_not(None))
            if key == "sla_compliance":
                conditions.append(or_(Case.status.in_(DONE_STATUSES), breached()))
        cases = db.session.scalars(
            select(Case).where(*conditions).order_by(Case.opened_at, Case.id).limit(limit)
        )
        result = Drill(
            [
                "case",
                "subject",
                "category",
                "agent",
                "status",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "response_breached",
                "resolution_breached",
            ]
            + (["closed_at", "reopen_count"] if key == "complaint_hours" else [])
        )
        for case in cases:
            result.rows.append(
                [
                    case.id,
                    case.subject,
                    case.category,
                    _name(case.assignee_id, names),
                    case.status,
                    case.opened_at,
                    case.first_response_at,
                    case.resolved_at,
                    case.response_breached,
                    case.resolution_breached,
                ]
                + ([case.closed_at, case.reopen_count] if key == "complaint_hours" else [])
            )
            result.links.append(("case", case.id))
        return result
    if key == "qa_average":
        reviews = db.session.scalars(
            reviews_in(scope).order_by(Review.submitted_at, Review.id).limit(limit)
        )
        result = Drill(["review", "agent", "reviewer", "submitted_at", "final_score", "passed"])
        for review in reviews:
            result.rows.append(
                [
                    review.id,
                    _name(review.agent_id, names),
                    _name(review.reviewer_id, names),
                    review.submitted_at,
                    review.final_score,
                    review.passed,
                ]
            )
            result.links.append(("review", review.id))
        return result
    if key == "callback_completion":
        result = Drill(["customer", "due_date", "agent", "task_status", "attempt"])
        if scope.filters.category is None:
            rows = db.session.execute(
                select(CallbackTask, Customer.name)
                .join(Customer, Customer.id == CallbackTask.customer_id)
                .where(CallbackTask.id.in_(tasks_in(scope).with_only_columns(CallbackTask.id)))
                .order_by(CallbackTask.due_date, CallbackTask.id)
                .limit(limit)
            ).all()
            for task, customer in rows:
                result.rows.append(
                    [
                        customer,
                        task.due_date,
                        _name(task.assignee_id, names),
                        task.status,
                        task.attempt,
                    ]
                )
                result.links.append(("customer", task.customer_id))
        return result
    if key == "training_pass":
        result = Drill(["session", "person", "attempt", "taken_on", "score", "passed"])
        if scope.filters.category is None:
            attempts = (
                select(ExamAttempt, TrainingSession.title)
                .join(TrainingSession, TrainingSession.id == ExamAttempt.session_id)
                .where(ExamAttempt.session_id.in_(session_ids(period)))
            )
            attempts = attempts.where(*scope.filters.people(ExamAttempt.user_id))
            for attempt, title in db.session.execute(
                attempts.order_by(ExamAttempt.taken_on, ExamAttempt.id).limit(limit)
            ):
                result.rows.append(
                    [
                        title,
                        _name(attempt.user_id, names),
                        attempt.attempt_no,
                        attempt.taken_on,
                        attempt.score,
                        attempt.passed,
                    ]
                )
                result.links.append(("session", attempt.session_id))
        return result
    raise KeyError(key)

"""What QA adds to the homes (``crm.core.home``): the reviewer's sample queue with due dates,
calibrations waiting for their scores and open disputes, and the agent's reviews waiting for
an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app

from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.core.home import HomeSection, register_home_section
from crm.i18n import lazy_gettext as _l
from crm.qa.disputes import dispute_deadline
from crm.qa.models import Dispute, Review
from crm.qa.queries import (
    awaiting_answer,
    calibrations_waiting,
    open_disputes_for,
    queue_with_due_days,
    unassigned,
)
from crm.timezones import department_today

#: items a section lists before linking to the full page
HOME_ROWS = 8


@dataclass(frozen=True)
class DueReview:
    review: Review
    #: the last day of its sampling period, None for a review outside any draw
    due_on: date | None
    #: days left until then, negative when past
    days_left: int | None


@dataclass(frozen=True)
class SampleQueue:
    rows: list[DueReview]
    total: int
    #: reviews nobody holds that the reviewer could take
    unassigned: int


def _sample_queue(actor: User, now: datetime) -> SampleQueue:
    today = department_today(now)
    rows = []
    queue = queue_with_due_days(actor)
    for review, period_end in queue[:HOME_ROWS]:
        due_on = None if period_end is None else period_end - timedelta(days=1)
        rows.append(DueReview(review, due_on, None if due_on is None else (due_on - today).days))
    return SampleQueue(rows, len(queue), len(unassigned(actor, limit=99)))


def _calibrations(actor: User, _now: datetime) -> list[Review]:
    return calibrations_waiting(actor)[:HOME_ROWS]


def _disputes(actor: User, _now: datetime) -> list[Dispute]:
    deciding = actor.can(Permission.QA_DECIDE)
    return open_disputes_for(actor, deciding=deciding)[:HOME_ROWS]


@dataclass(frozen=True)
class ToAnswer:
    review: Review
    #: minutes left to dispute it
    minutes_left: float


def _to_answer(actor: User, now: datetime) -> list[ToAnswer]:
    since = now - timedelta(days=current_app.config["QA_DISPUTE_DAYS"])
    return [
        ToAnswer(review, (dispute_deadline(review) - now).total_seconds() / 60)
        for review in awaiting_answer(actor, since)[:HOME_ROWS]
    ]


def register_home_sections(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    for section in (
        HomeSection(
            name="my_reviews",
            title=_l("QA reviews to answer"),
            roles=frozenset({Role.AGENT}),
            # Any signed-in user: the rows are reviews of the user's own calls.
            permission=None,
            rows=_to_answer,
            template="qa/_home_to_answer.html",
            order=30,
        ),
        HomeSection(
            name="qa_queue",
            title=_l("My sample queue"),
            roles=frozenset({Role.QA}),
            permission=Permission.QA_REVIEW,
            rows=_sample_queue,
            template="qa/_home_queue.html",
            order=10,
        ),
        HomeSection(
            name="qa_calibrations",
            title=_l("Calibration to score"),
            roles=frozenset({Role.QA}),
            permission=Permission.QA_REVIEW,
            rows=_calibrations,
            template="qa/_home_calibrations.html",
            order=30,
        ),
        HomeSection(
            name="qa_disputes",
            title=_l("Open disputes"),
            roles=frozenset({Role.QA, Role.SUPERVISOR}),
            permission=Permission.QA_VIEW,
            rows=_disputes,
            template="qa/_home_disputes.html",
            order=20,
        ),
    ):
        register_home_section(section)

"""What training adds to the homes (``crm.core.home``): the trainer's next sessions and
missing results, the people QA sent to training, the pass-rate trend, and the trainings
waiting for an agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app

from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.core.home import HomeSection, register_home_section
from crm.i18n import lazy_gettext as _l
from crm.timezones import department_today
from crm.training.models import TrainingSession, TrainingTopic
from crm.training.queries import (
    PassRates,
    invited_to_upcoming,
    latest_held,
    missing_results,
    rates_for,
    trend,
    upcoming_sessions,
)
from crm.training.queue import QueueEntry, assigned_queue, waiting_topics

#: items a section lists before linking to the full page
HOME_ROWS = 6
#: how far back a session's missing results are still asked for
MISSING_RESULTS_DAYS = 90
TREND_MONTHS = 6
RECENT_SESSIONS = 3


@dataclass(frozen=True)
class TrainerPlan:
    upcoming: list[TrainingSession]
    #: (session, people without a result)
    missing: list[tuple[TrainingSession, int]]
    #: the latest sessions held, with their rates
    recent: list[tuple[TrainingSession, PassRates]]


def _plan(actor: User, now: datetime) -> TrainerPlan:
    since = now - timedelta(days=MISSING_RESULTS_DAYS)
    return TrainerPlan(
        upcoming_sessions(trainer_id=actor.id, now=now, limit=HOME_ROWS),
        missing_results(trainer_id=actor.id, since=since, now=now),
        [
            (session, rates_for([session.id]))
            for session in latest_held(trainer_id=actor.id, now=now, limit=RECENT_SESSIONS)
        ],
    )


def _queue(_actor: User, _now: datetime) -> list[QueueEntry]:
    return assigned_queue()


@dataclass(frozen=True)
class PassTrend:
    #: (first day of the month, its rates), oldest first
    months: list[tuple[date, PassRates]]
    target: float


def _pass_trend(_actor: User, now: datetime) -> PassTrend:
    months = trend(department_today(now).replace(day=1), TREND_MONTHS)
    return PassTrend(months, current_app.config["TRAINING_PASS_TARGET"])


@dataclass(frozen=True)
class MyTraining:
    waiting: list[tuple[TrainingTopic, datetime]]
    upcoming: list[TrainingSession]


def _my_training(actor: User, now: datetime) -> MyTraining:
    return MyTraining(waiting_topics(actor), invited_to_upcoming(actor, now)[:HOME_ROWS])


def register_home_sections(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    for section in (
        HomeSection(
            name="training_plan",
            title=_l("My sessions"),
            roles=frozenset({Role.TRAINER}),
            permission=Permission.TRAINING_MANAGE,
            rows=_plan,
            template="training/_home_plan.html",
            order=10,
        ),
        HomeSection(
            name="training_queue",
            title=_l("Waiting for training from QA"),
            roles=frozenset({Role.TRAINER}),
            permission=Permission.TRAINING_MANAGE,
            rows=_queue,
            template="training/_home_queue.html",
            order=20,
        ),
        HomeSection(
            name="training_pass_rates",
            title=_l("Pass rate, last 6 months"),
            roles=frozenset({Role.TRAINER}),
            permission=Permission.TRAINING_VIEW,
            rows=_pass_trend,
            template="training/_home_pass_rates.html",
            order=30,
        ),
        HomeSection(
            name="my_training",
            title=_l("My training"),
            roles=frozenset({Role.AGENT}),
            # Any signed-in user: the rows are the user's own training.
            permission=None,
            rows=_my_training,
            template="training/_home_mine.html",
            order=40,
        ),
    ):
        register_home_section(section)

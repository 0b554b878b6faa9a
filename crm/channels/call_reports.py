"""The phone figures of a day or a month in the reader's zone: answer rate, average speed of
answer, the share answered within the 2-minute target and abandoned (missed) calls, by hour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, or_, select

from crm.channels.calls import ANSWER_TARGET
from crm.channels.models import Call
from crm.customers.models import Customer
from crm.extensions import db
from crm.timezones import local_day_start_utc

#: calls are grouped by quarter hour in UTC, then by the reader's local hour: every zone's
#: offset is a whole number of quarter hours, so no bucket straddles two local hours
BUCKET_SECONDS = 900
#: the missed calls listed under the table
MISSED_SHOWN = 200


@dataclass
class Hour:
    """The calls that arrived in one local hour (or the whole period)."""

    offered: int = 0
    answered: int = 0
    #: answered calls whose ringing time is known: the basis of the speed figures
    timed: int = 0
    within_target: int = 0
    answer_seconds: float = 0.0
    missed: int = 0

    def add(self, other: Hour) -> None:
        for name in ("offered", "answered", "timed", "within_target", "answer_seconds", "missed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def average_answer_seconds(self) -> float | None:
        return self.answer_seconds / self.timed if self.timed else None

    @property
    def within_target_share(self) -> float | None:
        return self.within_target / self.timed if self.timed else None


@dataclass
class MissedCall:
    ringing_at: datetime
    from_number: str
    customer_id: int | None
    customer_name: str | None
    callback_task_id: int | None


@dataclass
class CallFigures:
    #: local hour 0-23 -> its figures (every hour, empty ones too)
    hours: dict[int, Hour]
    total: Hour
    missed_calls: list[MissedCall] = field(default_factory=list)


def _arrived() -> Any:
    # A call the phone system reported missed or answered without a ringing event still counts.
    return func.coalesce(Call.ringing_at, Call.answered_at, Call.missed_at, Call.ended_at)


def _epoch(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", column)
    return cast(func.strftime("%s", column), Integer)


def _seconds(later: Any, earlier: Any) -> Any:
    return _epoch(later) - _epoch(earlier)


def _bucket(column: Any) -> Any:
    """The quarter hour (in seconds since the epoch / BUCKET_SECONDS) ``column`` falls in."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(_epoch(column) / BUCKET_SECONDS), Integer)
    # SQLite divides integers as integers.
    return _epoch(column) / BUCKET_SECONDS


def call_figures(start: date, end: date, zone: ZoneInfo) -> CallFigures:
    """The calls that arrived on the local days [start, end) in ``zone``: one grouped
    statement for the figures, one for the missed calls listed."""
    begin, finish = local_day_start_utc(start, zone), local_day_start_utc(end, zone)
    arrived = _arrived()
    in_period = and_(arrived >= begin, arrived < finish)
    speed = _seconds(Call.answered_at, Call.ringing_at)
    timed = and_(Call.answered_at.is_not(None), Call.ringing_at.is_not(None))
    # Abandoned: over without an answer, whether the phone system said "missed" or only "ended"
    # with no talk time (a late "answered" takes the call out again).
    ended_unanswered = and_(
        Call.ended_at.is_not(None), func.coalesce(Call.duration_seconds, 0) == 0
    )
    missed = and_(Call.answered_at.is_(None), or_(Call.missed_at.is_not(None), ended_unanswered))
    talked = or_(Call.answered_at.is_not(None), func.coalesce(Call.duration_seconds, 0) > 0)
    bucket = _bucket(arrived).label("bucket")
    rows = db.session.execute(
        select(
            bucket,
            func.count(),
            func.sum(case((talked, 1), else_=0)),
            func.sum(case((timed, 1), else_=0)),
            func.sum(case((and_(timed, speed <= ANSWER_TARGET.total_seconds()), 1), else_=0)),
            func.sum(case((timed, speed), else_=0)),
            func.sum(case((missed, 1), else_=0)),
        )
        .where(in_period)
        .group_by(bucket)
    ).all()
    hours = {hour: Hour() for hour in range(24)}
    total = Hour()
    for quarter, offered, answered, timed_count, within, seconds, missed_count in rows:
        local = datetime.fromtimestamp(int(quarter) * BUCKET_SECONDS, UTC).astimezone(zone)
        figures = Hour(
            offered=offered,
            answered=answered,
            timed=int(timed_count or 0),
            within_target=int(within or 0),
            answer_seconds=float(seconds or 0),
            missed=int(missed_count or 0),
        )
        hours[local.hour].add(figures)
        total.add(figures)
    return CallFigures(hours=hours, total=total, missed_calls=_missed(in_period, missed))


def _missed(in_period: Any, missed: Any) -> list[MissedCall]:
    rows = db.session.execute(
        select(
            _arrived(),
            Call.from_number,
            Call.customer_id,
            Customer.name,
            Call.callback_task_id,
        )
        .outerjoin(Customer, Customer.id == Call.customer_id)
        .where(in_period, missed)
        .order_by(_arrived().desc(), Call.id.desc())
        .limit(MISSED_SHOWN)
    ).all()
    return [MissedCall(*row) for row in rows]


def period_days(day: date | None, month: date | None, today: date) -> tuple[date, date, str]:
    """The local days [start, end) a report shows and its kind ("day" or "month"): the day
    asked for, else the month, else today."""
    if day is not None:
        return day, day + timedelta(days=1), "day"
    if month is not None:
        following = (month + timedelta(days=32)).replace(day=1)
        return month, following, "month"
    return today, today + timedelta(days=1), "day"

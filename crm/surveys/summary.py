"""The customer's latest satisfaction scores and their trend, for the customer's summary card."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, Select, bindparam, select

from crm.auth.models import User
from crm.customers.models import Customer
from crm.extensions import db
from crm.surveys.models import Survey

#: answered surveys the trend is read from
LATEST = 5


@dataclass(frozen=True)
class SatisfactionTrend:
    #: each answered survey's mean score (1-5), oldest first
    scores: list[float]

    @property
    def direction(self) -> str:
        """ "up", "down" or "flat": the latest score against the first one shown."""
        if len(self.scores) < 2 or abs(self.scores[-1] - self.scores[0]) < 0.05:
            return "flat"
        return "up" if self.scores[-1] > self.scores[0] else "down"


@cache
def _latest_statement() -> Select:
    """Built once: every customer page runs it."""
    return (
        select(Survey.attitude, Survey.efficiency, Survey.resolution)
        .where(
            Survey.customer_id == bindparam("customer_id", type_=Integer),
            Survey.answered_at.is_not(None),
        )
        .order_by(Survey.answered_at.desc(), Survey.id.desc())
        .limit(LATEST)
    )


def satisfaction_trend(customer: Customer, _viewer: User) -> SatisfactionTrend:
    rows = db.session.execute(_latest_statement(), {"customer_id": customer.id}).all()
    scores = []
    for row in reversed(rows):
        given = [score for score in row if score is not None]
        if given:
            scores.append(round(sum(given) / len(given), 1))
    return SatisfactionTrend(scores)

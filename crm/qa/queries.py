"""Read-only lists of reviews for the QA pages."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select

from crm.auth.models import User
from crm.extensions import db
from crm.pagination import Page, paginate, sort_clause
from crm.qa.models import (
    EDITABLE_STATUSES,
    CalibrationSession,
    Dispute,
    DisputeStatus,
    Reason,
    Review,
    ReviewStatus,
    SampleDraw,
)

REVIEW_SORTS = {
    "created_at": Review.created_at,
    "submitted_at": Review.submitted_at,
    "final_score": Review.final_score,
    "status": Review.status,
}


def _counted() -> Select:
    return select(Review).where(Review.calibration_id.is_(None))


def review_listing(
    *, period_start: date, status: str, agent_id: int | None, reason: str, sort: str, page: int
) -> Page[Review]:
    """One page of the period's sample, filtered and in a whitelisted order."""
    query = (
        _counted()
        .join(SampleDraw, SampleDraw.id == Review.draw_id)
        .where(SampleDraw.period_start == period_start)
    )
    if status in {s.value for s in ReviewStatus}:
        query = query.where(Review.status == status)
    else:
        status = ""
    if reason in {r.value for r in Reason}:
        query = query.where(Review.reason == reason)
    else:
        reason = ""
    if agent_id:
        query = query.where(Review.agent_id == agent_id)
    sort, order = sort_clause(sort, REVIEW_SORTS, default="created_at")
    filters = {
        "period": period_start.isoformat(),
        "status": status,
        "reason": reason,
        "agent": agent_id or "",
    }
    return paginate(query.order_by(*order, Review.id), page=page, sort=sort, filters=filters)


def queue_of(reviewer: User) -> list[Review]:
    """The reviews waiting for ``reviewer``, oldest first, calibration ones included."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.reviewer_id == reviewer.id, Review.status.in_(EDITABLE_STATUSES))
            .order_by(Review.created_at, Review.id)
        )
    )


def unassigned(reviewer: User, limit: int = 50) -> list[Review]:
    """Reviews nobody has, which ``reviewer`` may take (not their own interactions)."""
    return list(
        db.session.scalars(
            _counted()
            .where(
                Review.reviewer_id.is_(None),
                Review.agent_id != reviewer.id,
                Review.status.in_(EDITABLE_STATUSES),
            )
            .order_by(Review.created_at, Review.id)
            .limit(limit)
        )
    )


def reviews_of_agent(agent: User) -> list[Review]:
    """The agent's own submitted reviews, newest first."""
    return list(
        db.session.scalars(
            _counted()
            .where(
                Review.agent_id == agent.id,
                Review.status.not_in(EDITABLE_STATUSES),
            )
            .order_by(Review.submitted_at.desc(), Review.id.desc())
        )
    )


def open_disputes() -> list[Dispute]:
    return list(
        db.session.scalars(
            select(Dispute)
            .where(Dispute.status == DisputeStatus.OPEN)
            .order_by(Dispute.opened_at, Dispute.id)
        )
    )


def calibration_sessions() -> list[CalibrationSession]:
    return list(
        db.session.scalars(
            select(CalibrationSession).order_by(
                CalibrationSession.created_at.desc(), CalibrationSession.id.desc()
            )
        )
    )


def queue_with_due_days(reviewer: User) -> list[tuple[Review, date | None]]:
    """The counted reviews waiting for ``reviewer`` with the day after their sampling period
    (they are due by then), the earliest due first; calibration ones are apart."""
    rows = db.session.execute(
        select(Review, SampleDraw.period_end)
        .outerjoin(SampleDraw, SampleDraw.id == Review.draw_id)
        .where(
            Review.reviewer_id == reviewer.id,
            Review.status.in_(EDITABLE_STATUSES),
            Review.calibration_id.is_(None),
        )
        .order_by(SampleDraw.period_end, Review.created_at, Review.id)
    ).all()
    return [(review, period_end) for review, period_end in rows]


def calibrations_waiting(reviewer: User) -> list[Review]:
    """The reviewer's unscored reviews in calibration sessions still open, oldest first."""
    return list(
        db.session.scalars(
            select(Review)
            .join(CalibrationSession, CalibrationSession.id == Review.calibration_id)
            .where(
                Review.reviewer_id == reviewer.id,
                Review.status.in_(EDITABLE_STATUSES),
                CalibrationSession.closed_at.is_(None),
            )
            .order_by(CalibrationSession.created_at, Review.id)
        )
    )


def awaiting_answer(agent: User, submitted_since: datetime) -> list[Review]:
    """The agent's scored reviews still waiting to be acknowledged or disputed (submitted
    since ``submitted_since``, the start of the dispute window), oldest first."""
    return list(
        db.session.scalars(
            _counted()
            .where(
                Review.agent_id == agent.id,
                Review.status == ReviewStatus.SUBMITTED,
                Review.submitted_at >= submitted_since,
            )
            .order_by(Review.submitted_at, Review.id)
        )
    )


def open_disputes_for(actor: User, *, deciding: bool) -> list[Dispute]:
    """Open disputes: every one but the actor's own for those who decide them, otherwise the
    ones of reviews the actor scored."""
    query = (
        select(Dispute)
        .join(Review, Review.id == Dispute.review_id)
        .where(Dispute.status == DisputeStatus.OPEN)
    )
    if deciding:
        query = query.where(Review.agent_id != actor.id)
    else:
        query = query.where(Review.reviewer_id == actor.id)
    return list(db.session.scalars(query.order_by(Dispute.opened_at, Dispute.id)))

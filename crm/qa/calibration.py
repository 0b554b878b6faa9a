"""Calibration (校准): several reviewers score the same interaction without seeing each other's
scores; once the session is closed, each criterion's spread and each reviewer's alignment with
the group show where the written standards are read differently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.interactions.models import Interaction
from crm.qa import scoring
from crm.qa.models import (
    SCORED_STATUSES,
    CalibrationSession,
    Criterion,
    Reason,
    Review,
    ReviewScore,
    ReviewStatus,
    Scorecard,
)


def create_session(
    *,
    actor: User,
    title: str,
    interaction: Interaction,
    scorecard: Scorecard,
    reviewers: list[User],
    now: datetime,
) -> CalibrationSession:
    """:raises DomainError: with fewer than two reviewers, or one who is the interaction's
    agent."""
    if not actor.can(Permission.QA_REVIEW):
        raise PermissionDenied(_("Only QA reviewers run calibration sessions."))
    if not title.strip():
        raise DomainError(_("Give the session a title."), field="title")
    if interaction.deleted_at is not None:
        raise DomainError(_("This interaction was deleted."), field="interaction_id")
    chosen = {r.id: r for r in reviewers}
    if len(chosen) < 2:
        raise DomainError(_("Choose at least two reviewers."), field="reviewers")
    if interaction.agent_id in chosen:
        raise DomainError(
            _("The agent of the interaction cannot calibrate on it."), field="reviewers"
        )
    if not all(r.can(Permission.QA_REVIEW) and r.active for r in chosen.values()):
        raise DomainError(_("Every participant must be an active QA reviewer."), field="reviewers")
    session = CalibrationSession(
        title=title.strip(),
        interaction_id=interaction.id,
        scorecard_version_id=scorecard.current.id,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add_all(
        Review(
            interaction_id=interaction.id,
            agent_id=interaction.agent_id,
            reviewer_id=reviewer_id,
            scorecard_version_id=session.scorecard_version_id,
            calibration_id=session.id,
            reason=Reason.CALIBRATION.value,
            status=ReviewStatus.ASSIGNED.value,
            created_at=now,
        )
        for reviewer_id in sorted(chosen)
    )
    db.session.flush()
    record(
        action=AuditAction.QA_CALIBRATION,
        actor=actor,
        object_type="qa_calibration",
        object_id=session.id,
        details={"reviewers": sorted(chosen)},
    )
    return session


def participants(session: CalibrationSession) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review).where(Review.calibration_id == session.id).order_by(Review.reviewer_id)
        )
    )


def close_session(*, actor: User, session: CalibrationSession, now: datetime) -> None:
    """Reveal the results. Reviewers who did not submit are left out of them."""
    if not actor.can(Permission.QA_REVIEW):
        raise PermissionDenied(_("Only QA reviewers run calibration sessions."))
    if session.closed_at is not None:
        raise DomainError(_("This session is closed already."))
    if sum(r.status in SCORED_STATUSES for r in participants(session)) < 2:
        raise DomainError(_("At least two reviewers must submit before the results can show."))
    session.closed_at = now
    record(
        action=AuditAction.QA_CALIBRATION,
        actor=actor,
        object_type="qa_calibration",
        object_id=session.id,
        details={"closed": True},
    )
    db.session.flush()


@dataclass
class CriterionSpread:
    criterion: Criterion
    #: reviewer id -> credit in percent (absent: N/A)
    credits: dict[int, Decimal]

    @property
    def spread(self) -> Decimal | None:
        values = list(self.credits.values())
        return max(values) - min(values) if values else None

    @property
    def mean(self) -> Fraction | None:
        values = [Fraction(v) for v in self.credits.values()]
        return sum(values, Fraction(0)) / len(values) if values else None


@dataclass
class CalibrationResult:
    reviews: list[Review]
    criteria: list[CriterionSpread]
    #: reviewer id -> 100 minus the mean distance of their credits from the group's means
    alignment: dict[int, Decimal]


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"))


def results(session: CalibrationSession) -> CalibrationResult:
    reviews = [r for r in participants(session) if r.status in SCORED_STATUSES]
    values = {
        (row.review_id, row.criterion_id): row.value
        for row in db.session.scalars(
            select(ReviewScore).where(
                ReviewScore.review_id.in_([r.id for r in reviews]), ReviewScore.revision == 1
            )
        )
    }
    spreads = []
    for criterion in session.scorecard_version.criteria:
        credits = {}
        for review in reviews:
            value = values.get((review.id, criterion.id))
            if value is not None:
                credits[review.reviewer_id] = _decimal(scoring.credit(criterion, value))
        spreads.append(CriterionSpread(criterion, credits))
    alignment = {}
    for review in reviews:
        distances = [
            abs(Fraction(s.credits[review.reviewer_id]) - s.mean)
            for s in spreads
            if review.reviewer_id in s.credits
        ]
        if distances:
            alignment[review.reviewer_id] = _decimal(
                100 - sum(distances, Fraction(0)) / len(distances)
            )
    return CalibrationResult(reviews, spreads, alignment)

"""Disputes: the agent contests chosen criteria within the window; a supervisor accepts (a new
revision of the scores, every earlier one kept) or rejects with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.permissions import ROLE_PERMISSIONS, Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.notifications.services import notify
from crm.qa import scoring
from crm.qa.models import (
    Dispute,
    DisputeItem,
    DisputeStatus,
    Review,
    ReviewScore,
    ReviewStatus,
)
from crm.qa.services import apply_revision, clean_comment, require_agent_of, scores_of
from crm.qa.training_loop import withdraw_training


def dispute_of(review: Review) -> Dispute | None:
    return db.session.scalar(select(Dispute).where(Dispute.review_id == review.id))


def dispute_deadline(review: Review) -> datetime:
    return review.submitted_at + timedelta(days=current_app.config["QA_DISPUTE_DAYS"])


def may_dispute(actor: User, review: Review, now: datetime) -> bool:
    """Whether ``actor`` may still answer the review: its agent, while submitted and within
    the window."""
    return (
        review.agent_id == actor.id
        and review.calibration_id is None
        and review.status == ReviewStatus.SUBMITTED
        and now <= dispute_deadline(review)
    )


def may_decide(actor: User, dispute: Dispute) -> bool:
    return (
        dispute.status == DisputeStatus.OPEN
        and actor.can(Permission.QA_DECIDE)
        and actor.id != dispute.review.agent_id
    )


def open_dispute(
    *, actor: User, review: Review, items: Mapping[int, str], now: datetime
) -> Dispute:
    """Dispute chosen criteria (criterion id -> the agent's comment) within the window.

    :raises DomainError: after the window, for a review already answered, or without a
        criterion or a comment.
    """
    require_agent_of(actor, review)
    if review.status != ReviewStatus.SUBMITTED:
        raise DomainError(_("This review is not waiting for your answer."))
    if now > dispute_deadline(review):
        raise DomainError(
            _(
                "Reviews can be disputed within %(days)s days of being submitted.",
                days=current_app.config["QA_DISPUTE_DAYS"],
            )
        )
    if not items:
        raise DomainError(_("Choose at least one criterion to dispute."))
    known = {c.id for c in review.scorecard_version.criteria}
    dispute = Dispute(review_id=review.id, opened_at=now)
    for criterion_id, raw in items.items():
        comment = clean_comment(raw)
        if criterion_id not in known:
            raise DomainError(_("The scorecard has no such criterion."))
        if not comment:
            raise DomainError(
                _("Say why you dispute each criterion you chose."), field=f"comment{criterion_id}"
            )
        dispute.items.append(DisputeItem(criterion_id=criterion_id, comment=comment))
    db.session.add(dispute)
    review.status = ReviewStatus.DISPUTED.value
    db.session.flush()
    record(
        action=AuditAction.QA_DISPUTE_OPENED,
        actor=actor,
        object_type="qa_review",
        object_id=review.id,
        details={"criteria": sorted(items)},
    )
    deciders = [
        role.value for role, granted in ROLE_PERMISSIONS.items() if Permission.QA_DECIDE in granted
    ]
    decider_ids = set(
        db.session.scalars(
            select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role.in_(deciders), User.active.is_(True))
        )
    ) - {review.agent_id}
    notify(
        {
            "user_id": user_id,
            "kind": "qa.dispute",
            "subject_type": "qa_review",
            "subject_id": review.id,
            "payload": {"review": review.id, "agent": review.agent.display_name},
        }
        for user_id in sorted(decider_ids)
    )
    return dispute


def decide_dispute(
    *,
    actor: User,
    dispute: Dispute,
    accept: bool,
    new_values: Mapping[int, int | None],
    note: str,
    now: datetime,
) -> None:
    """Accept (the disputed criteria take ``new_values`` in a new revision; every earlier
    revision stays) or reject with a reason.

    :raises DomainError: for a decided dispute, a missing reason, or values off the scale.
    """
    review = dispute.review
    if not actor.can(Permission.QA_DECIDE):
        raise PermissionDenied(_("Only supervisors decide disputes."))
    if actor.id == review.agent_id:
        raise PermissionDenied(_("Nobody decides a dispute of their own review."))
    if dispute.status != DisputeStatus.OPEN:
        raise DomainError(_("This dispute was decided already."))
    reason = clean_comment(note)
    if not reason:
        raise DomainError(_("Say why you decided so."), field="note")
    disputed = {item.criterion_id for item in dispute.items}
    before = scores_of(review)
    if accept:
        if set(new_values) - disputed:
            raise DomainError(_("Only the disputed criteria can change."))
        criteria = review.scorecard_version.criteria
        values = {c.id: before[c.id].value if c.id in before else None for c in criteria}
        values.update(new_values)
        outcome = scoring.score(
            review.scorecard_version.style, review.scorecard_version.pass_mark, criteria, values
        )
        old_score = review.final_score
        revision = review.revision + 1
        db.session.add_all(
            ReviewScore(
                review_id=review.id,
                revision=revision,
                criterion_id=c.id,
                value=values[c.id],
                comment=before[c.id].comment if c.id in before else None,
            )
            for c in criteria
        )
        apply_revision(review, revision, outcome, actor, now, note=reason)
        withdraw_training(actor=actor, review=review, values=values, now=now)
        details = {"final_score": [_text(old_score), _text(outcome.final)]}
    else:
        details = {}
    dispute.status = (DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED).value
    dispute.decided_by_id = actor.id
    dispute.decided_at = now
    dispute.decision_note = reason
    review.status = ReviewStatus.RESOLVED.value
    db.session.flush()
    record(
        action=AuditAction.QA_DISPUTE_DECIDED,
        actor=actor,
        object_type="qa_review",
        object_id=review.id,
        details={"decision": dispute.status, **details},
    )
    notify(
        {
            "user_id": user_id,
            "kind": f"qa.dispute_{dispute.status}",
            "subject_type": "qa_review",
            "subject_id": review.id,
            "payload": {"review": review.id},
        }
        for user_id in {review.agent_id, review.reviewer_id} - {None, actor.id}
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)

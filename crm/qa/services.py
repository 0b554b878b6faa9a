"""Reviews from assignment to submission and the agent's acknowledgement. A submitted review
changes only through a decided dispute (crm.qa.disputes), which adds a revision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select

from crm.access import may_change_review
from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.notifications.services import notify
from crm.qa import scoring
from crm.qa.models import (
    EDITABLE_STATUSES,
    Review,
    ReviewRevision,
    ReviewScore,
    ReviewStatus,
)
from crm.qa.training_loop import assign_training

COMMENT_MAX = 2000


def scores_of(review: Review, revision: int | None = None) -> dict[int, ReviewScore]:
    """Criterion id -> score row of ``revision`` (the one in force by default; for a review not
    yet submitted, its draft)."""
    wanted = revision if revision is not None else max(review.revision, 1)
    rows = db.session.scalars(
        select(ReviewScore).where(
            ReviewScore.review_id == review.id, ReviewScore.revision == wanted
        )
    )
    return {row.criterion_id: row for row in rows}


def revisions_of(review: Review) -> list[ReviewRevision]:
    return list(
        db.session.scalars(
            select(ReviewRevision)
            .where(ReviewRevision.review_id == review.id)
            .order_by(ReviewRevision.revision)
        )
    )


def clean_comment(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if len(text) > COMMENT_MAX:
        raise DomainError(_("A comment can be at most %(n)s characters.", n=COMMENT_MAX))
    return text or None


def may_score(actor: User, review: Review) -> bool:
    """Whether ``actor`` scores the review now: their own while it is not submitted, or an
    unassigned counted one they may take (not their own interaction): ``crm/access.py``."""
    return may_change_review(actor, review)


def claim(*, actor: User, review: Review) -> None:
    """Take an unassigned review.

    :raises PermissionDenied: for one's own interaction or a review someone else has.
    """
    if not actor.can(Permission.QA_REVIEW):
        raise PermissionDenied(_("Only QA reviewers score interactions."))
    if review.agent_id == actor.id:
        raise PermissionDenied(_("Nobody reviews their own interactions."))
    if review.reviewer_id not in (None, actor.id):
        raise PermissionDenied(_("This review is assigned to someone else."))
    review.reviewer_id = actor.id
    db.session.flush()


def save_scores(
    *,
    actor: User,
    review: Review,
    values: Mapping[int, int | None],
    comments: Mapping[int, str],
    submit: bool,
    now: datetime,
) -> None:
    """Save the reviewer's values (criterion id -> value, None for N/A) as a draft, or submit
    them: then every criterion needs a rating and each failed one a comment.

    :raises DomainError: naming the criterion at fault (field ``c<id>``).
    """
    claim(actor=actor, review=review)
    if review.status not in EDITABLE_STATUSES:
        raise DomainError(_("This review was submitted; only a dispute can change it now."))
    criteria = review.scorecard_version.criteria
    known = {c.id: c for c in criteria}
    for criterion_id, value in values.items():
        if criterion_id not in known:
            raise DomainError(_("The scorecard has no such criterion."))
        if value is not None:
            scoring.credit(known[criterion_id], value)
    cleaned = {cid: clean_comment(comments.get(cid)) for cid in known}
    outcome = None
    if submit:
        outcome = scoring.score(
            review.scorecard_version.style, review.scorecard_version.pass_mark, criteria, values
        )
        for criterion in criteria:
            if scoring.fails(criterion, values[criterion.id]) and not cleaned[criterion.id]:
                raise DomainError(
                    _(
                        "%(criterion)s failed: say why in its comment.",
                        criterion=criterion.name,
                    ),
                    field=f"comment{criterion.id}",
                )
    db.session.execute(
        delete(ReviewScore).where(ReviewScore.review_id == review.id, ReviewScore.revision == 1)
    )
    db.session.add_all(
        ReviewScore(
            review_id=review.id,
            revision=1,
            criterion_id=cid,
            value=values.get(cid),
            comment=cleaned[cid],
        )
        for cid in known
        if cid in values or cleaned[cid]
    )
    if outcome is None:
        review.status = ReviewStatus.DRAFT.value
        db.session.flush()
        return
    apply_revision(review, 1, outcome, actor, now, note=None)
    review.status = ReviewStatus.SUBMITTED.value
    review.submitted_at = now
    db.session.flush()
    record(
        action=AuditAction.QA_REVIEW_SUBMITTED,
        actor=actor,
        object_type="qa_review",
        object_id=review.id,
        details={"final_score": str(outcome.final), "computed_score": str(outcome.computed)},
    )
    if review.calibration_id is None:
        notify(
            [
                {
                    "user_id": review.agent_id,
                    "kind": "qa.review",
                    "subject_type": "qa_review",
                    "subject_id": review.id,
                    "payload": {"review": review.id, "score": str(outcome.final)},
                }
            ]
        )
        assign_training(review, values, now)


def apply_revision(
    review: Review,
    revision: int,
    outcome: scoring.Outcome,
    actor: User,
    now: datetime,
    note: str | None,
) -> None:
    db.session.add(
        ReviewRevision(
            review_id=review.id,
            revision=revision,
            computed_score=outcome.computed,
            final_score=outcome.final,
            critical_failed=outcome.critical_failed,
            passed=outcome.passed,
            created_at=now,
            created_by_id=actor.id,
            note=note,
        )
    )
    review.revision = revision
    review.computed_score = outcome.computed
    review.final_score = outcome.final
    review.critical_failed = outcome.critical_failed
    review.passed = outcome.passed


def require_agent_of(actor: User, review: Review) -> None:
    if review.agent_id != actor.id or review.calibration_id is not None:
        raise PermissionDenied(_("Only the reviewed agent can do this."))


def acknowledge(*, actor: User, review: Review, now: datetime) -> None:
    """The agent has read the review and accepts it."""
    require_agent_of(actor, review)
    if review.status != ReviewStatus.SUBMITTED:
        raise DomainError(_("This review is not waiting for your answer."))
    review.status = ReviewStatus.ACKNOWLEDGED.value
    review.acknowledged_at = now
    record(
        action=AuditAction.QA_REVIEW_ACKNOWLEDGED,
        actor=actor,
        object_type="qa_review",
        object_id=review.id,
    )
    db.session.flush()

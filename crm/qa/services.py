"""Reviews from scoring to the agent's acknowledgement or dispute and the supervisor's
decision. A submitted review changes only through a decided dispute, which adds a revision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.permissions import ROLE_PERMISSIONS, Permission
from crm.database import insert_ignoring_duplicates
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.notifications.services import notify
from crm.qa import scoring
from crm.qa.models import (
    EDITABLE_STATUSES,
    Dispute,
    DisputeItem,
    DisputeStatus,
    Review,
    ReviewRevision,
    ReviewScore,
    ReviewStatus,
    TrainingAssignment,
    TrainingRule,
)
from crm.training.models import TrainingTopic

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


def dispute_of(review: Review) -> Dispute | None:
    return db.session.scalar(select(Dispute).where(Dispute.review_id == review.id))


def _clean_comment(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if len(text) > COMMENT_MAX:
        raise DomainError(_("A comment can be at most %(n)s characters.", n=COMMENT_MAX))
    return text or None


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
    cleaned = {cid: _clean_comment(comments.get(cid)) for cid in known}
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
    _apply_revision(review, 1, outcome, actor, now, note=None)
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


def _apply_revision(
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


def assign_training(review: Review, values: Mapping[int, int | None], now: datetime) -> int:
    """Apply the active training rules to a submitted review: each criterion scoring below a
    rule's threshold, or a failed critical one, assigns the rule's topic to the agent.

    :returns: how many assignments were new.
    """
    by_code = {c.code: c for c in review.scorecard_version.criteria}
    rules = db.session.scalars(
        select(TrainingRule).where(
            TrainingRule.active.is_(True), TrainingRule.criterion_code.in_(by_code)
        )
    )
    rows = []
    for rule in rules:
        criterion = by_code[rule.criterion_code]
        value = values.get(criterion.id)
        if value is None:
            continue
        share = scoring.credit(criterion, value)
        if share < Fraction(rule.below_percent) or (
            criterion.critical and scoring.fails(criterion, value)
        ):
            rows.append(
                {
                    "agent_id": review.agent_id,
                    "topic_id": rule.topic_id,
                    "review_id": review.id,
                    "criterion_code": rule.criterion_code,
                    "assigned_at": now,
                }
            )
    added = insert_ignoring_duplicates(db.session, TrainingAssignment, rows)
    if rows:
        topics = dict(
            db.session.execute(
                select(TrainingTopic.id, TrainingTopic.name).where(
                    TrainingTopic.id.in_([row["topic_id"] for row in rows])
                )
            ).all()
        )
        names = sorted({topics[row["topic_id"]] for row in rows})
        notify(
            [
                {
                    "user_id": review.agent_id,
                    "kind": "qa.training",
                    "subject_type": "qa_review",
                    "subject_id": review.id,
                    "payload": {"topic": ", ".join(names), "review": review.id},
                }
            ]
        )
    return added


def _require_agent_of(actor: User, review: Review) -> None:
    if review.agent_id != actor.id or review.calibration_id is not None:
        raise PermissionDenied(_("Only the reviewed agent can do this."))


def acknowledge(*, actor: User, review: Review, now: datetime) -> None:
    """The agent has read the review and accepts it."""
    _require_agent_of(actor, review)
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


def dispute_deadline(review: Review) -> datetime:
    return review.submitted_at + timedelta(days=current_app.config["QA_DISPUTE_DAYS"])


def open_dispute(
    *, actor: User, review: Review, items: Mapping[int, str], now: datetime
) -> Dispute:
    """Dispute chosen criteria (criterion id -> the agent's comment) within the window.

    :raises DomainError: after the window, for a review already answered, or without a
        criterion or a comment.
    """
    _require_agent_of(actor, review)
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
        comment = _clean_comment(raw)
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
    reason = _clean_comment(note)
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
        _apply_revision(review, revision, outcome, actor, now, note=reason)
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

"""Rules that close the loop with training: a failed criterion assigns a topic."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import exists, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.qa.models import TrainingRule


def _require_manager(actor: User) -> None:
    if not actor.can(Permission.QA_MANAGE):
        raise PermissionDenied(_("Only QA managers change training rules."))


def add_rule(
    *, actor: User, criterion_code: str, below_percent: Decimal, topic_id: int
) -> TrainingRule:
    """:raises DomainError: when the criterion already assigns the topic."""
    _require_manager(actor)
    if not Decimal(0) < below_percent <= Decimal(100):
        raise DomainError(
            _("The threshold must be above 0 and at most 100."), field="below_percent"
        )
    if db.session.scalar(
        select(
            exists().where(
                TrainingRule.criterion_code == criterion_code, TrainingRule.topic_id == topic_id
            )
        )
    ):
        raise DomainError(_("This criterion already assigns this topic."), field="topic_id")
    rule = TrainingRule(
        criterion_code=criterion_code, below_percent=below_percent, topic_id=topic_id
    )
    db.session.add(rule)
    db.session.flush()
    record(
        action=AuditAction.QA_TRAINING_RULE,
        actor=actor,
        object_type="qa_training_rule",
        object_id=rule.id,
        details={"criterion": criterion_code, "below": str(below_percent), "topic": topic_id},
    )
    return rule


def set_rule_active(*, actor: User, rule: TrainingRule, active: bool) -> None:
    _require_manager(actor)
    rule.active = active
    record(
        action=AuditAction.QA_TRAINING_RULE,
        actor=actor,
        object_type="qa_training_rule",
        object_id=rule.id,
        details={"active": active},
    )
    db.session.flush()

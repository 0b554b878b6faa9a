"""Logging, correcting and (for supervisors) deleting interactions.

Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.models import Customer
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Category, Channel, Direction, Interaction

#: how far ahead of now an occurrence time may be (clock skew between PCs)
_FUTURE_TOLERANCE = timedelta(minutes=5)


def _clean(
    *,
    channel: str,
    category: str,
    direction: str,
    summary: str,
    details: str | None,
    outcome: str | None,
    occurred_at: datetime,
) -> dict[str, Any]:
    if channel not in {c.value for c in Channel}:
        raise DomainError(_l("Choose a channel from the list."), field="channel")
    if category not in {c.value for c in Category}:
        raise DomainError(_l("Choose a category from the list."), field="category")
    if direction not in {d.value for d in Direction}:
        raise DomainError(_l("Choose inbound or outbound."), field="direction")
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_l("Write one line on what the contact was about."), field="summary")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be aware")
    if occurred_at > utcnow() + _FUTURE_TOLERANCE:
        raise DomainError(_l("The contact cannot be in the future."), field="occurred_at")
    return {
        "channel": channel,
        "category": category,
        "direction": direction,
        "summary": summary[:200],
        "details": (details or "").strip()[:20_000] or None,
        "outcome": (outcome or "").strip()[:200] or None,
        "occurred_at": occurred_at,
    }


def touch_last_contact(customer_id: int) -> None:
    """Keep the customer's last contact in step without bumping its edit version, so that
    logging a call never makes a colleague's open profile edit look stale. Only reached
    contacts count: an unanswered call attempt is history, not contact."""
    newest = (
        db.session.query(func.max(Interaction.occurred_at))
        .filter(
            Interaction.customer_id == customer_id,
            Interaction.deleted_at.is_(None),
            Interaction.reached.is_(True),
        )
        .scalar_subquery()
    )
    db.session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(last_contact_at=newest, updated_at=Customer.updated_at)
        .execution_options(synchronize_session=False)
    )


def log_interaction(
    *,
    actor: User,
    customer: Customer,
    channel: str,
    category: str,
    direction: str,
    summary: str,
    occurred_at: datetime,
    details: str | None = None,
    outcome: str | None = None,
    agent: User | None = None,
    duration_seconds: int | None = None,
    recording_ref: str | None = None,
    reached: bool = True,
) -> Interaction:
    """Append an interaction to a customer's history.

    :param agent: who had the contact; the actor by default. Only supervisors log contacts
        for someone else, and only for an active user.
    :param duration_seconds: a call's length, as the phone system logged it.
    :param recording_ref: where the phone system keeps the call's recording.
    :param reached: False for an attempt that did not reach the customer: it is kept in the
        history but does not move the customer's last contact.
    :raises DomainError: for invalid input or a deleted customer.
    """
    if customer.is_deleted:
        raise DomainError(_l("This customer has been deleted."))
    if agent is not None and agent.id != actor.id:
        if not actor.can(Permission.INTERACTIONS_MODERATE):
            raise PermissionDenied(_l("Only supervisors log contacts for someone else."))
        if not agent.active:
            raise DomainError(_l("This user is deactivated."), field="agent")
    values = _clean(
        channel=channel,
        category=category,
        direction=direction,
        summary=summary,
        details=details,
        outcome=outcome,
        occurred_at=occurred_at,
    )
    interaction = Interaction(
        customer_id=customer.id,
        agent_id=(agent or actor).id,
        created_by_id=actor.id,
        duration_seconds=duration_seconds,
        recording_ref=(recording_ref or "").strip()[:300] or None,
        reached=reached,
        **values,
    )
    db.session.add(interaction)
    db.session.flush()
    touch_last_contact(customer.id)
    record(
        action=AuditAction.INTERACTION_LOGGED,
        actor=actor,
        object_type="interaction",
        object_id=interaction.id,
        details={"customer": customer.id, "category": category, "summary": values["summary"]},
    )
    return interaction


def can_correct(actor: User, interaction: Interaction) -> bool:
    return actor.can(Permission.INTERACTIONS_MODERATE) or (
        actor.can(Permission.INTERACTIONS_LOG) and interaction.created_by_id == actor.id
    )


def correct_interaction(*, actor: User, interaction: Interaction, **fields: Any) -> dict[str, list]:
    """Correct an interaction; each changed field is audited with its old value.

    Only the author or a supervisor may correct, and never a deleted entry.
    :raises PermissionDenied, DomainError:
    """
    if not can_correct(actor, interaction):
        raise PermissionDenied(_l("Only the author or a supervisor can correct this entry."))
    if interaction.deleted_at is not None:
        raise DomainError(_l("A deleted entry cannot be corrected."))
    values = _clean(**fields)
    changes: dict[str, list] = {}
    for field, value in values.items():
        old = getattr(interaction, field)
        if old != value:
            changes[field] = [
                old.isoformat() if isinstance(old, datetime) else old,
                value.isoformat() if isinstance(value, datetime) else value,
            ]
            setattr(interaction, field, value)
    if not changes:
        return {}
    interaction.updated_at = utcnow()
    interaction.updated_by_id = actor.id
    db.session.flush()
    touch_last_contact(interaction.customer_id)
    record(
        action=AuditAction.INTERACTION_CORRECTED,
        actor=actor,
        object_type="interaction",
        object_id=interaction.id,
        details=changes,
    )
    return changes


def delete_interaction(*, actor: User, interaction: Interaction, reason: str) -> None:
    """Hide an interaction from the history with a reason; the row and its text stay.

    :raises PermissionDenied: unless the actor is a supervisor or admin.
    :raises DomainError: without a reason.
    """
    if not actor.can(Permission.INTERACTIONS_MODERATE):
        raise PermissionDenied(_l("Only supervisors can delete interactions."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the reason for deleting this entry."), field="reason")
    if interaction.deleted_at is not None:
        return
    interaction.deleted_at = utcnow()
    interaction.deleted_by_id = actor.id
    interaction.delete_reason = reason[:200]
    db.session.flush()
    touch_last_contact(interaction.customer_id)
    record(
        action=AuditAction.INTERACTION_DELETED,
        actor=actor,
        object_type="interaction",
        object_id=interaction.id,
        details={"customer": interaction.customer_id, "reason": interaction.delete_reason},
    )

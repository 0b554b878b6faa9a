"""Each person's notification settings: which kinds show in the app, and how each is e-mailed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.notifications.kinds import KIND_LABELS
from crm.notifications.models import EmailMode, NotificationSetting


@dataclass(frozen=True)
class KindSetting:
    kind: str
    in_app: bool
    email: str


def settings_for(user: User) -> list[KindSetting]:
    """The user's setting of every kind, the default (in the app, e-mailed at once) where they
    chose nothing."""
    chosen = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationSetting).where(NotificationSetting.user_id == user.id)
        )
    }
    return [
        KindSetting(kind, chosen[kind].in_app, chosen[kind].email)
        if kind in chosen
        else KindSetting(kind, True, EmailMode.IMMEDIATE.value)
        for kind in KIND_LABELS
    ]


def update_settings(*, actor: User, settings: Iterable[KindSetting]) -> int:
    """Store the actor's own settings (nobody sets another person's).

    :raises DomainError: for an unknown kind or e-mail mode.
    :returns: how many kinds changed.
    """
    current = {row.kind: row for row in settings_for(actor)}
    changed = 0
    changes: dict[str, list[object]] = {}
    for setting in settings:
        if setting.kind not in KIND_LABELS or setting.email not in set(EmailMode):
            raise DomainError(_("Unknown notification setting."))
        before = current[setting.kind]
        if before == setting:
            continue
        for field in ("in_app", "email"):
            if getattr(before, field) != getattr(setting, field):
                key = f"notifications.{setting.kind}.{field}"
                changes[key] = [getattr(before, field), getattr(setting, field)]
        row = db.session.scalar(
            select(NotificationSetting).where(
                NotificationSetting.user_id == actor.id, NotificationSetting.kind == setting.kind
            )
        )
        if row is None:
            row = NotificationSetting(user_id=actor.id, kind=setting.kind)
            db.session.add(row)
        row.in_app = setting.in_app
        row.email = setting.email
        changed += 1
    if changes:
        # Like a language or time zone change: who turned off which notices, and when.
        record(
            action=AuditAction.PREFERENCES_CHANGED,
            actor=actor,
            object_type="user",
            object_id=actor.id,
            details=changes,
        )
    db.session.flush()
    return changed

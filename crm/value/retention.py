"""Retention periods per kind of record, enforced by the scheduler.

Each kind is kept this many days, 0 meaning for ever; administrators change them on the value
settings page. What goes is what holds personal data and no figure of the reports counts:
notices, the line-by-line outcome of old imports (an import older than this can no longer be
undone) and the free-text details of old interactions (the interaction itself stays, so
contact counts and QA samples do not change).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update

from crm.customers.import_models import ImportBatch, ImportRow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Interaction
from crm.notifications.models import Notification
from crm.value.models import ValueSetting

DEFAULT_RETENTION_DAYS: dict[str, int] = {
    "notifications": 365,
    "import_rows": 180,
    "interaction_details": 0,
}


RETENTION_LABELS = {
    "notifications": _l("Notices (days)"),
    "import_rows": _l("Import line results (days)"),
    "interaction_details": _l("Interaction details text (days)"),
}


def retention_days() -> dict[str, int]:
    stored = db.session.get(ValueSetting, "retention")
    value = stored.value if stored is not None else {}
    return {kind: int(value.get(kind, days)) for kind, days in DEFAULT_RETENTION_DAYS.items()}


def _notifications(cutoff: datetime) -> int:
    old = Notification.created_at < cutoff
    # A digest goes with the notices folded into it, never before them.
    children = db.session.execute(
        delete(Notification).where(old, Notification.digest_id.is_not(None))
    ).rowcount
    kept_children = select(Notification.digest_id).where(Notification.digest_id.is_not(None))
    parents = db.session.execute(
        delete(Notification).where(old, Notification.id.not_in(kept_children))
    ).rowcount
    return children + parents


def _import_rows(cutoff: datetime) -> int:
    batches = select(ImportBatch.id).where(ImportBatch.created_at < cutoff)
    return db.session.execute(delete(ImportRow).where(ImportRow.batch_id.in_(batches))).rowcount


def _interaction_details(cutoff: datetime) -> int:
    return db.session.execute(
        update(Interaction)
        .where(and_(Interaction.occurred_at < cutoff, Interaction.details.is_not(None)))
        .values(details=None)
        .execution_options(synchronize_session=False)
    ).rowcount


ENFORCERS = {
    "notifications": _notifications,
    "import_rows": _import_rows,
    "interaction_details": _interaction_details,
}


def enforce_retention(now: datetime) -> int:
    """The scheduler's job: remove what has outlived its kind's period. Repeating it is
    harmless. Returns how many rows went."""
    removed = 0
    for kind, days in retention_days().items():
        if days > 0:
            removed += ENFORCERS[kind](now - timedelta(days=days))
    return removed

"""Editing this domain's settings: RFM thresholds, segment rules, retention periods.

Functions flush; the caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.value.models import SegmentRule, ValueSetting
from crm.value.retention import DEFAULT_RETENTION_DAYS, retention_days
from crm.value.rfm import thresholds


def parse_limits(raw: str, field: str) -> list[int]:
    """Four rising whole numbers, as typed: "30, 90, 180, 365".

    :raises DomainError: naming ``field``.
    """
    try:
        limits = [int(part) for part in raw.replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise DomainError(
            _l("Enter four whole numbers separated by commas."), field=field
        ) from None
    if len(limits) != 4 or limits != sorted(set(limits)) or limits[0] < 0 or limits[-1] > 10**9:
        raise DomainError(_l("Enter four rising whole numbers separated by commas."), field=field)
    return limits


def _put(key: str, value: Any) -> None:
    stored = db.session.get(ValueSetting, key)
    if stored is None:
        db.session.add(ValueSetting(key=key, value=value))
    else:
        stored.value = value


def save_thresholds(
    *, actor: User, recency: str, frequency: str, monetary: str, window_days: int
) -> None:
    """:raises PermissionDenied: unless the actor manages customers."""
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors change the value segments."))
    if not 30 <= window_days <= 3650:
        raise DomainError(_l("From 30 to 3650 days."), field="window_days")
    before = thresholds().as_json()
    after = {
        "recency_days": parse_limits(recency, "recency"),
        "frequency": parse_limits(frequency, "frequency"),
        "monetary": parse_limits(monetary, "monetary"),
        "window_days": window_days,
    }
    _put("rfm", after)
    db.session.flush()
    record(
        action=AuditAction.VALUE_SETTINGS_CHANGED,
        actor=actor,
        object_type="value_settings",
        object_id="rfm",
        details={k: [before[k], v] for k, v in after.items() if before[k] != v},
    )


def save_segment(
    *, actor: User, rule: SegmentRule, name: str, ranges: dict[str, tuple[int, int]]
) -> None:
    """Rename a segment and set its score ranges (1-5, low ≤ high).

    :raises DomainError: naming the field at fault.
    """
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors change the value segments."))
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise DomainError(_l("Give the segment a name of up to 40 characters."), field="name")
    for letter, (low, high) in ranges.items():
        if not 1 <= low <= high <= 5:
            raise DomainError(_l("Scores go from 1 to 5, the lower first."), field=letter)
    before = {
        "name": rule.name,
        **{k: [getattr(rule, f"{k}_min"), getattr(rule, f"{k}_max")] for k in "rfm"},
    }
    rule.name = name
    for letter, (low, high) in ranges.items():
        setattr(rule, f"{letter}_min", low)
        setattr(rule, f"{letter}_max", high)
    db.session.flush()
    record(
        action=AuditAction.VALUE_SETTINGS_CHANGED,
        actor=actor,
        object_type="segment_rule",
        object_id=rule.id,
        details={
            "before": before,
            "after": {"name": name, **{k: list(v) for k, v in ranges.items()}},
        },
    )


def save_retention(*, actor: User, days: dict[str, int]) -> None:
    """:raises PermissionDenied: unless the actor is an administrator."""
    if not actor.can(Permission.USERS_MANAGE):
        raise PermissionDenied(_l("Only administrators change retention periods."))
    for kind, value in days.items():
        if kind not in DEFAULT_RETENTION_DAYS or not 0 <= value <= 36500:
            raise DomainError(_l("From 0 (keep) to 36500 days."), field=kind)
    before = retention_days()
    _put("retention", {**before, **days})
    db.session.flush()
    record(
        action=AuditAction.VALUE_SETTINGS_CHANGED,
        actor=actor,
        object_type="value_settings",
        object_id="retention",
        details={k: [before[k], v] for k, v in days.items() if before[k] != v},
    )


def segment_rule_list() -> list[SegmentRule]:
    return list(db.session.scalars(select(SegmentRule).order_by(SegmentRule.position)))

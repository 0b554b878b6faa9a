"""Service targets: reading and changing them, and judging a figure against its target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.reports.models import ServiceTarget
from crm.reports.scope import KPI_KEYS, Figure


class Standing(StrEnum):
    ON_TRACK = "on_track"
    #: better than the baseline, not yet at the target
    IMPROVING = "improving"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


def all_targets() -> dict[str, ServiceTarget]:
    rows = {t.key: t for t in db.session.scalars(select(ServiceTarget))}
    return {key: rows[key] for key in KPI_KEYS if key in rows}


def display_value(figure: Figure) -> float | None:
    """The figure in the unit targets are written in: shares as percentages."""
    if figure.value is None:
        return None
    return figure.value * 100 if figure.unit == "share" else figure.value


def standing(value: float | None, target: ServiceTarget | None) -> Standing:
    if value is None or target is None:
        return Standing.NO_DATA
    goal = float(target.target)
    base = None if target.baseline is None else float(target.baseline)
    if target.direction == "higher":
        if value >= goal:
            return Standing.ON_TRACK
        return Standing.IMPROVING if base is not None and value > base else Standing.OFF_TRACK
    if value <= goal:
        return Standing.ON_TRACK
    return Standing.IMPROVING if base is not None and value < base else Standing.OFF_TRACK


def attainment(value: float | None, target: ServiceTarget) -> float | None:
    """How far from baseline to target the value has come, 0 to 1. Without a baseline, a
    higher-is-better figure counts from 0 and a lower-is-better one from twice the target."""
    if value is None:
        return None
    goal = float(target.target)
    if target.direction == "higher":
        base = 0.0 if target.baseline is None else float(target.baseline)
        span = goal - base
        progress = (value - base) / span if span > 0 else float(value >= goal)
    else:
        base = 2 * goal if target.baseline is None else float(target.baseline)
        span = base - goal
        progress = (base - value) / span if span > 0 else float(value <= goal)
    return min(1.0, max(0.0, progress))


@dataclass(frozen=True)
class TargetInput:
    key: str
    baseline: Decimal | None
    target: Decimal
    scorecard_weight: Decimal | None


def update_targets(*, actor: User, changes: list[TargetInput], now: datetime) -> int:
    """Save the administrator's targets; each change is audited with old and new values.

    :raises DomainError: for a negative number or a share above 100.
    :returns: how many targets changed.
    """
    if not actor.can(Permission.TARGETS_MANAGE):
        raise PermissionDenied(_("Only administrators set service targets."))
    targets = all_targets()
    changed = 0
    for change in changes:
        target = targets[change.key]
        numbers = [change.target, change.baseline, change.scorecard_weight]
        if any(n is not None and n < 0 for n in numbers):
            raise DomainError(_("Targets, baselines and weights cannot be negative."))
        share = change.key not in {"first_response_minutes", "complaint_hours", "qa_average"}
        if share and any(n is not None and n > 100 for n in numbers[:2]):
            raise DomainError(_("A percentage cannot exceed 100."))
        before = [target.baseline, target.target, target.scorecard_weight]
        after = [change.baseline, change.target, change.scorecard_weight]
        if before == after:
            continue
        target.baseline, target.target, target.scorecard_weight = after
        target.updated_at, target.updated_by_id = now, actor.id
        record(
            action=AuditAction.TARGETS_CHANGED,
            actor=actor,
            object_type="service_target",
            object_id=change.key,
            details={
                name: [None if old is None else str(old), None if new is None else str(new)]
                for name, old, new in zip(
                    ("baseline", "target", "scorecard_weight"), before, after, strict=True
                )
                if old != new
            },
        )
        changed += 1
    db.session.flush()
    return changed

"""Declaring and ending contingency mode, and writing the incident log.

Functions flush; the view that called them commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.cases.models import OPEN_STATUSES, Case, CaseStatus
from crm.cases.sla import restart_clock
from crm.contingency.models import Incident, IncidentEntry
from crm.contingency.queries import active_incident
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

REASON_MAX = 500
ENTRY_MAX = 5000


def _clean(text: str | None, *, field: str, limit: int, missing: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DomainError(missing, field=field)
    if len(cleaned) > limit:
        raise DomainError(_l("Keep it under %(n)d characters.", n=limit), field=field)
    return cleaned


def start_incident(*, actor: User, reason: str, now: datetime) -> Incident:
    """Turn contingency mode on: the banner shows, and every open case's SLA clock stops.

    :raises DomainError: without a reason, or while another incident is in force.
    """
    if not actor.can(Permission.CONTINGENCY_MANAGE):
        raise PermissionDenied(_l("Only administrators switch contingency mode."))
    reason = _clean(
        reason, field="reason", limit=REASON_MAX, missing=_l("Say why contingency mode is needed.")
    )
    if active_incident() is not None:
        raise DomainError(_l("Contingency mode is already on."))
    incident = Incident(reason=reason, started_at=now, started_by_id=actor.id)
    db.session.add(incident)
    db.session.flush()
    stopped = db.session.execute(
        update(Case)
        .where(Case.status.in_(OPEN_STATUSES), Case.paused_since.is_(None))
        .values(paused_since=now)
    ).rowcount
    incident.cases_paused = stopped
    db.session.add(IncidentEntry(incident_id=incident.id, at=now, author_id=actor.id, body=reason))
    db.session.flush()
    record(
        action=AuditAction.CONTINGENCY_STARTED,
        actor=actor,
        object_type="incident",
        object_id=incident.id,
        details={"reason": reason, "cases_paused": stopped},
    )
    return incident


def end_incident(*, actor: User, note: str, now: datetime) -> Incident:
    """Turn contingency mode off: each clock the incident stopped starts again, its due times
    moved on by the time it stood still. Cases waiting on the customer stay paused.

    :raises DomainError: without a closing note, or when contingency mode is off.
    """
    if not actor.can(Permission.CONTINGENCY_MANAGE):
        raise PermissionDenied(_l("Only administrators switch contingency mode."))
    note = _clean(
        note, field="note", limit=ENTRY_MAX, missing=_l("Note how the incident was resolved.")
    )
    incident = active_incident()
    if incident is None:
        raise DomainError(_l("Contingency mode is not on."))
    stopped_cases = db.session.scalars(
        select(Case).where(
            Case.status.in_(OPEN_STATUSES),
            Case.status != CaseStatus.WAITING.value,
            Case.paused_since.is_not(None),
        )
    ).all()
    for case in stopped_cases:
        restart_clock(case, now)
    incident.active = False
    incident.ended_at = now
    incident.ended_by_id = actor.id
    incident.cases_resumed = len(stopped_cases)
    db.session.add(IncidentEntry(incident_id=incident.id, at=now, author_id=actor.id, body=note))
    db.session.flush()
    record(
        action=AuditAction.CONTINGENCY_ENDED,
        actor=actor,
        object_type="incident",
        object_id=incident.id,
        details={"note": note, "cases_resumed": len(stopped_cases)},
    )
    return incident


def log_update(*, actor: User, body: str, now: datetime) -> IncidentEntry:
    """Add a line to the log of the incident in force (what is known, what was done).

    :raises DomainError: for an empty line, or when contingency mode is off.
    """
    if not actor.can(Permission.CONTINGENCY_VIEW):
        raise PermissionDenied(_l("Your role does not see the incident log."))
    body = _clean(body, field="body", limit=ENTRY_MAX, missing=_l("Write the update."))
    incident = active_incident()
    if incident is None:
        raise DomainError(_l("Contingency mode is not on."))
    entry = IncidentEntry(incident_id=incident.id, at=now, author_id=actor.id, body=body)
    db.session.add(entry)
    db.session.flush()
    return entry

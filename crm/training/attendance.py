"""Attendance of a training session: the grid, and "all present" for the usual case."""

from __future__ import annotations

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.training.models import Attendance, TrainingSession
from crm.training.services import RowErrors, require_owner


def record_attendance(
    *, actor: User, session: TrainingSession, marks: dict[int, tuple[str, str | None]]
) -> int:
    """Save the attendance grid: user id -> (attendance, absence reason). All rows or none.

    :raises RowErrors: for an unknown value, a missing reason for an absence, or someone not
        invited to the session.
    """
    require_owner(actor, session)
    by_user = {p.user_id: p for p in session.participants}
    errors: dict[int, str] = {}
    for user_id, (attendance, reason) in marks.items():
        if user_id not in by_user:
            errors[user_id] = str(_l("Not invited to this session."))
        elif attendance not in {a.value for a in Attendance}:
            errors[user_id] = str(_l("Choose present, late or absent."))
        elif attendance == Attendance.ABSENT and not (reason or "").strip():
            errors[user_id] = str(_l("Give the reason for the absence."))
    if errors:
        raise RowErrors(errors)
    changed = 0
    for user_id, (attendance, reason) in marks.items():
        participant = by_user[user_id]
        reason = (reason or "").strip()[:200] if attendance == Attendance.ABSENT else None
        if (participant.attendance, participant.absence_reason) != (attendance, reason):
            participant.attendance, participant.absence_reason = attendance, reason
            changed += 1
    db.session.flush()
    if changed:
        record(
            action=AuditAction.TRAINING_ATTENDANCE,
            actor=actor,
            object_type="training_session",
            object_id=session.id,
            details={"changed": changed},
        )
    return changed


def mark_all_present(*, actor: User, session: TrainingSession) -> int:
    """Mark everyone not marked yet as present and return how many; those marked late or
    absent keep their mark (and reason), so the trainer can note the exceptions first.

    :raises PermissionDenied: when ``actor`` does not run the session.
    """
    require_owner(actor, session)
    unmarked = [p for p in session.participants if p.attendance == Attendance.INVITED]
    for participant in unmarked:
        participant.attendance, participant.absence_reason = Attendance.PRESENT.value, None
    db.session.flush()
    if unmarked:
        record(
            action=AuditAction.TRAINING_ATTENDANCE,
            actor=actor,
            object_type="training_session",
            object_id=session.id,
            details={"changed": len(unmarked), "all_present": True},
        )
    return len(unmarked)

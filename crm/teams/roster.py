"""The duty roster (排班): shifts per person and day, and who is on duty at a moment.

No roster row for a person on a day means "on duty as usual": a department that keeps no
roster, or forgets someone, routes exactly as before. A day off (休息) or a shift that does
not cover the moment means off duty.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.teams.models import SHIFT_HOURS, RosterEntry, Shift, TeamMember
from crm.timezones import department_today, department_zone


def shift_bounds(day: date, shift: str) -> tuple[datetime | None, datetime | None]:
    """The UTC start and end of ``shift`` on the department's ``day`` (None for a day off)."""
    if shift not in SHIFT_HOURS:
        return None, None
    start, end = SHIFT_HOURS[shift]
    zone = department_zone()
    starts = datetime.combine(day, start, tzinfo=zone)
    ends = datetime.combine(day if end > start else day + timedelta(days=1), end, tzinfo=zone)
    return starts.astimezone(UTC), ends.astimezone(UTC)


@dataclass(frozen=True)
class Change:
    user_id: int
    day: date
    #: a Shift value, or "" to clear the day (back to "no roster": on duty)
    shift: str


def apply_changes(*, actor: User, changes: Iterable[Change], source: str = "") -> int:
    """Write shifts; all or nothing (the caller commits once or rolls back).

    :param source: the imported file's name, kept in the audit entry ("" for the grid).
    :returns: how many days changed.
    :raises DomainError: for an unknown shift.
    """
    changes = list(changes)
    if any(c.shift and c.shift not in {s.value for s in Shift} for c in changes):
        raise DomainError(_l("Choose a shift from the list."))
    existing = {
        (row.user_id, row.day): row
        for row in db.session.scalars(
            select(RosterEntry).where(
                RosterEntry.user_id.in_({c.user_id for c in changes}),
                RosterEntry.day.in_({c.day for c in changes}),
            )
        )
    }
    changed: list[Change] = []
    for change in changes:
        row = existing.get((change.user_id, change.day))
        before = row.shift if row else ""
        if before == change.shift:
            continue
        changed.append(change)
        if not change.shift:
            db.session.delete(row)
            continue
        if row is None:
            row = RosterEntry(user_id=change.user_id, day=change.day)
            db.session.add(row)
            existing[(change.user_id, change.day)] = row
        row.shift = change.shift
        row.starts_at, row.ends_at = shift_bounds(change.day, change.shift)
        row.updated_by_id = actor.id
    db.session.flush()
    if changed:
        first = min(c.day for c in changed)
        details = {
            "days": len(changed),
            "people": sorted({c.user_id for c in changed}),
            "from": first.isoformat(),
            "to": max(c.day for c in changed).isoformat(),
        }
        record(
            action=AuditAction.ROSTER_CHANGED,
            actor=actor,
            object_type="roster",
            object_id=first.isoformat(),
            details=details | ({"file": source} if source else {}),
        )
    return len(changed)


def week_of(user_ids: Collection[int], first: date) -> dict[tuple[int, date], str]:
    """(person, day) -> shift for the seven days from ``first``."""
    return {
        (row.user_id, row.day): row.shift
        for row in db.session.scalars(
            select(RosterEntry).where(
                RosterEntry.user_id.in_(user_ids),
                RosterEntry.day.between(first, first + timedelta(days=6)),
            )
        )
    }


def off_duty(user_ids: Collection[int], now: datetime) -> set[int]:
    """Of ``user_ids``, those the roster says are not working at ``now``: rostered today
    (a day off or a shift at another time) and not in a shift that covers ``now`` (yesterday's
    late shift may run past midnight). Nobody without a roster row for today is off duty."""
    if not user_ids:
        return set()
    today = department_today(now)
    rows = db.session.execute(
        select(
            RosterEntry.user_id, RosterEntry.day, RosterEntry.starts_at, RosterEntry.ends_at
        ).where(
            RosterEntry.user_id.in_(user_ids),
            RosterEntry.day.in_([today, today - timedelta(days=1)]),
        )
    ).all()
    working = {
        user_id for user_id, _day, start, end in rows if start is not None and start <= now < end
    }
    rostered_today = {user_id for user_id, day, _start, _end in rows if day == today}
    return rostered_today - working


def off_duty_on(user_ids: Collection[int], day: date) -> set[int]:
    """Of ``user_ids``, those with a day off on ``day`` (for work due on a day, such as a
    callback, rather than at a moment)."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(RosterEntry.user_id).where(
                RosterEntry.user_id.in_(user_ids),
                RosterEntry.day == day,
                RosterEntry.shift == Shift.REST.value,
            )
        )
    )


def today_shifts(user_ids: Collection[int], now: datetime) -> dict[int, RosterEntry]:
    """Each person's roster row for today, if any."""
    today = department_today(now)
    return {
        row.user_id: row
        for row in db.session.scalars(
            select(RosterEntry).where(RosterEntry.user_id.in_(user_ids), RosterEntry.day == today)
        )
    }


def cover_for(user_id: int, day: date, fallback_id: int | None = None) -> int | None:
    """Who takes ``user_id``'s work due on ``day`` when the roster gives them the day off:
    ``fallback_id`` if they work that day, else the first active team-mate who does (by
    id); None when ``user_id`` works that day or nobody can cover."""
    teammates = list(
        db.session.scalars(
            select(TeamMember.user_id)
            .join(User, User.id == TeamMember.user_id)
            .where(
                TeamMember.team_id.in_(
                    select(TeamMember.team_id).where(TeamMember.user_id == user_id)
                ),
                TeamMember.user_id != user_id,
                User.active.is_(True),
            )
            .order_by(TeamMember.user_id)
        )
    )
    candidates = ([fallback_id] if fallback_id is not None else []) + teammates
    away = off_duty_on({user_id, *candidates}, day)
    if user_id not in away:
        return None
    return next((c for c in candidates if c not in away), None)

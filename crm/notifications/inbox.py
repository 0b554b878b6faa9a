"""A person's notices: the unread count under the bell, the list grouped by day and kind,
and marking them read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, ScalarSelect, Select, and_, func, or_, select, update

from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.kinds import DIGEST
from crm.notifications.models import Notification, NotificationSetting
from crm.pagination import keyset_position
from crm.timezones import local_day_end_utc, local_day_start_utc

#: notices a page of the list shows
PAGE_SIZE = 50

#: the bell shows "99+" beyond this; counting on would read every unread row on every page
UNREAD_BADGE_CAP = 99


def hidden_kinds(user_id: int | BindParameter[int]) -> Select:
    """The kinds the person turned off in the app, as a subquery."""
    return select(NotificationSetting.kind).where(
        NotificationSetting.user_id == user_id, NotificationSetting.in_app.is_(False)
    )


def unread_count(
    user_id: int | BindParameter[int], *, cap: int = UNREAD_BADGE_CAP
) -> ScalarSelect[int]:
    """The count of the user's unread notifications up to ``cap + 1`` (that is: more than
    cap), as a subquery: the navigation reads all its counts in one statement."""
    unread = (
        select(Notification.id)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.kind.not_in(hidden_kinds(user_id)),
        )
        .limit(cap + 1)
        .subquery()
    )
    return select(func.count()).select_from(unread).scalar_subquery()


@dataclass
class Group:
    """The notices of one kind on one day (in the reader's zone)."""

    day: date
    kind: str
    items: list[Notification]

    @property
    def unread(self) -> int:
        return sum(1 for item in self.items if item.read_at is None)


@dataclass
class Listing:
    groups: list[Group]
    #: the keyset position of the next (older) page, None on the last
    next_position: str | None
    #: the digest whose notices are listed, or None for the person's list
    digest: Notification | None


def _position(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def listing(
    user: User, zone: ZoneInfo, *, after: str | None = None, digest_id: int | None = None
) -> Listing | None:
    """A page of the user's notices, newest first, grouped by day and kind; with ``digest_id``
    the notices folded into that digest of theirs (None when it is not theirs)."""
    query = select(Notification).where(Notification.user_id == user.id)
    digest = None
    if digest_id is not None:
        digest = db.session.scalar(
            select(Notification).where(
                Notification.id == digest_id,
                Notification.user_id == user.id,
                Notification.subject_type == DIGEST,
            )
        )
        if digest is None:
            return None
        query = query.where(Notification.digest_id == digest.id)
    else:
        query = query.where(
            Notification.digest_id.is_(None), Notification.kind.not_in(hidden_kinds(user.id))
        )
    position = keyset_position(after, _position)
    if position is not None:
        # Newest first: the next page holds the rows older than the last one shown.
        last_at, last_id = position
        query = query.where(
            or_(
                Notification.created_at < last_at,
                and_(Notification.created_at == last_at, Notification.id < last_id),
            )
        )
    rows = list(
        db.session.scalars(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(
                PAGE_SIZE + 1
            )
        )
    )
    shown = rows[:PAGE_SIZE]
    next_position = None
    if len(rows) > PAGE_SIZE:
        last = shown[-1]
        next_position = f"{last.created_at.isoformat()}|{last.id}"
    return Listing(group(shown, zone), next_position, digest)


def group(items: list[Notification], zone: ZoneInfo) -> list[Group]:
    """Consecutive notices by day (in ``zone``) and kind, in the order given."""
    groups: dict[tuple[date, str], Group] = {}
    for item in items:
        day = item.created_at.astimezone(zone).date()
        found = groups.setdefault((day, item.kind), Group(day, item.kind, []))
        found.items.append(item)
    return list(groups.values())


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; another person's is left
    alone, as if it did not exist."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(
        query.values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount


def mark_group_read(user: User, *, day: date, kind: str, zone: ZoneInfo) -> int:
    """Mark the user's notices of ``kind`` on ``day`` (a day in ``zone``) read."""
    return db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.kind == kind,
            Notification.created_at >= local_day_start_utc(day, zone),
            Notification.created_at < local_day_end_utc(day, zone),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount

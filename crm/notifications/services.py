"""Creating notifications exactly once (many of a kind folded into a digest), reading them,
marking them read, and each person's settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import BindParameter, ScalarSelect, Select, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.notifications.kinds import DIGEST, KIND_LABELS
from crm.notifications.models import EmailMode, Notification, NotificationSetting
from crm.pagination import keyset_position
from crm.timezones import format_datetime, local_day_end_utc, local_day_start_utc

#: notices a page of the list shows
PAGE_SIZE = 50


def notify(rows: Iterable[dict]) -> int:
    """Add notifications given as dicts of user_id, kind, subject_type, subject_id, payload
    and (for a notice that may come again in a later window) period; one that exists already
    for that person, kind, subject and period is skipped (UNIQUE key, ON CONFLICT DO NOTHING),
    so a job may offer the same notice every run, in any number of processes.

    When a person gets more new notices of one kind than NOTIFICATION_DIGEST_THRESHOLD within
    NOTIFICATION_DIGEST_WINDOW_SECONDS, they are folded into one digest ("12 callbacks due"):
    the bell, the list and the e-mail show the digest, and the notices stay inside it.

    :returns: how many were new.
    """
    now = utcnow()
    values = [{"payload": {}, "period": "", "created_at": now, **row} for row in rows]
    if not values:
        return 0
    table = Notification.__table__
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        module.insert(table)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.user_id, table.c.kind)
    )
    new = db.session.connection().execute(statement, values).all()
    by_person_and_kind: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in new:
        by_person_and_kind[(row.user_id, row.kind)].append(row.id)
    for (user_id, kind), ids in by_person_and_kind.items():
        _fold_burst(user_id, kind, ids, now)
    return len(new)


def _fold_burst(user_id: int, kind: str, ids: list[int], now: datetime) -> None:
    """Fold a burst of one kind into a digest: notices that arrive while a digest of their
    kind is recent join it; otherwise, once more unread ones than the threshold arrived within
    NOTIFICATION_DIGEST_WINDOW_SECONDS, they become one. A window rather than one call, since
    some jobs notify case by case within a run."""
    config = current_app.config
    since = now - timedelta(seconds=config["NOTIFICATION_DIGEST_WINDOW_SECONDS"])
    mine = (
        Notification.user_id == user_id,
        Notification.kind == kind,
        Notification.created_at >= since,
    )
    digest = db.session.scalar(
        select(Notification)
        .where(*mine, Notification.subject_type == DIGEST)
        .order_by(Notification.id.desc())
        .limit(1)
    )
    if digest is None:
        burst = list(
            db.session.scalars(
                select(Notification.id).where(
                    *mine,
                    Notification.subject_type != DIGEST,
                    Notification.digest_id.is_(None),
                    Notification.read_at.is_(None),
                )
            )
        )
        if len(burst) <= config["NOTIFICATION_DIGEST_THRESHOLD"]:
            return
        ids = burst
        # Keyed by its first notice, which no other digest can fold: a repeat is impossible.
        digest = Notification(
            user_id=user_id,
            kind=kind,
            subject_type=DIGEST,
            subject_id=min(ids),
            period="",
            payload={"count": 0},
            created_at=now,
        )
        db.session.add(digest)
        db.session.flush()
    digest.payload = {"count": digest.payload["count"] + len(ids)}
    digest.read_at = None
    # Read and handled for e-mail: the digest stands for them under the bell and in the mail.
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(digest_id=digest.id, read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.email_claimed_at.is_(None))
        .values(email_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


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


def describe(notification: Notification) -> str:
    """The notice in the current language."""
    payload = notification.payload
    if notification.subject_type == DIGEST:
        return _describe_digest(notification.kind, payload["count"])
    if notification.kind == "callback.due":
        return _("Callback due %(date)s: %(customer)s", **payload)
    if notification.kind == "callback.overdue":
        return _("Overdue callback (%(date)s, %(agent)s): %(customer)s", **payload)
    if notification.kind == "case.breach_response":
        return _("Case #%(case)s missed its first-response time: %(subject)s", **payload)
    if notification.kind == "case.breach_resolution":
        return _("Case #%(case)s missed its resolution time: %(subject)s", **payload)
    if notification.kind == "case.transferred":
        return _("Case #%(case)s was transferred to you or your department: %(subject)s", **payload)
    if notification.kind == "case.assigned":
        return _("New case #%(case)s for you: %(subject)s", **payload)
    if notification.kind == "case.customer_replied":
        return _("The customer wrote on case #%(case)s: %(subject)s", **payload)
    if notification.kind == "case.mention":
        return _("%(author)s mentioned you on case #%(case)s: %(subject)s", **payload)
    if notification.kind == "call.missed":
        # The due time in the reader's zone (older notices carry it written in Shanghai's).
        due = payload.get("due", "")
        if payload.get("due_at"):
            due = format_datetime(datetime.fromisoformat(payload["due_at"]), "short")
        return _(
            "Missed call from %(caller)s: call back by %(due)s", caller=payload["caller"], due=due
        )
    if notification.kind == "case.at_risk":
        return _("Case #%(case)s is close to missing its resolution time: %(subject)s", **payload)
    if notification.kind == "case.low_score":
        return _("Low satisfaction score (%(score)s) on case #%(case)s: %(subject)s", **payload)
    if notification.kind == "certificate.expiring":
        return _("Onboarding certificate of %(agent)s expires on %(date)s", **payload)
    if notification.kind == "qa.review":
        return _("Your interaction was reviewed: %(score)s points (review #%(review)s)", **payload)
    if notification.kind == "qa.dispute":
        return _("%(agent)s disputes QA review #%(review)s", **payload)
    if notification.kind == "qa.dispute_accepted":
        return _("The dispute of QA review #%(review)s was accepted", **payload)
    if notification.kind == "qa.dispute_rejected":
        return _("The dispute of QA review #%(review)s was rejected", **payload)
    if notification.kind == "qa.training":
        return _("Training assigned after QA review #%(review)s: %(topic)s", **payload)
    if notification.kind == "plan.action_due":
        return _("Improvement action due %(date)s: how did it go? %(title)s", **payload)
    if notification.kind == "knowledge.stale":
        return _("Your article is past its review-by date (%(date)s): %(title)s", **payload)
    return notification.kind


def _describe_digest(kind: str, count: int) -> str:
    if kind == "callback.due":
        return ngettext("%(num)d callback is due", "%(num)d callbacks are due", count)
    if kind == "callback.overdue":
        return ngettext("%(num)d callback is overdue", "%(num)d callbacks are overdue", count)
    label = KIND_LABELS.get(kind, kind)
    return ngettext("%(num)d notice: %(kind)s", "%(num)d notices: %(kind)s", count, kind=label)


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

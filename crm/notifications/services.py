"""Creating notifications exactly once, many of a kind folded into a digest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from crm.database import utcnow
from crm.extensions import db
from crm.notifications.kinds import DIGEST
from crm.notifications.models import Notification


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

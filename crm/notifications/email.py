"""The e-mail jobs: each notice e-mailed at once, or gathered into one daily digest e-mail,
as its person chose for its kind; each sent exactly once however many schedulers run."""

from __future__ import annotations

import smtplib
from collections import defaultdict
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select, update

from crm.auth.models import User
from crm.database import insert_ignoring_duplicates, utcnow
from crm.extensions import db
from crm.i18n import force_locale
from crm.i18n import gettext as _
from crm.notifications.describe import describe
from crm.notifications.kinds import DIGEST
from crm.notifications.models import EmailDigest, EmailMode, Notification, NotificationSetting

EMAIL_BATCH = 100


def _claim_unsent(now: datetime) -> list[int]:
    """Mark a batch of unsent notifications as taken by this run and return their ids; a
    second scheduler running at the same moment gets the others, or none."""
    pending = select(Notification.id).where(Notification.email_claimed_at.is_(None))
    if db.session.get_bind().dialect.name == "postgresql":
        pending = pending.with_for_update(skip_locked=True)
    pending = pending.order_by(Notification.id).limit(EMAIL_BATCH)
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id.in_(pending.scalar_subquery()), Notification.email_claimed_at.is_(None)
        )
        .values(email_claimed_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return [row.id for row in claimed]


def _email_modes(user_ids: set[int]) -> dict[tuple[int, str], str]:
    rows = db.session.execute(
        select(
            NotificationSetting.user_id, NotificationSetting.kind, NotificationSetting.email
        ).where(NotificationSetting.user_id.in_(user_ids))
    )
    return {(row.user_id, row.kind): row.email for row in rows}


def send_pending_email(now: datetime) -> int:
    """The e-mail job: each notification whose person wants its kind e-mailed at once is sent
    once when SMTP is set up (CRM_SMTP_HOST) and the person has an address; the others are
    just marked handled (the daily digest picks up its kinds by itself).

    A failed send gives the notification back for the next run.
    """
    ids = _claim_unsent(now)
    if not ids or not current_app.config.get("SMTP_HOST"):
        return 0
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids), User.email.is_not(None), User.email != "")
    ).all()
    modes = _email_modes({user.id for _notification, user in rows})
    wanted = [
        (notification, user)
        for notification, user in rows
        if modes.get((user.id, notification.kind), EmailMode.IMMEDIATE.value)
        == EmailMode.IMMEDIATE.value
    ]
    if not wanted:
        return 0
    sent = 0
    with smtp_connection() as smtp:
        for notification, user in wanted:
            try:
                smtp.send_message(_message(user, [notification]))
            except smtplib.SMTPException:
                current_app.logger.exception("E-mail for notification %s failed", notification.id)
                notification.email_claimed_at = None
                continue
            notification.emailed_at = utcnow()
            sent += 1
    return sent


def send_daily_digests(now: datetime) -> int:
    """Once a day per person, from NOTIFICATION_DIGEST_HOUR in their zone: one e-mail with the
    notices of the kinds they want as a daily digest, since their previous digest (at most a
    day back). The UNIQUE (person, day) row is claimed before sending, so of two schedulers
    one sends; a failed send gives the day back for the next run.

    :returns: how many digests were sent.
    """
    if not current_app.config.get("SMTP_HOST"):
        return 0
    daily: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in db.session.execute(
        select(NotificationSetting.user_id, NotificationSetting.kind).where(
            NotificationSetting.email == EmailMode.DAILY.value
        )
    ):
        daily[user_id].add(kind)
    if not daily:
        return 0
    users = db.session.scalars(
        select(User).where(User.id.in_(daily), User.active.is_(True), User.email != "")
    ).all()
    sent = 0
    for user in users:
        local = now.astimezone(ZoneInfo(user.timezone))
        if not user.email or local.hour < current_app.config["NOTIFICATION_DIGEST_HOUR"]:
            continue
        if _send_digest(user, local.date(), daily[user.id], now):
            sent += 1
    return sent


def _send_digest(user: User, day, kinds: set[str], now: datetime) -> bool:  # noqa: ANN001
    previous = db.session.scalar(
        select(EmailDigest.created_at)
        .where(EmailDigest.user_id == user.id)
        .order_by(EmailDigest.created_at.desc())
        .limit(1)
    )
    claimed = insert_ignoring_duplicates(
        db.session, EmailDigest, [{"user_id": user.id, "day": day, "created_at": now}]
    )
    if not claimed:
        return False
    since = max(previous or now - timedelta(days=1), now - timedelta(days=1))
    notices = list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.kind.in_(kinds),
                Notification.digest_id.is_(None),
                Notification.emailed_at.is_(None),
                Notification.created_at >= since,
                Notification.created_at < now,
            )
            .order_by(Notification.created_at, Notification.id)
        )
    )
    if not notices:
        return False
    try:
        with smtp_connection() as smtp:
            smtp.send_message(_message(user, notices, daily=True))
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("Daily digest e-mail for user %s failed", user.id)
        db.session.execute(
            delete(EmailDigest).where(EmailDigest.user_id == user.id, EmailDigest.day == day)
        )
        return False
    for notice in notices:
        notice.emailed_at = utcnow()
    return True


def smtp_connection() -> smtplib.SMTP:
    """A connection to the configured SMTP server, signed in; a context manager."""
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config.get("SMTP_USER"):
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


def _lines(notification: Notification) -> list[str]:
    """The notice, and for a digest the notices it folds, one per line."""
    lines = [describe(notification)]
    if notification.subject_type == DIGEST:
        folded = db.session.scalars(
            select(Notification)
            .where(Notification.digest_id == notification.id)
            .order_by(Notification.id)
        )
        lines += ["- " + describe(item) for item in folded]
    return lines


def _message(user: User, notifications: list[Notification], *, daily: bool = False) -> EmailMessage:
    with force_locale(user.locale):
        lines = [line for notification in notifications for line in _lines(notification)]
        title = _("Your daily notifications") if daily else lines[0]
        subject = _("Service CRM") + ": " + title
    message = EmailMessage()
    message["From"] = current_app.config["SMTP_FROM"]
    message["To"] = user.email
    message["Subject"] = subject
    message.set_content("\n".join(lines))
    return message

"""Creating notifications exactly once, reading them, and the e-mail job."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage

from flask import current_app, url_for
from sqlalchemy import BindParameter, ScalarSelect, func, select, update

from crm.auth.models import User
from crm.database import insert_ignoring_duplicates, utcnow
from crm.extensions import db
from crm.i18n import force_locale
from crm.i18n import gettext as _
from crm.notifications.models import Notification

EMAIL_BATCH = 100


def notify(rows: Iterable[dict]) -> int:
    """Add notifications given as dicts of user_id, kind, subject_type, subject_id, payload
    and (for a notice that may come again in a later window) period; one that exists already
    for that person, kind, subject and period is skipped (UNIQUE key, ON CONFLICT DO NOTHING),
    so a job may offer the same notice every run, in any number of processes.

    :returns: how many were new.
    """
    now = utcnow()
    values = [{"payload": {}, "period": "", "created_at": now, **row} for row in rows]
    return insert_ignoring_duplicates(db.session, Notification, values)


#: the bell shows "99+" beyond this; counting on would read every unread row on every page
UNREAD_BADGE_CAP = 99


def unread_count(
    user_id: int | BindParameter[int], *, cap: int = UNREAD_BADGE_CAP
) -> ScalarSelect[int]:
    """The count of the user's unread notifications up to ``cap + 1`` (that is: more than
    cap), as a subquery: the navigation reads all its counts in one statement."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .limit(cap + 1)
        .subquery()
    )
    return select(func.count()).select_from(unread).scalar_subquery()


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(
        query.values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount


def describe(notification: Notification) -> str:
    """The notice in the current language."""
    payload = notification.payload
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
    return notification.kind


#: subject type -> (endpoint, the keyword its URL takes the subject id as)
_LINKS = {
    "case": ("cases.show", "case_id"),
    "qa_review": ("qa.show", "review_id"),
    "callback_task": ("callbacks.task_actions", "task_id"),
}


def link(notification: Notification) -> str | None:
    """Where the notice's object is shown (None for one without a page of its own)."""
    if notification.subject_type == "certificate":
        return url_for("training.certificates")
    target = _LINKS.get(notification.subject_type)
    if target is None or not notification.subject_id:
        return None
    endpoint, keyword = target
    return url_for(endpoint, **{keyword: notification.subject_id})


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


def send_pending_email(now: datetime) -> int:
    """The e-mail job: each notification is e-mailed once to its user when SMTP is set up
    (CRM_SMTP_HOST) and the user has an address; otherwise it is just marked handled.

    A failed send gives the notification back for the next run.
    """
    ids = _claim_unsent(now)
    if not ids or not current_app.config.get("SMTP_HOST"):
        return 0
    sent = 0
    rows = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids))
    ).all()
    with _smtp() as smtp:
        for notification, user in rows:
            if not user.email:
                continue
            try:
                smtp.send_message(_message(notification, user))
            except smtplib.SMTPException:
                current_app.logger.exception("E-mail for notification %s failed", notification.id)
                notification.email_claimed_at = None
                continue
            notification.emailed_at = utcnow()
            sent += 1
    return sent


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config.get("SMTP_USER"):
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


def _message(notification: Notification, user: User) -> EmailMessage:
    with force_locale(user.locale):
        text = describe(notification)
        subject = _("Service CRM") + ": " + text
    message = EmailMessage()
    message["From"] = current_app.config["SMTP_FROM"]
    message["To"] = user.email
    message["Subject"] = subject
    message.set_content(text)
    return message

"""The outbox: every e-mail to a customer is a row written in the transaction that decided to
send it, and the scheduler's job sends it. A run claims due rows with a conditional update
(SKIP LOCKED on PostgreSQL) and commits the claim before sending, so two schedulers never send
one mail twice; each mail is marked sent in its own commit right after the SMTP server took it.
A scheduler killed between those two moments leaves a claim that another takes over after
CLAIM_LEASE and sends again, with the same Message-ID, by which mail programs drop the repeat.
A failed send is retried with doubling waits, and after OUTBOX_MAX_ATTEMPTS it is shown as
failed on its case.

Each mail carries its own Message-ID, In-Reply-To and References, so the customer's mail
program threads it and the customer's answer finds its case again (``inbound.py``).
"""

from __future__ import annotations

import re
import smtplib
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, or_, select, update

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.channels.attachments import path_of
from crm.channels.models import CaseAttachment, CaseMessage, OutboundMail, OutboundState
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.email import smtp_connection

OUTBOX_BATCH = 50
#: a claim older than this belongs to a scheduler that died mid-send
CLAIM_LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=2)
#: the case number in a subject: "[#123]"
CASE_TAG = re.compile(r"\[#(\d{1,12})\]")


def mail_domain() -> str:
    return current_app.config["MAIL_ADDRESS"].rpartition("@")[2] or "localhost"


def new_message_id(case_id: int | None) -> str:
    return f"<crm.{case_id or 0}.{uuid.uuid4().hex}@{mail_domain()}>"


def tagged(subject: str, case_id: int) -> str:
    """The subject with the case number the answer is threaded by, once."""
    subject = CASE_TAG.sub("", subject).strip()
    return f"[#{case_id}] {subject}"[:300]


def thread_ids(case_id: int) -> list[str]:
    """The Message-IDs of the case's conversation so far, oldest first (the References)."""
    inbound = select(CaseMessage.message_id.label("mid"), CaseMessage.created_at.label("at")).where(
        CaseMessage.case_id == case_id, CaseMessage.message_id.is_not(None)
    )
    outbound = select(
        OutboundMail.message_id.label("mid"), OutboundMail.created_at.label("at")
    ).where(OutboundMail.case_id == case_id)
    rows = db.session.execute(inbound.union_all(outbound).order_by("at")).all()
    return [row.mid for row in rows]


def queue_mail(
    *,
    case_id: int | None,
    kind: str,
    to_address: str,
    subject: str,
    body: str,
    now: datetime,
    case_message_id: int | None = None,
    automatic: bool = False,
    message_id: str | None = None,
) -> OutboundMail | None:
    """Queue an e-mail to a customer, threaded into its case's conversation.

    :param automatic: sent without a person deciding (acknowledgements); refused (None) when
        AUTO_MAILS_PER_HOUR automatic mails went to this address in the last hour, so that a
        loop with another robot stops.
    """
    to_address = to_address.strip().lower()
    if (
        automatic
        and automatic_mails_last_hour(to_address, now)
        >= (current_app.config["AUTO_MAILS_PER_HOUR"])
    ):
        current_app.logger.warning("Automatic mail to %s held back: loop protection", to_address)
        return None
    references = thread_ids(case_id) if case_id else []
    mail = OutboundMail(
        case_id=case_id,
        case_message_id=case_message_id,
        kind=kind,
        automatic=automatic,
        to_address=to_address,
        subject=tagged(subject, case_id) if case_id else subject[:300],
        body_text=body,
        message_id=message_id or new_message_id(case_id),
        in_reply_to=_last_inbound(case_id) if case_id else None,
        references=" ".join(references[-20:]) or None,
        state=OutboundState.PENDING.value,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def automatic_mails_last_hour(address: str, now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboundMail)
        .where(
            OutboundMail.to_address == address,
            OutboundMail.automatic.is_(True),
            OutboundMail.created_at > now - timedelta(hours=1),
        )
    )


def _last_inbound(case_id: int) -> str | None:
    return db.session.scalar(
        select(CaseMessage.message_id)
        .where(CaseMessage.case_id == case_id, CaseMessage.message_id.is_not(None))
        .where(CaseMessage.author_id.is_(None))
        .order_by(CaseMessage.created_at.desc(), CaseMessage.id.desc())
        .limit(1)
    )


def _claim(now: datetime) -> list[int]:
    due = select(OutboundMail.id).where(
        OutboundMail.state == OutboundState.PENDING.value,
        OutboundMail.next_attempt_at <= now,
        or_(OutboundMail.claimed_at.is_(None), OutboundMail.claimed_at < now - CLAIM_LEASE),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    due = due.order_by(OutboundMail.next_attempt_at, OutboundMail.id).limit(OUTBOX_BATCH)
    claimed = db.session.execute(
        update(OutboundMail)
        .where(
            OutboundMail.id.in_(due.scalar_subquery()),
            OutboundMail.state == OutboundState.PENDING.value,
            or_(OutboundMail.claimed_at.is_(None), OutboundMail.claimed_at < now - CLAIM_LEASE),
        )
        .values(claimed_at=now)
        .returning(OutboundMail.id)
        .execution_options(synchronize_session=False)
    )
    ids = [row.id for row in claimed]
    # The claim is committed before anything is sent: a second scheduler sees it at once.
    db.session.commit()
    return ids


def build_message(mail: OutboundMail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    address = config["MAIL_ADDRESS"]
    message["From"] = address
    message["Reply-To"] = address
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        message["References"] = mail.references
    # Our own acknowledgements must not set off the customer's robot, nor ours.
    message["Auto-Submitted"] = "auto-replied" if mail.automatic else "no"
    message.set_content(mail.body_text)
    if mail.case_message_id:
        for attachment in db.session.scalars(
            select(CaseAttachment).where(CaseAttachment.message_id == mail.case_message_id)
        ):
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                path_of(attachment).read_bytes(),
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
            )
    return message


def send_outbox(now: datetime) -> int:
    """The outbox job: send what is due. Returns how many were sent."""
    if not current_app.config.get("SMTP_HOST"):
        return 0
    ids = _claim(now)
    if not ids:
        return 0
    try:
        connection = smtp_connection()
    except (smtplib.SMTPException, OSError) as error:
        for mail_id in ids:
            mail = db.session.get(OutboundMail, mail_id)
            _failed(mail, error, now)
            mail.claimed_at = None
        db.session.commit()
        return 0
    sent = 0
    with connection as smtp:
        for mail_id in ids:
            mail = db.session.get(OutboundMail, mail_id)
            try:
                smtp.send_message(build_message(mail))
            except (smtplib.SMTPException, OSError) as error:
                _failed(mail, error, now)
            else:
                mail.state = OutboundState.SENT.value
                mail.sent_at = utcnow()
                mail.attempts += 1
                sent += 1
            mail.claimed_at = None
            db.session.commit()
    return sent


def _failed(mail: OutboundMail, error: Exception, now: datetime) -> None:
    mail.attempts += 1
    mail.last_error = str(error)[:500]
    if mail.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        mail.state = OutboundState.FAILED.value
        current_app.logger.error("E-mail %s given up after %s tries", mail.id, mail.attempts)
    else:
        wait = min(FIRST_RETRY * 2 ** (mail.attempts - 1), MAX_RETRY)
        mail.next_attempt_at = now + wait


def retry(*, actor: User, mail: OutboundMail, now: datetime) -> None:
    """Send a failed mail again (an agent's button on the case); the log says who asked."""
    if mail.state != OutboundState.FAILED.value:
        return
    mail.state = OutboundState.PENDING.value
    mail.attempts = 0
    mail.next_attempt_at = now
    record(
        action=AuditAction.CASE_UPDATED,
        actor=actor,
        object_type="case",
        object_id=mail.case_id,
        details={"resent": mail.to_address},
    )
    db.session.flush()

"""The mail job against a real Dovecot on loopback: new messages taken in once, marked on the
server, a broken one set aside without holding up the others."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import func, select

from crm.cases.models import Case
from crm.channels import email_in
from crm.channels.imap import FAILED, PROCESSED, fetch_mail
from crm.channels.models import CaseAttachment, CaseMessage, InboundReceipt
from crm.database import utcnow
from crm.extensions import db
from crm.scheduler import JOBS, run_job
from tests.channels.mails import encoded_word, raw_mail
from tests.channels.test_email_parse import gb2312_mail_with_attachment


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_messages_are_taken_in_once_and_marked_without_being_marked_read(
    app_with, imap_mailbox
) -> None:
    imap_mailbox.append(gb2312_mail_with_attachment())
    imap_mailbox.append(raw_mail(subject="打印机坏了", sender="wang@example.cn"))
    imap_mailbox.append(raw_mail(headers={"Auto-Submitted": "auto-replied"}))
    app = app_with(**imap_mailbox.config)
    with app.app_context():
        assert fetch_mail(utcnow()) == 3
        assert count(Case) == 2 and count(CaseAttachment) == 1
        assert count(InboundReceipt) == 3
        subjects = set(db.session.scalars(select(Case.subject)))
        assert subjects == {"订单未到货", "打印机坏了"}
        # A second run finds nothing new.
        assert fetch_mail(utcnow()) == 0
        assert count(InboundReceipt) == 3
    assert imap_mailbox.flags() == [{PROCESSED}] * 3  # and not \Seen: people still see it new


def test_a_repeat_after_a_crash_before_the_keyword_is_harmless(app_with, imap_mailbox) -> None:
    """The keyword is set after the commit; a message read again is dropped by Message-ID."""
    mail = raw_mail(subject="重复")
    imap_mailbox.append(mail)
    imap_mailbox.append(mail)  # as if the first copy's keyword never reached the server
    app = app_with(**imap_mailbox.config)
    with app.app_context():
        assert fetch_mail(utcnow()) == 2
        assert count(Case) == count(CaseMessage) == 1


def test_a_broken_message_is_set_aside_and_the_others_go_on(
    app_with, imap_mailbox, monkeypatch
) -> None:
    imap_mailbox.append(raw_mail(subject="first"))
    imap_mailbox.append(b"this is no e-mail at all\r\n")
    too_big = EmailMessage()
    too_big["From"] = "a@example.cn"
    too_big["Subject"] = "huge"
    too_big.set_content("x" * 50_000)
    imap_mailbox.append(too_big)
    imap_mailbox.append(raw_mail(subject=encoded_word("最后一封", "gbk"), sender="c@example.cn"))
    monkeypatch.setattr(email_in, "MESSAGE_MAX_BYTES", 20_000)
    app = app_with(**imap_mailbox.config)
    with app.app_context():
        assert fetch_mail(utcnow()) == 2
        assert set(db.session.scalars(select(Case.subject))) == {"first", "最后一封"}
        assert fetch_mail(utcnow()) == 0  # the broken ones are not tried again and again
    assert imap_mailbox.flags() == [{PROCESSED}, {FAILED}, {FAILED}, {PROCESSED}]


def test_the_scheduler_runs_the_mail_job(app_with, imap_mailbox) -> None:
    job = next(job for job in JOBS if job.name == "channels.fetch_mail")
    assert job.every_seconds == 60
    imap_mailbox.append(raw_mail(subject="from the scheduler"))
    app = app_with(**imap_mailbox.config)
    assert run_job(app, job) == 1
    with app.app_context():
        assert db.session.scalar(select(Case.subject)) == "from the scheduler"


def test_no_mailbox_configured_reads_nothing(app) -> None:
    with app.app_context():
        assert fetch_mail(utcnow()) == 0


def test_a_wrong_password_fails_the_run_and_marks_nothing(app_with, imap_mailbox) -> None:
    imap_mailbox.append(raw_mail())
    app = app_with(**(imap_mailbox.config | {"IMAP_PASSWORD": "wrong"}))
    job = next(job for job in JOBS if job.name == "channels.fetch_mail")
    assert run_job(app, job) is None  # logged; tried again at the next turn
    assert imap_mailbox.flags() == [set()]

"""The e-mail story of issue 23 against real servers on loopback (Dovecot, aiosmtpd): a GB2312
mail with an encoded-word subject and an attachment opens a case for its customer; the agent's
reply reaches the customer threaded; the customer's answer lands in the same case; an
auto-reply to the acknowledgement creates and sends nothing; the same mail twice is one entry."""

from __future__ import annotations

import base64

from sqlalchemy import func, select

from crm.cases.models import Case
from crm.channels.imap import fetch_mail
from crm.channels.models import CaseAttachment, CaseMessage, OutboundMail
from crm.channels.outbox import send_outbox
from crm.channels.thread import reply
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_user

SUBJECT = "=?gb2312?B?" + base64.b64encode("发票开错了".encode("gb2312")).decode() + "?="
NAME = "=?gb2312?B?" + base64.b64encode("发票.pdf".encode("gb2312")).decode() + "?="


def gb2312_mail() -> bytes:
    body = "你好，发票抬头开错了，请重开。".encode("gb2312")
    pdf = base64.b64encode(b"%PDF-1.4 invoice").decode()
    return (
        (
            "From: =?gb2312?B?"
            + base64.b64encode("王芳".encode("gb2312")).decode()
            + "?= <wang.fang@example.cn>\r\n"
            "To: help@crm.example\r\n"
            f"Subject: {SUBJECT}\r\n"
            "Message-ID: <first.gb2312@mail.example.cn>\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\n"
            "Content-Type: text/plain; charset=gb2312\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode("ascii")
        + body
        + (
            "\r\n--b1\r\n"
            f'Content-Type: application/pdf; name="{NAME}"\r\n'
            f'Content-Disposition: attachment; filename="{NAME}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{pdf}\r\n--b1--\r\n"
        ).encode("ascii")
    )


def answer_to(mail, *, auto: bool = False, message_id: str) -> bytes:
    headers = [
        "From: wang.fang@example.cn",
        "To: help@crm.example",
        f"Subject: Re: {mail['Subject']}",
        f"Message-ID: {message_id}",
        f"In-Reply-To: {mail['Message-ID']}",
        f"References: {mail['References'] or ''} {mail['Message-ID']}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if auto:
        headers.append("Auto-Submitted: auto-replied")
    text = "我外出了，下周回来。"
    if not auto:
        text = "公司全称：上海某某科技有限公司\n\n> 请回复正确的公司全称"
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + text.encode()


def test_the_mail_story(app_with, imap_mailbox, smtp_sink) -> None:
    app = app_with(**imap_mailbox.config, **smtp_sink.config, MAIL_ADDRESS="help@crm.example")
    with app.app_context():
        agent = make_user(username="mail.agent", roles=["agent"])
        customer = make_customer(actor=agent, name="王芳", email="wang.fang@example.cn")
        db.session.commit()
        imap_mailbox.append(gb2312_mail())
        assert fetch_mail(utcnow()) == 1
        db.session.commit()
        case = db.session.scalars(select(Case)).one()
        assert (case.customer_id, case.subject, case.origin) == (customer.id, "发票开错了", "email")
        first = db.session.scalars(select(CaseMessage)).one()
        assert "发票抬头开错了" in first.body_text and first.sender_name == "王芳"
        attachment = db.session.scalars(select(CaseAttachment)).one()
        assert (attachment.filename, attachment.content_type) == ("发票.pdf", "application/pdf")

        case.assignee_id = agent.id
        reply(actor=agent, case=case, body="请回复正确的公司全称。", now=utcnow())
        db.session.commit()
        assert send_outbox(utcnow()) == 2  # the acknowledgement and the reply
        sent = smtp_sink.wait_for(2)
        ack = next(m for m in sent if m["Auto-Submitted"] == "auto-replied")
        answer = next(m for m in sent if m["Auto-Submitted"] == "no")
        assert answer["In-Reply-To"] == "<first.gb2312@mail.example.cn>"
        assert "<first.gb2312@mail.example.cn>" in answer["References"]
        assert answer["Subject"] == f"[#{case.id}] 发票开错了"

        imap_mailbox.append(answer_to(answer, message_id="<second@mail.example.cn>"))
        imap_mailbox.append(answer_to(ack, auto=True, message_id="<away@mail.example.cn>"))
        # The first mail again (a second delivery, a copy in another folder): one entry.
        imap_mailbox.append(gb2312_mail())
        assert fetch_mail(utcnow()) == 3
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1
        bodies = db.session.scalars(
            select(CaseMessage.body_text).where(CaseMessage.kind == "inbound")
        ).all()
        assert len(bodies) == 2 and "上海某某科技有限公司" in bodies[1]
        assert send_outbox(utcnow()) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 2
    assert len(smtp_sink.messages) == 2

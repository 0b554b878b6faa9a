"""The outbox against a real SMTP server (aiosmtpd on loopback): threading headers, retries
with backoff, failures shown, and two real scheduler processes sending each mail once."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm.cases.models import Case
from crm.channels.inbound import InboundMessage, receive
from crm.channels.models import OutboundMail
from crm.channels.outbox import send_outbox
from crm.channels.thread import reply
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_user

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink():
    inbox = Sink()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def incoming(**fields) -> InboundMessage:
    values = {
        "channel": "email",
        "external_id": f"<{uuid.uuid4().hex}@mail.example.cn>",
        "subject": "退款进度",
        "body_text": "请问退款到哪一步了？",
        "received_at": utcnow(),
        "sender_address": "li@example.cn",
        "sender_name": "李女士",
    }
    values.update(fields)
    return InboundMessage(**values)


@pytest.fixture
def case(ctx):
    agent = make_user(username="agent.mail", roles=["agent"])
    make_customer(actor=agent, name="李女士", email="li@example.cn")
    opening = incoming()
    found = db.session.get(Case, receive(opening).case)
    found.assignee_id = agent.id
    db.session.commit()
    return found, agent, opening


def test_the_acknowledgement_and_a_reply_arrive_threaded(case, sink, ctx) -> None:
    found, agent, opening = case
    inbox, port = sink
    ctx.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_ADDRESS="help@crm.example")
    reply(actor=agent, case=found, body="已退款，预计三天到账。", now=utcnow())
    db.session.commit()
    assert send_outbox(utcnow()) == 2
    assert send_outbox(utcnow()) == 0
    ack, answer = sorted(inbox.messages, key=lambda m: m["Auto-Submitted"] != "auto-replied")
    assert ack["Auto-Submitted"] == "auto-replied"
    assert answer["Auto-Submitted"] == "no"
    assert answer["To"] == "li@example.cn" and answer["Reply-To"] == "help@crm.example"
    assert answer["Subject"] == f"[#{found.id}] 退款进度"
    assert answer["In-Reply-To"] == opening.external_id
    assert opening.external_id in answer["References"] and ack["Message-ID"] in answer["References"]
    assert "三天到账" in answer.get_content()
    assert answer["Message-ID"].endswith("@crm.example>")


def test_a_failing_server_is_retried_with_growing_waits_then_shown(case, ctx) -> None:
    ctx.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), OUTBOX_MAX_ATTEMPTS=3)
    mail = db.session.scalars(select(OutboundMail)).one()
    now = utcnow()
    assert send_outbox(now) == 0
    db.session.refresh(mail)
    assert (mail.state, mail.attempts) == ("pending", 1)
    first_wait = mail.next_attempt_at - now
    assert send_outbox(now) == 0  # not due yet: nothing tried
    assert mail.attempts == 1
    later = mail.next_attempt_at
    send_outbox(later)
    db.session.refresh(mail)
    assert mail.attempts == 2 and mail.next_attempt_at - later > first_wait
    send_outbox(mail.next_attempt_at)
    db.session.refresh(mail)
    assert (mail.state, mail.attempts) == ("failed", 3) and mail.last_error


SEND = """
import sys
from config import TestConfig
from crm import create_app
from crm.scheduler import JOBS, run_job

url, port = sys.argv[1], int(sys.argv[2])
app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url, SMTP_HOST="127.0.0.1", SMTP_PORT=port))
job = next(job for job in JOBS if job.name == "channels.send_outbox")
for _ in range(5):
    assert run_job(app, job) is not None
"""


def test_two_scheduler_processes_send_each_mail_once(app, database_url, sink) -> None:
    inbox, port = sink
    with app.app_context():
        agent = make_user(username="agent.two", roles=["agent"])
        for number in range(30):
            receive(incoming(sender_address=f"c{number}@example.cn"))
        db.session.commit()
        assert agent.id
    runs = [
        subprocess.Popen(  # noqa: S603 - our own script and test arguments
            [sys.executable, "-c", SEND, database_url, str(port)], cwd=ROOT, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for run in runs:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    ids = [message["Message-ID"] for message in inbox.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    with app.app_context():
        states = db.session.scalars(select(OutboundMail.state)).all()
    assert states == ["sent"] * 30


def test_a_claim_left_by_a_dead_scheduler_is_taken_over(case, sink, ctx) -> None:
    inbox, port = sink
    ctx.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    mail = db.session.scalars(select(OutboundMail)).one()
    mail.claimed_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert send_outbox(utcnow()) == 0  # another scheduler may still be sending it
    assert send_outbox(utcnow() + timedelta(minutes=10)) == 1
    assert len(inbox.messages) == 1

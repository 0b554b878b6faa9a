"""The e-mail jobs follow each person's settings: at once, in one daily digest (exactly once
per person and day), or never; a digest of many notices is one e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from sqlalchemy import select

from crm.extensions import db
from crm.notifications import email
from crm.notifications.models import EmailDigest
from crm.notifications.preferences import KindSetting, update_settings
from tests.factories import make_user
from tests.notifications.helpers import case_notice, due_callbacks

#: 09:00 in Shanghai, past the digest hour
MORNING = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


class Outbox:
    """Stands in for the SMTP connection and keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass

    def send_message(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def bodies(self) -> list[str]:
        return [message.get_content() for message in self.sent]


@pytest.fixture
def outbox(ctx, monkeypatch) -> Outbox:
    box = Outbox()
    ctx.config["SMTP_HOST"] = "smtp.example"
    monkeypatch.setattr(email, "smtp_connection", lambda: box)
    return box


def _agent(**settings: str):
    agent = make_user(email="agent@example.com")
    update_settings(
        actor=agent,
        settings=[KindSetting(kind, in_app=True, email=mode) for kind, mode in settings.items()],
    )
    return agent


def test_immediate_notices_are_sent_once(outbox) -> None:
    agent = _agent()
    case_notice(agent.id, 7)
    assert email.send_pending_email(MORNING) == 1
    assert email.send_pending_email(MORNING) == 0
    (message,) = outbox.sent
    assert message["To"] == "agent@example.com"
    assert "#7" in message["Subject"]


def test_a_kind_set_to_no_email_is_not_sent(outbox) -> None:
    agent = _agent(**{"case.transferred": "off"})
    case_notice(agent.id, 7)
    due_callbacks(agent.id, 1)
    assert email.send_pending_email(MORNING) == 1
    assert "张三" in outbox.bodies()[0]


def test_a_digest_of_many_is_one_email_listing_them(outbox) -> None:
    agent = _agent()
    due_callbacks(agent.id, 12, customer="李四")
    assert email.send_pending_email(MORNING) == 1
    (body,) = outbox.bodies()
    assert body.startswith("12 个回访已到期")
    assert body.count("李四") == 12


def test_daily_kinds_wait_for_the_digest_sent_once_a_day(outbox) -> None:
    agent = _agent(**{"case.transferred": "daily"})
    with time_machine.travel(MORNING - timedelta(hours=12), tick=False):
        case_notice(agent.id, 1)
        case_notice(agent.id, 2)
    assert email.send_pending_email(MORNING) == 0
    assert outbox.sent == []
    # Before the hour (07:00 in Shanghai) nothing goes.
    assert email.send_daily_digests(MORNING - timedelta(hours=2)) == 0
    assert email.send_daily_digests(MORNING) == 1
    assert email.send_daily_digests(MORNING + timedelta(hours=1)) == 0
    (message,) = outbox.sent
    assert "每日" in message["Subject"]
    assert "#1" in message.get_content() and "#2" in message.get_content()
    # The next day brings only what came since.
    with time_machine.travel(MORNING + timedelta(hours=3), tick=False):
        case_notice(agent.id, 3)
    assert email.send_daily_digests(MORNING + timedelta(days=1)) == 1
    latest = outbox.bodies()[-1]
    assert "#3" in latest and "#1" not in latest


def test_two_schedulers_send_one_daily_digest(outbox, app_with) -> None:
    agent = _agent(**{"case.transferred": "daily"})
    with time_machine.travel(MORNING - timedelta(hours=1), tick=False):
        case_notice(agent.id, 1)
    db.session.commit()
    # Read before entering the other app: inside it, loading this expired object would check a
    # connection out of the other app's engine into this test's session.
    agent_id = agent.id
    other = app_with(SMTP_HOST="smtp.example")
    with other.app_context():
        # The other process claimed the day first.
        db.session.add(EmailDigest(user_id=agent_id, day=MORNING.date(), created_at=MORNING))
        db.session.commit()
    assert email.send_daily_digests(MORNING) == 0
    assert outbox.sent == []
    assert len(db.session.scalars(select(EmailDigest)).all()) == 1


def test_a_failed_digest_gives_the_day_back(ctx, monkeypatch) -> None:
    import smtplib

    class Broken(Outbox):
        def send_message(self, message: EmailMessage) -> None:
            raise smtplib.SMTPException("down")

    ctx.config["SMTP_HOST"] = "smtp.example"
    monkeypatch.setattr(email, "smtp_connection", Broken)
    agent = _agent(**{"case.transferred": "daily"})
    with time_machine.travel(MORNING - timedelta(hours=1), tick=False):
        case_notice(agent.id, 1)
    assert email.send_daily_digests(MORNING) == 0
    assert db.session.scalars(select(EmailDigest)).all() == []
    box = Outbox()
    monkeypatch.setattr(email, "smtp_connection", lambda: box)
    assert email.send_daily_digests(MORNING + timedelta(minutes=10)) == 1


def test_without_smtp_nothing_is_claimed_for_the_day(ctx) -> None:
    agent = _agent(**{"case.transferred": "daily"})
    case_notice(agent.id, 1)
    assert email.send_daily_digests(MORNING) == 0
    assert db.session.scalars(select(EmailDigest)).all() == []

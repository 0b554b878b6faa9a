"""The one way in (receive), the conversation agents write (replies, notes, mentions), routing
and the customer said by an agent: called directly, as every channel calls them."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.cases.arrivals import link_customer
from crm.cases.models import Case, CaseStatus
from crm.cases.routing import set_routing
from crm.channels.attachments import clean_filename
from crm.channels.inbound import InboundAttachment, InboundMessage, receive
from crm.channels.models import CaseAttachment, CaseMessage, InboundReceipt, OutboundMail
from crm.channels.thread import Upload, add_note, mentioned_outside, reply, thread
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.notifications.models import Notification
from tests.factories import make_customer, make_user


def email(sender: str = "wang@example.cn", **fields) -> InboundMessage:
    values = {
        "channel": "email",
        "external_id": f"<{uuid.uuid4().hex}@example.cn>",
        "subject": "打印机无法连接",
        "body_text": "您好，打印机连不上网络。",
        "received_at": utcnow(),
        "sender_address": sender,
        "sender_name": "王先生",
    }
    values.update(fields)
    return InboundMessage(**values)


@pytest.fixture
def people(ctx):
    boss = make_user(username="boss", roles=["supervisor"])
    first = make_user(username="agent.a", roles=["agent"])
    second = make_user(username="agent.b", roles=["agent"])
    set_routing(
        actor=boss, department="service", mode="round_robin", agent_ids={first.id, second.id}
    )
    customer = make_customer(actor=boss, name="王先生", email="wang@example.cn")
    db.session.commit()
    return boss, first, second, customer


def test_a_mail_from_a_customer_opens_a_routed_case_and_is_acknowledged(people) -> None:
    _boss, first, _second, customer = people
    arrived = utcnow() - timedelta(minutes=3)
    result = receive(email(received_at=arrived))
    case = db.session.get(Case, result.case)
    assert (result.created, result.customer, result.ignored) == (True, customer.id, None)
    assert case.origin == "email" and case.assignee_id == first.id
    assert case.opened_at == arrived  # the clocks run from arrival, not from when it was read
    assert case.interaction_id is not None
    ack = db.session.scalars(select(OutboundMail).where(OutboundMail.case_id == case.id)).one()
    assert ack.kind == "ack" and ack.automatic and ack.to_address == "wang@example.cn"
    assert ack.subject.startswith(f"[#{case.id}] ")
    assert "/status/" in ack.body_text and ack.in_reply_to == case_message_ids(case)[0]
    assert (
        db.session.scalar(select(Notification.kind).where(Notification.user_id == first.id))
        == "case.assigned"
    )


def case_message_ids(case: Case) -> list[str]:
    return list(
        db.session.scalars(select(CaseMessage.message_id).where(CaseMessage.case_id == case.id))
    )


def test_the_same_message_twice_is_one_entry(people) -> None:
    message = email()
    first = receive(message)
    again = receive(email(external_id=message.external_id, body_text="different"))
    assert again.case == first.case and again.created is False
    assert db.session.scalar(select(func.count()).select_from(CaseMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 1


def test_round_robin_takes_turns(people) -> None:
    _boss, first, second, _customer = people
    owners = [db.session.get(Case, receive(email()).case).assignee_id for _ in range(4)]
    assert owners == [first.id, second.id, first.id, second.id]


def test_least_open_work_and_manual_routing(people) -> None:
    boss, first, second, _customer = people
    set_routing(
        actor=boss, department="service", mode="least_open", agent_ids={first.id, second.id}
    )
    receive(email())  # first (both have none: the lower id)
    assert db.session.get(Case, receive(email()).case).assignee_id == second.id
    set_routing(actor=boss, department="service", mode="manual", agent_ids={first.id})
    assert db.session.get(Case, receive(email()).case).assignee_id is None


def test_routing_refuses_non_agents(people) -> None:
    boss, _first, _second, _customer = people
    with pytest.raises(DomainError):
        set_routing(actor=boss, department="service", mode="round_robin", agent_ids={boss.id})


def test_no_or_several_matching_customers_are_said_not_guessed(people) -> None:
    boss, _first, _second, customer = people
    unknown = db.session.get(Case, receive(email("nobody@example.cn")).case)
    assert unknown.customer_id is None and unknown.customer_match == "none"
    make_customer(actor=boss, name="另一个王", email="WANG@example.cn")
    several = db.session.get(Case, receive(email()).case)
    assert several.customer_id is None and several.customer_match == "several"
    assert several.interaction_id is None  # no contact for nobody's case
    link_customer(actor=boss, case=several, customer=customer, now=utcnow())
    assert several.customer_id == customer.id and several.customer_match is None
    contact = db.session.get(Interaction, several.interaction_id)
    # The contact is the assignee's, who works the case, not the supervisor's who linked it.
    assert (contact.customer_id, contact.channel) == (customer.id, "email")
    assert contact.agent_id == several.assignee_id
    with pytest.raises(DomainError):
        link_customer(actor=boss, case=several, customer=customer, now=utcnow())


def test_ignored_messages_open_nothing_and_send_nothing(people) -> None:
    result = receive(email(ignored="auto-reply"))
    assert (result.case, result.created, result.ignored) == (None, False, "auto-reply")
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 0
    assert db.session.scalar(select(InboundReceipt.ignored)) == "auto-reply"


def test_a_reply_is_threaded_and_the_customers_answer_comes_back(people) -> None:
    _boss, first, _second, _customer = people
    opening = email()
    case = db.session.get(Case, receive(opening).case)
    sent = reply(actor=first, case=case, body="请重启路由器后再试。", now=utcnow())
    mail = db.session.scalars(
        select(OutboundMail).where(OutboundMail.case_message_id == sent.id)
    ).one()
    assert mail.in_reply_to == opening.external_id
    assert opening.external_id in mail.references and mail.subject.startswith(f"[#{case.id}]")
    assert case.first_response_at is not None and case.status == CaseStatus.IN_PROGRESS.value
    case.status, case.paused_since = CaseStatus.WAITING.value, utcnow()
    answer = receive(email(subject="Re: whatever", replied_ids=[mail.message_id]))
    assert answer.case == case.id and answer.created is False
    assert case.status == CaseStatus.IN_PROGRESS.value and case.paused_since is None
    kinds = [item.item.kind for item in thread(case) if item.kind == "message"]
    assert kinds == ["inbound", "reply", "inbound"]


def test_the_case_number_threads_only_for_its_own_sender(people) -> None:
    case_id = receive(email()).case
    own = receive(email(subject=f"Re: [#{case_id}] 还是不行"))
    stranger = receive(email("mallory@evil.example", subject=f"[#{case_id}] 改地址"))
    assert own.case == case_id
    assert stranger.case != case_id and stranger.created


def test_the_customers_own_message_ids_thread_only_for_that_customer(people) -> None:
    """The customer's Message-IDs are seen by everyone copied and are often predictable; a
    stranger quoting one opens a case of their own instead of writing into (or reopening)
    this one. Our own mails' ids reach only the people we wrote to."""
    _boss, first, _second, _customer = people
    opening = email()
    case = db.session.get(Case, receive(opening).case)
    case.status, case.resolved_at = CaseStatus.RESOLVED.value, utcnow()
    stranger = receive(email("mallory@evil.example", replied_ids=[opening.external_id]))
    assert stranger.created and stranger.case != case.id
    assert case.status == CaseStatus.RESOLVED.value
    own = receive(email(replied_ids=[opening.external_id]))
    assert own.case == case.id and case.status == CaseStatus.REOPENED.value
    sent = reply(actor=first, case=case, body="已安排。", now=utcnow())
    forwarded = receive(email("colleague@example.cn", replied_ids=[sent.message_id]))
    assert forwarded.case == case.id


def test_a_resolved_case_reopens_and_a_closed_one_gets_a_follow_up(people) -> None:
    _boss, _first, _second, _customer = people
    opening = email()
    case = db.session.get(Case, receive(opening).case)
    case.status, case.resolved_at = CaseStatus.RESOLVED.value, utcnow()
    receive(email(replied_ids=[opening.external_id]))
    assert case.status == CaseStatus.REOPENED.value and case.reopen_count == 1
    case.status, case.closed_at = CaseStatus.CLOSED.value, utcnow()
    follow = receive(email(replied_ids=[opening.external_id]))
    assert follow.created and follow.case != case.id
    assert db.session.get(Case, follow.case).parent_id == case.id


def test_acknowledgements_stop_at_the_hourly_limit(people, app) -> None:
    limit = app.config["AUTO_MAILS_PER_HOUR"]
    for _ in range(limit + 3):
        receive(email())
    acks = db.session.scalar(
        select(func.count()).select_from(OutboundMail).where(OutboundMail.kind == "ack")
    )
    assert acks == limit


def test_notes_mention_colleagues_and_stay_inside(people) -> None:
    boss, first, second, _customer = people
    case = db.session.get(Case, receive(email()).case)
    case.assignee_id = None  # in the shared pool: every agent may read it
    add_note(actor=first, case=case, body="@agent.b 请看一下，@nobody 不存在", now=utcnow())
    # typed the Chinese way, without a space before or after the name; a second time
    add_note(actor=first, case=case, body="请@agent.b帮忙，@boss也看看", now=utcnow())
    told = db.session.scalars(select(Notification).where(Notification.kind == "case.mention")).all()
    assert sorted(n.user_id for n in told) == sorted([second.id, second.id, boss.id])
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboundMail).where(OutboundMail.kind == "reply")
        )
        == 0
    )


def test_a_mention_reaches_only_people_who_may_read_the_case(people) -> None:
    """Telling someone of a case they cannot open is a dead end and shows them its subject."""
    _boss, first, _second, _customer = people
    make_user(username="trainer.t", roles=["trainer"])
    case = db.session.get(Case, receive(email()).case)
    case.assignee_id = first.id
    text = "@agent.b @trainer.t 请看"
    assert mentioned_outside(case, text, first) == ["agent.b", "trainer.t"]
    add_note(actor=first, case=case, body=text, now=utcnow())
    told = db.session.scalars(select(Notification).where(Notification.kind == "case.mention"))
    assert [n.user_id for n in told] == []


def test_every_customer_reply_is_told_to_the_assignee(people) -> None:
    _boss, first, _second, _customer = people
    opened = receive(email())
    case = db.session.get(Case, opened.case)
    for n in range(2):
        receive(email(subject=f"Re: [#{case.id}] 打印机无法连接", body_text=f"补充 {n}"))
    replied = db.session.scalars(
        select(Notification).where(Notification.kind == "case.customer_replied")
    ).all()
    assert [n.user_id for n in replied] == [first.id, first.id]


def test_replies_need_an_address_and_refuse_bad_files_whole(people) -> None:
    _boss, first, _second, _customer = people
    case = db.session.get(Case, receive(email()).case)
    case.requester_email = None
    case.customer.email = None
    case.portal_token_hash = None  # no status page either: nothing would reach the customer
    with pytest.raises(DomainError):
        reply(actor=first, case=case, body="hi", now=utcnow())
    case.requester_email = "wang@example.cn"
    with pytest.raises(DomainError), db.session.begin_nested():
        reply(
            actor=first,
            case=case,
            body="附件",
            now=utcnow(),
            uploads=[Upload("run.exe", io.BytesIO(b"MZ"))],
        )
    assert (
        db.session.scalar(
            select(func.count()).select_from(CaseMessage).where(CaseMessage.kind == "reply")
        )
        == 0
    )


def test_an_agent_cannot_write_on_a_colleagues_case(people) -> None:
    _boss, first, second, _customer = people
    case = db.session.get(Case, receive(email()).case)
    assert case.assignee_id == first.id
    with pytest.raises(PermissionDenied):
        reply(actor=second, case=case, body="抢单", now=utcnow())
    with pytest.raises(PermissionDenied):
        add_note(actor=second, case=case, body="抢单", now=utcnow())


def test_attachments_are_kept_and_oversized_ones_are_named(people, app) -> None:
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    result = receive(
        email(
            attachments=[
                InboundAttachment("发票.pdf", io.BytesIO(b"%PDF-1.4 small")),
                InboundAttachment("huge.pdf", io.BytesIO(b"x" * 5000)),
                InboundAttachment("evil.html", io.BytesIO(b"<script>")),
            ]
        )
    )
    kept = db.session.scalars(
        select(CaseAttachment.filename).where(CaseAttachment.case_id == result.case)
    ).all()
    assert kept == ["发票.pdf"]
    body = db.session.scalar(select(CaseMessage.body_text))
    assert "huge.pdf" in body and "evil.html" in body


def test_a_channel_case_is_opened_by_nobody(people) -> None:
    case = db.session.get(Case, receive(email()).case)
    assert case.opened_by_id is None


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
        ("../../etc/报告.docx", "报告.docx"),
        ("\x00.hidden.png", "hidden.png"),
        ("b" * 300, "b" * 200),
        ("", "attachment"),
    ],
)
def test_file_names_are_cleaned_and_a_long_one_keeps_its_extension(raw, kept) -> None:
    assert clean_filename(raw) == kept
    assert len(clean_filename(raw)) <= 200

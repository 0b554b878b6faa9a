"""The customer's status page: reached only by its secret link, it shows the case in the
customer's words and the conversation without the internal notes, serves only the public
messages' files, and takes the customer's answers into the case."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from crm.cases.models import Case
from crm.channels.attachments import store
from crm.channels.inbound import InboundMessage, receive
from crm.channels.models import CaseAttachment, CaseMessage, OutboundMail
from crm.channels.portal import issue_link
from crm.database import utcnow
from crm.extensions import db
from crm.ratelimit import RateEvent
from tests.channels.test_webform import CSRF_INPUT, MARKUP, count, post_form
from tests.conftest import csrf_token
from tests.factories import make_user

NOTE = "内部备注：客户语气很冲，注意措辞"


def web_case(app: Flask, *, body: str = "空调不制冷\n外机不转") -> tuple[int, str]:
    """A case from the contact form with the customer's message, a public reply, an internal
    note (each with a file) and a file on no message: its id and its status page's path."""
    with app.app_context():
        now = utcnow() - timedelta(hours=2)
        received = receive(
            InboundMessage(
                channel="web",
                external_id=f"web.test.{now.timestamp()}",
                subject="空调不制冷",
                body_text=body,
                received_at=now,
                sender_name="李雷",
                sender_phone="+8613800138000",
                category="after_sales",
            )
        )
        case = db.session.get(Case, received.case)
        agent = make_user(roles=["agent"])
        for minutes, kind, text in (
            (30, "reply", "您好，师傅明天上门。\n请保持电话畅通。"),
            (40, "note", NOTE),
        ):
            message = CaseMessage(
                case_id=case.id,
                kind=kind,
                channel="agent",
                author_id=agent.id,
                body_text=text,
                created_at=now + timedelta(minutes=minutes),
            )
            db.session.add(message)
            db.session.flush()
            store(
                case_id=case.id,
                message_id=message.id,
                filename=f"{kind}.pdf",
                stream=io.BytesIO(f"%PDF {kind}".encode()),
            )
        store(case_id=case.id, message_id=None, filename="loose.pdf", stream=io.BytesIO(b"%PDF"))
        link = issue_link(case)
        db.session.commit()
        return case.id, urlsplit(link).path


def attachment_id(app: Flask, filename: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(CaseAttachment.id).where(CaseAttachment.filename == filename)
        )


def answer(client, path: str, message: str = "好的，明天上午在家", files: dict | None = None):
    token = CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)
    return post_form(client, path, {"message": message, "csrf_token": token}, files)


def test_the_page_shows_the_case_and_the_public_conversation_never_a_note(app, client) -> None:
    case_id, path = web_case(app)
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"#{case_id}" in page and "空调不制冷" in page
    assert 'data-testid="customer-status">已收到<' in page
    conversation = page[page.index('data-testid="conversation"') :]
    assert conversation.index("外机不转") < conversation.index("师傅明天上门")  # in order
    assert "空调不制冷\n外机不转" in conversation  # line breaks kept, shown pre-wrapped
    assert 'class="text-pre' in conversation
    assert NOTE not in page and "note.pdf" not in page and "loose.pdf" not in page
    assert "reply.pdf" in page
    assert 'data-testid="main-nav"' not in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("new", "已收到"),
        ("accepted", "已收到"),
        ("in_progress", "处理中"),
        ("reopened", "处理中"),
        ("waiting_customer", "等待您的回复"),
        ("resolved", "已解决"),
        ("closed", "已关闭"),
    ],
)
def test_the_status_is_said_in_the_customers_words(app, client, status, words) -> None:
    case_id, path = web_case(app)
    with app.app_context():
        db.session.get(Case, case_id).status = status
        db.session.commit()
    assert f'data-testid="customer-status">{words}<' in client.get(path).get_data(as_text=True)


def test_only_the_files_of_public_messages_of_this_case_are_served(app, client) -> None:
    _case_id, path = web_case(app)
    _other_id, other_path = web_case(app)
    reply_file = attachment_id(app, "reply.pdf")
    response = client.get(f"{path}/attachments/{reply_file}")
    assert response.status_code == 200 and response.data == b"%PDF reply"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    response.close()
    for name in ("note.pdf", "loose.pdf"):
        assert client.get(f"{path}/attachments/{attachment_id(app, name)}").status_code == 404
    with app.app_context():
        others = db.session.scalars(
            select(CaseAttachment.id).where(CaseAttachment.filename == "reply.pdf")
        ).all()
    assert client.get(f"{other_path}/attachments/{reply_file}").status_code == 404
    assert reply_file in others and len(others) == 2
    assert client.get(f"/status/not-the-token/attachments/{reply_file}").status_code == 404


def test_an_unknown_or_replaced_link_says_only_that_it_is_not_valid(app, client) -> None:
    case_id, path = web_case(app)
    with app.app_context():
        issue_link(db.session.get(Case, case_id))  # a newer link replaces the old one
        db.session.commit()
    pages = []
    for url in (path, "/status/never-issued", "/status/" + "x" * 500):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["Referrer-Policy"] == "no-referrer"
        pages.append(response.get_data(as_text=True))
    assert "此链接无效" in pages[0]
    assert pages[0].replace(path, "") == pages[1].replace("/status/never-issued", "")
    assert "空调" not in pages[0] and f"#{case_id}" not in pages[0]


def test_an_answer_joins_the_case_and_moves_a_waiting_case_on(app, client) -> None:
    case_id, path = web_case(app)
    with app.app_context():
        db.session.get(Case, case_id).status = "waiting_customer"
        db.session.commit()
    files = {"attachment": (b"\x89PNG", "铭牌.png")}
    response = answer(client, path, "型号 KFR-35GW\n明天上午在家", files)
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "谢谢，您的留言已加入此工单。" in page
    assert "型号 KFR-35GW\n明天上午在家" in page and "铭牌.png" in page
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == "in_progress"
        message = db.session.scalars(
            select(CaseMessage).where(CaseMessage.channel == "portal")
        ).one()
        assert (message.case_id, message.kind, message.sender_name) == (case_id, "inbound", "李雷")
        assert [a.filename for a in message.attachments] == ["铭牌.png"]


def test_an_answer_to_a_closed_case_opens_a_follow_up_with_its_own_page(app, client) -> None:
    case_id, path = web_case(app)
    with app.app_context():
        db.session.get(Case, case_id).status = "closed"
        db.session.commit()
    response = answer(client, path, "问题又出现了")
    new_path = response.headers["Location"]
    assert response.status_code == 302 and new_path != path
    page = client.get(new_path).get_data(as_text=True)
    assert "问题又出现了" in page and f"工单 #{case_id} 已关闭" in page
    with app.app_context():
        follow_up = db.session.scalars(select(Case).where(Case.parent_id == case_id)).one()
        assert f"#{follow_up.id}" in page
    assert client.get(path).status_code == 200  # the old page stays readable


def test_bad_answers_are_refused_with_the_text_kept_and_nothing_added(app, client) -> None:
    _case_id, path = web_case(app)
    assert answer(client, path, "").status_code == 400
    assert answer(client, path, "长" * 5001).status_code == 400
    response = answer(client, path, "请看附件", {"attachment": (b"MZ", "setup.exe")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不接受 setup.exe 这类文件" in page and "请看附件</textarea>" in page
    assert client.post(path, data={"message": "没有令牌"}).status_code == 400
    with app.app_context():
        assert (
            db.session.scalar(select(CaseMessage.id).where(CaseMessage.channel == "portal")) is None
        )
    assert count(app, RateEvent) == 0


def test_markup_in_replies_and_answers_stays_text(app, client) -> None:
    _case_id, path = web_case(app, body=MARKUP)
    assert answer(client, path, MARKUP).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;") == 2


def test_answers_are_rate_limited(app, client) -> None:
    _case_id, path = web_case(app)
    limit = app.config["CONTACT_FORM_RATE_LIMIT"]
    statuses = [answer(client, path, f"第 {n} 条").status_code for n in range(limit + 1)]
    assert statuses == [302] * limit + [429]


def test_an_agent_answers_a_requester_without_e_mail_on_the_status_page(
    app, client, login_as
) -> None:
    """The contact form takes a phone number alone; the agent's reply then reaches the customer
    through the status page, and nothing is queued for an address that does not exist."""
    case_id, path = web_case(app)
    agent = login_as("agent")
    with app.app_context():
        db.session.get(Case, case_id).assignee_id = agent.id
        db.session.commit()
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "客户在进度查询页查看回复" in page and "发送回复" in page
    response = client.post(
        f"/cases/{case_id}/reply",
        data={"csrf_token": csrf_token(client, f"/cases/{case_id}"), "body": "明早九点上门"},
    )
    assert response.status_code == 302
    assert "回复已发布到客户的进度查询页" in client.get(response.location).get_data(as_text=True)
    assert count(app, OutboundMail) == 0
    assert "明早九点上门" in app.test_client().get(path).get_data(as_text=True)

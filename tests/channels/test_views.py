"""The conversation on the case page, over HTTP: replies and notes as typed, files up and
down only for those who may read the case, templates, the customer said, routing; hostile text
shown as text."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.cases.models import Case
from crm.channels.inbound import InboundMessage, receive
from crm.channels.models import CaseAttachment, CaseMessage, OutboundMail, ReplyTemplate
from crm.channels.reply_templates import save_template
from crm.customers.models import Customer
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_user

HOSTILE = '<img src=x onerror=alert(1)> <b hx-get="/logout" hx-trigger="load">x</b>'


@pytest.fixture
def arrived(app):
    """A case that arrived by e-mail from nobody on file, with hostile text everywhere."""
    with app.app_context():
        boss = make_user(username="boss.v", roles=["supervisor"])
        customer = make_customer(actor=boss, name="周先生", email="zhou@example.cn")
        result = receive(
            InboundMessage(
                channel="email",
                external_id=f"<{uuid.uuid4().hex}@x>",
                subject=HOSTILE,
                body_text=HOSTILE,
                received_at=utcnow(),
                sender_address="zhou.other@example.cn",
                sender_name=HOSTILE,
            )
        )
        save_template(
            actor=boss,
            template=None,
            name="问候",
            body="{customer_name}您好，工单 #{case_number} 已收到。",
            active=True,
        )
        db.session.commit()
        return result.case, customer.id


def page_of(client, case_id: int) -> str:
    return client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_hostile_text_is_shown_as_text(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent")
    html = page_of(client, case_id)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<ol class="list-unstyled thread" data-testid="case-thread" hx-disable>' in html


def test_an_agent_replies_with_a_file_and_it_goes_out(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent", username="li.agent")
    token = csrf_token(client, f"/cases/{case_id}")
    response = client.post(
        f"/cases/{case_id}/reply",
        data={
            "csrf_token": token,
            "body": "您好，附件是说明书。",
            "files": [(io.BytesIO(b"%PDF-1.4 manual"), "说明书.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with client.application.app_context():
        reply = db.session.scalars(select(CaseMessage).where(CaseMessage.kind == "reply")).one()
        mail = db.session.scalars(
            select(OutboundMail).where(OutboundMail.case_message_id == reply.id)
        ).one()
        attachment = db.session.scalars(select(CaseAttachment)).one()
    assert mail.to_address == "zhou.other@example.cn"
    download = client.get(f"/cases/{case_id}/attachments/{attachment.id}")
    assert download.data == b"%PDF-1.4 manual"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_a_refused_reply_keeps_what_was_typed(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent")
    token = csrf_token(client, f"/cases/{case_id}")
    response = client.post(
        f"/cases/{case_id}/reply",
        data={
            "csrf_token": token,
            "body": "这段话不能丢",
            "files": [(io.BytesIO(b"MZ"), "setup.exe")],
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "这段话不能丢" in html and "setup.exe" in html
    with client.application.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(OutboundMail).where(OutboundMail.kind == "reply")
            )
            == 0
        )


def test_files_are_only_for_those_who_may_read_the_case(client, login_as, arrived, app) -> None:
    case_id, _customer = arrived
    with app.app_context():
        owner = make_user(username="owner.agent", roles=["agent"])
        db.session.get(Case, case_id).assignee_id = owner.id
        from crm.channels.attachments import store

        attachment_id = store(
            case_id=case_id, message_id=None, filename="a.png", stream=io.BytesIO(b"\x89PNG")
        ).id
        db.session.commit()
    login_as("agent", username="someone.else")
    assert client.get(f"/cases/{case_id}/attachments/{attachment_id}").status_code == 404
    assert client.get(f"/cases/{case_id}").status_code == 404
    token = csrf_token(client, "/account")
    for path in ("reply", "note"):
        response = client.post(f"/cases/{case_id}/{path}", data={"csrf_token": token, "body": "x"})
        assert response.status_code == 404


def test_a_note_without_csrf_is_refused(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent")
    assert client.post(f"/cases/{case_id}/note", data={"body": "x"}).status_code == 400


def test_the_author_hears_who_was_not_told_of_a_note(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    with client.application.app_context():
        make_user(username="qa.r", roles=["qa"])
        db.session.commit()
    login_as("agent")
    token = csrf_token(client, f"/cases/{case_id}")
    response = client.post(
        f"/cases/{case_id}/note", data={"csrf_token": token, "body": "请@qa.r看看录音"}
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "内部备注已添加" in page
    assert "以下同事无权打开此工单，未通知：qa.r" in page


def test_a_template_fills_the_box_as_text(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent")
    with client.application.app_context():
        template_id = db.session.scalar(select(ReplyTemplate.id))
    html = client.get(f"/cases/{case_id}/template?template={template_id}").get_data(as_text=True)
    # the sender's hostile name is escaped inside the textarea
    assert "&lt;img src=x" in html and f"工单 #{case_id} 已收到" in html


def test_the_agent_says_whose_case_it_is(client, login_as, arrived) -> None:
    case_id, customer_id = arrived
    login_as("agent")
    html = page_of(client, case_id)
    assert 'data-testid="link-customer"' in html
    found = client.get(f"/cases/{case_id}/customer-search?q=周先生").get_data(as_text=True)
    assert f'name="customer_id" value="{customer_id}"' in found
    token = csrf_token(client, f"/cases/{case_id}")
    client.post(
        f"/cases/{case_id}/customer", data={"csrf_token": token, "customer_id": customer_id}
    )
    with client.application.app_context():
        assert db.session.get(Case, case_id).customer_id == customer_id
    assert 'data-testid="link-customer"' not in page_of(client, case_id)


def test_a_new_customer_is_made_from_the_sender(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent")
    token = csrf_token(client, f"/cases/{case_id}")
    client.post(f"/cases/{case_id}/customer", data={"csrf_token": token, "new": "1"})
    with client.application.app_context():
        case = db.session.get(Case, case_id)
        assert case.customer.email == "zhou.other@example.cn"
    # the same button again, from a page left open: said plainly, nothing made twice
    again = client.post(f"/cases/{case_id}/customer", data={"csrf_token": token, "new": "1"})
    assert "此工单已关联客户" in page_of(client, case_id) and again.status_code == 302
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 2


def test_supervisors_set_routing_and_templates(client, login_as, app) -> None:
    login_as("supervisor")
    with app.app_context():
        agent = make_user(username="queue.agent", roles=["agent"])
    token = csrf_token(client, "/cases/settings/routing")
    client.post(
        "/cases/settings/routing/tech_support",
        data={"csrf_token": token, "mode": "least_open", "agent_id": [str(agent.id)]},
    )
    page = client.get("/cases/settings/routing").get_data(as_text=True)
    assert re.search(rf'value="{agent.id}" id="agent-tech_support-{agent.id}" checked', page)
    response = client.post(
        "/cases/settings/templates/new", data={"csrf_token": token, "name": "", "body": "x"}
    )
    assert response.status_code == 400
    client.post(
        "/cases/settings/templates/new",
        data={"csrf_token": token, "name": HOSTILE[:90], "body": "正文", "active": "y"},
    )
    listing = client.get("/cases/settings/templates").get_data(as_text=True)
    assert "&lt;img src=x" in listing and "<img src=x" not in listing


def test_a_failed_mail_shows_and_is_sent_again(client, login_as, arrived) -> None:
    case_id, _customer = arrived
    login_as("agent")
    with client.application.app_context():
        mail = db.session.scalars(select(OutboundMail)).one()
        mail.state, mail.attempts, mail.last_error = "failed", 8, "550 mailbox unavailable"
        db.session.commit()
        mail_id = mail.id
    html = page_of(client, case_id)
    assert "未送达" in html and "550 mailbox unavailable" in html
    token = csrf_token(client, f"/cases/{case_id}")
    client.post(f"/cases/{case_id}/mails/{mail_id}/retry", data={"csrf_token": token})
    with client.application.app_context():
        mail = db.session.get(OutboundMail, mail_id)
        assert (mail.state, mail.attempts) == ("pending", 0)
        asked = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.updated")
        ).one()
        assert asked.object_id == str(case_id) and asked.details == {"resent": mail.to_address}


def test_a_template_name_taken_while_saving_is_refused_not_a_crash(app) -> None:
    """A double-clicked Save: the twin's row lands after this one checked the name."""
    with app.app_context():
        boss = make_user(username="boss.t", roles=["supervisor"])
        with db.session.no_autoflush:
            db.session.add(ReplyTemplate(name="并发模板", body="a", updated_by_id=boss.id))
            with pytest.raises(DomainError, match="已有同名模板"):
                save_template(actor=boss, template=None, name="并发模板", body="b", active=True)
        db.session.commit()
        kept = db.session.scalars(select(ReplyTemplate)).all()
        assert [(t.name, t.body) for t in kept] == [("并发模板", "a")]  # the twin's, alone


def test_the_reply_box_says_when_e_mail_sending_is_not_set_up(
    client, app_with, login_as, arrived
) -> None:
    case_id, _customer = arrived
    agent = login_as("agent")
    assert "尚未配置邮件发送" in page_of(client, case_id)
    configured = app_with(SMTP_HOST="127.0.0.1").test_client()
    assert login(configured, agent.username).status_code == 302
    assert "尚未配置邮件发送" not in page_of(configured, case_id)

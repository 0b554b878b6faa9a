"""The public contact form: no sign-in, a case in its category's department with the clock from
submission, the status link shown once, and hostile input (oversized, markup, bad encodings,
refused files, robots, floods, forged posts) refused clearly with nothing half-saved."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from crm.cases.calendar import hours_for
from crm.cases.clock import add_counted_minutes
from crm.cases.models import Case
from crm.cases.sla import policy_for
from crm.channels.models import (
    CaseAttachment,
    CaseMessage,
    InboundReceipt,
    OutboundMail,
)
from crm.channels.portal import case_for_token
from crm.extensions import db
from crm.ratelimit import RateEvent
from tests.factories import make_customer, make_user

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
STATUS_LINK = re.compile(r'data-testid="status-link">[^<]*(/status/[A-Za-z0-9_-]+)<')
FIELDS = {
    "name": "王小明",
    "phone": "13800138000",
    "category": "tech_support",
    "message": "打印机卡纸\n换了纸也不行",
}


def form_token(client: FlaskClient, path: str = "/contact") -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def post_form(client: FlaskClient, path: str, data: dict, files: dict | None = None):
    """Post ``data`` and ``files`` ({field: (content, name)}) as the browser's multipart body,
    encoded here in memory: the test client's own encoding spools a large body to a temporary
    file it never closes."""
    values = dict(data)
    for field, (content, name) in (files or {}).items():
        values[field] = FileStorage(io.BytesIO(content), filename=name)
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def submit(client: FlaskClient, files: dict | None = None, **fields: object):
    data = {**FIELDS, "csrf_token": form_token(client), **fields}
    return post_form(client, "/contact", data, files)


def status_path_after(client: FlaskClient, response) -> str:
    """Follow the submission to the thank-you page and read the status page's path from it."""
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/contact/thanks"
    page = client.get("/contact/thanks").get_data(as_text=True)
    return STATUS_LINK.search(page).group(1)


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def nothing_kept(app: Flask) -> bool:
    return all(count(app, model) == 0 for model in (Case, CaseMessage, InboundReceipt))


def test_the_form_is_public_chinese_names_the_file_limit_and_hides_its_trap(client) -> None:
    response = client.get("/contact")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in page and "联系我们" in page
    assert "20 MB" in page  # ATTACHMENT_MAX_BYTES, on the form
    assert 'data-testid="main-nav"' not in page  # no staff navigation
    trap = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', page, re.S)
    assert 'name="website"' in trap.group(1)
    assert 'tabindex="-1"' in trap.group(1) and 'autocomplete="off"' in trap.group(1)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in page


def test_a_submission_opens_a_case_in_its_department_with_the_clock_from_submission(
    app, client, time_machine
) -> None:
    submitted = datetime(2026, 3, 4, 2, 30, tzinfo=UTC)  # a Wednesday, 10:30 in Shanghai
    time_machine.move_to(submitted, tick=False)
    response = submit(client, category="complaint", message="快递员态度恶劣\n请处理")
    status_path = status_path_after(client, response)
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        policy = policy_for("complaint", "normal")
        hours = hours_for(policy.business_hours)
        assert (case.origin, case.category, case.department) == ("web", "complaint", "complaints")
        assert case.opened_at == submitted
        assert case.first_response_due_at == add_counted_minutes(
            submitted, policy.first_response_minutes, hours
        )
        assert case.resolution_due_at == add_counted_minutes(
            submitted, policy.resolution_minutes, hours
        )
        assert case.subject == "快递员态度恶劣"
        assert (case.customer_id, case.customer_match) == (None, "none")
        assert (case.requester_name, case.requester_phone) == ("王小明", "+8613800138000")
        message = db.session.scalars(select(CaseMessage)).one()
        assert (message.kind, message.channel) == ("inbound", "web")
        assert message.body_text == "快递员态度恶劣\n请处理"
        assert case_for_token(status_path.rsplit("/", 1)[-1]) == case
        # No address, so no acknowledgement: the thank-you page is where the link is.
        assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 0


def test_the_thank_you_page_shows_the_number_and_link_once(app, client) -> None:
    response = submit(client)
    assert response.status_code == 302
    page = client.get("/contact/thanks").get_data(as_text=True)
    assert 'data-testid="case-number">#1<' in page
    assert "此链接只在本页显示一次" in page
    again = client.get("/contact/thanks")
    assert again.status_code == 302 and again.headers["Location"] == "/contact"


def test_with_an_email_the_acknowledgement_carries_the_link_the_thank_you_page_shows(
    app, client
) -> None:
    response = submit(client, phone="", email=" Wang@Example.CN ")
    status_path = status_path_after(client, response)
    with app.app_context():
        mail = db.session.scalars(select(OutboundMail)).one()
        assert mail.kind == "ack" and mail.to_address == "wang@example.cn"
        assert status_path in mail.body_text  # the same link: the mailed one keeps working
    assert client.get(status_path).status_code == 200


def test_a_known_customer_is_found_by_phone(app, client) -> None:
    with app.app_context():
        agent = make_user(roles=["agent"])
        customer = make_customer(actor=agent, name="王小明", phones=["13800138000"])
        db.session.commit()
        customer_id = customer.id
    assert submit(client, phone="138-0013-8000").status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert (case.customer_id, case.customer_match) == (customer_id, None)


def test_the_form_in_english_writes_the_acknowledgement_in_english(app, client) -> None:
    client.post(
        "/language",
        data={"locale": "en", "next": "/contact", "csrf_token": form_token(client)},
    )
    page = client.get("/contact").get_data(as_text=True)
    assert '<html lang="en">' in page and "Contact us" in page
    assert submit(client, phone="", email="amy@example.com").status_code == 302
    with app.app_context():
        mail = db.session.scalars(select(OutboundMail)).one()
        assert mail.subject.startswith("[#1] We received your request")


def test_missing_name_and_contact_are_refused_with_messages_and_the_text_kept(app, client) -> None:
    response = submit(client, name="", phone="", message="请尽快回电")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写您的姓名。" in page
    assert "请留下电子邮箱或电话号码" in page
    assert "请尽快回电</textarea>" in page
    assert nothing_kept(app)


def test_a_bad_email_or_phone_is_refused(app, client) -> None:
    page = submit(client, phone="12", email="not-an-address").get_data(as_text=True)
    assert "请输入电子邮箱地址" in page and "12 不是有效的电话号码" in page
    assert nothing_kept(app)


def test_a_message_over_5000_characters_is_refused_and_a_10_mb_body_is_413(app, client) -> None:
    response = submit(client, message="长" * 5001)
    assert response.status_code == 400
    assert "最多 5000 个字符。" in response.get_data(as_text=True)
    response = submit(client, message="x" * (10 * 1024 * 1024))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "您的留言过长" in page and 'data-testid="error-page"' in page
    assert 'href="/contact"' in page  # the customer's layout, with the way back
    assert nothing_kept(app)
    assert count(app, RateEvent) == 0


def test_an_attachment_is_kept_with_the_message(app, client) -> None:
    files = {"attachment": (b"\x89PNG fake", "故障照片.png")}
    assert submit(client, files=files).status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(CaseAttachment)).one()
        message = db.session.scalars(select(CaseMessage)).one()
        assert (stored.filename, stored.message_id, stored.size) == ("故障照片.png", message.id, 9)


def test_a_refused_file_type_refuses_the_submission_and_keeps_the_text(app, client) -> None:
    files = {"attachment": (b"<script>alert(1)</script>", "invoice.html")}
    response = submit(client, files=files, message="发票有误")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "不接受 invoice.html 这类文件" in page
    assert "发票有误</textarea>" in page and 'value="王小明"' in page
    assert nothing_kept(app)


def test_a_file_over_the_limit_is_refused_before_anything_is_saved(app_with) -> None:
    small = app_with(ATTACHMENT_MAX_BYTES=1024 * 1024)
    client = small.test_client()
    files = {"attachment": (b"0" * (1024 * 1024 + 1), "scan.pdf")}
    response = submit(client, files=files)
    assert response.status_code == 400
    assert "scan.pdf 超过了 1 MB" in response.get_data(as_text=True)
    assert nothing_kept(small)


def multipart(fields: dict[str, str], filename: bytes, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, with the file name as raw bytes in the header."""
    boundary = "----crmtest"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def test_file_names_in_a_wrong_encoding_are_refused_clearly_or_taken_cleaned(app, client) -> None:
    # Werkzeug cannot read a body whose part headers are not UTF-8: nothing arrives, and the
    # page says why instead of blaming an expired form.
    for raw in ("发票.pdf".encode("gbk"), "发票.pdf".encode("gb18030"), b"\xff\xfebad.pdf"):
        body, boundary = multipart({**FIELDS, "csrf_token": form_token(client)}, raw, b"%PDF")
        response = client.post(
            "/contact", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status_code == 400
        assert "附件的文件名可能使用了不常见的编码" in response.get_data(as_text=True)
    assert nothing_kept(app)
    # UTF-8 with folders, control characters and a NUL: taken, under a clean name.
    for raw in ("..\\..\\发票\a.pdf".encode(), b"a\x00b.pdf", b"/etc/.passwd.pdf"):
        body, boundary = multipart({**FIELDS, "csrf_token": form_token(client)}, raw, b"%PDF")
        response = client.post(
            "/contact", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status_code == 302
        client.get("/contact/thanks")
    with app.app_context():
        names = db.session.scalars(select(CaseAttachment.filename).order_by(CaseAttachment.id))
        assert list(names) == ["发票.pdf", "ab.pdf", "passwd.pdf"]


MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_in_every_field_stays_text_on_every_page(app, client, login_as) -> None:
    refused = submit(client, name=MARKUP, phone=MARKUP, category=MARKUP, message=MARKUP)
    for response in (refused,):
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    files = {"attachment": (b"png", "<img src=x onerror=alert(1)>.png")}
    response = submit(
        client,
        files=files,
        name=MARKUP,
        phone="",
        email="<img/src=x/onerror=alert(1)>@x.cn",
        message=MARKUP + "\n第二行",
    )
    status_path = status_path_after(client, response)
    pages = [client.get(status_path).get_data(as_text=True)]
    with app.app_context():
        case_id = db.session.scalar(select(Case.id))
    login_as("supervisor")
    for path in (f"/cases/{case_id}", "/cases/queue"):
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append(response.get_data(as_text=True))
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page and "<img/src=x" not in page
    status, case_page, case_list = pages
    assert "&lt;script&gt;" in status
    assert "客户待确认" in case_page and "客户待确认" in case_list


def test_a_filled_trap_gets_the_thank_you_page_and_creates_nothing(app, client) -> None:
    response = submit(client, website="http://spam.example")
    assert response.status_code == 302 and response.headers["Location"] == "/contact/thanks"
    page = client.get("/contact/thanks").get_data(as_text=True)
    assert "谢谢，我们已收到您的留言" in page and "case-number" not in page
    assert nothing_kept(app)
    assert count(app, OutboundMail) == 0


def test_the_sixth_submission_in_an_hour_is_429_per_client(app, client) -> None:
    limit = app.config["CONTACT_FORM_RATE_LIMIT"]
    statuses = [submit(client).status_code for _ in range(limit + 1)]
    assert statuses == [302] * limit + [429]
    refused = submit(client)
    assert "您在过去一小时内已发送多条留言" in refused.get_data(as_text=True)
    assert count(app, Case) == limit
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert submit(other).status_code == 302


def test_behind_a_proxy_the_limit_counts_the_forwarded_client(app_with) -> None:
    proxied = app_with(TRUSTED_PROXIES=1, CONTACT_FORM_RATE_LIMIT=1)
    first, second = proxied.test_client(), proxied.test_client()
    first.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.1"
    second.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.2"
    assert [submit(first).status_code, submit(first).status_code] == [302, 429]
    assert submit(second).status_code == 302


def test_a_post_without_csrf_token_is_400_and_creates_nothing(app, client) -> None:
    response = client.post("/contact", data=FIELDS)
    assert response.status_code == 400
    assert "表单已过期或来源无效" in response.get_data(as_text=True)
    assert nothing_kept(app)


def test_the_staff_pages_show_the_requester_of_a_case_without_customer(
    app, client, login_as
) -> None:
    assert submit(client, name="无名客户").status_code == 302
    agent = login_as("agent")
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        case.assignee_id = agent.id
        db.session.commit()
        case_id = case.id
    for path in (f"/cases/{case_id}", "/cases/", "/home/my_cases"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "无名客户" in page and "客户待确认" in page, path

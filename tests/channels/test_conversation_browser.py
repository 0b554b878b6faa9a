"""The conversation in Chromium, in zh-CN, as the agent works it: a customer's e-mail with a
formatted part that tries to run htmx, a template filled in, a reply with a file, a note that
mentions a colleague; on a phone-sized screen too."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from crm.cases.routing import set_routing
from crm.channels.inbound import InboundMessage, receive
from crm.channels.reply_templates import save_template
from crm.database import utcnow
from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_customer, make_user

pytestmark = pytest.mark.browser

TRAP = (
    '<div hx-get="/boom" hx-trigger="load">陷阱</div>'
    '<img src="/pixel.png" onerror="fetch(\'/boom\')">'
)


@pytest.fixture
def arrived(app) -> int:
    with app.app_context():
        boss = make_user(username="wang.wei", display_name="王伟", roles=["supervisor"])
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        make_user(username="zhao.lei", display_name="赵磊", roles=["agent"])
        set_routing(actor=boss, department="service", mode="round_robin", agent_ids={agent.id})
        make_customer(actor=boss, name="周杰伦", email="zhou@example.cn")
        save_template(
            actor=boss,
            template=None,
            name="请提供订单号",
            body="{customer_name}您好，请回复工单 #{case_number} 的订单号。",
            active=True,
        )
        result = receive(
            InboundMessage(
                channel="email",
                external_id=f"<{uuid.uuid4().hex}@example.cn>",
                subject="退款什么时候到账",
                body_text="退款什么时候到账？" + TRAP,
                body_html=f"<p>退款什么时候到账？</p>{TRAP}",
                received_at=utcnow(),
                sender_address="zhou@example.cn",
                sender_name="周杰伦",
            )
        )
        db.session.commit()
        return result.case


@pytest.mark.parametrize("width", [1280, 390])
def test_the_agent_answers_from_the_case_page(
    browser: Browser, live_server, arrived, tmp_path, width
) -> None:
    base = live_server.url
    page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill("liu.yang")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("刘洋")
    page.goto(f"{base}/cases/{arrived}")
    thread = page.get_by_test_id("case-thread")
    expect(thread).to_contain_text("退款什么时候到账？<div hx-get")
    page.get_by_text("按邮件原格式显示").click()
    page.wait_for_timeout(500)
    assert not [url for url in requested if "/boom" in url]

    page.get_by_label("使用回复模板").select_option(label="请提供订单号")
    box = page.get_by_label("内容")
    expect(box).to_have_value(f"周杰伦您好，请回复工单 #{arrived} 的订单号。")
    (tmp_path / "截图.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    page.get_by_label("附件").set_input_files(str(tmp_path / "截图.png"))
    page.get_by_role("button", name="发送回复").click()
    expect(page.get_by_text("回复已进入发送队列。")).to_be_visible()
    reply = page.get_by_test_id("thread-reply")
    expect(reply).to_contain_text("请回复工单")
    expect(reply).to_contain_text("截图.png")
    expect(reply.get_by_test_id("mail-state")).to_contain_text("发送中")

    page.get_by_label("内容").fill("@zhao.lei 这个客户之前也退过款，帮忙看下")
    page.get_by_role("button", name="添加内部备注").click()
    expect(page.get_by_test_id("thread-note")).to_contain_text("@zhao.lei")
    page.screenshot(path=str(tmp_path / f"case-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert not [url for url in requested if "/boom" in url]

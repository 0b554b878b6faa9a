"""A customer in Chromium, without an account: writes through the contact form (in Chinese on a
phone, in English on a desktop), lands on the thank-you page, opens the status page from its
link, and answers there. Screenshots of each page go to /tmp for a look."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from crm.cases.models import Case
from crm.extensions import db

pytestmark = pytest.mark.browser

#: where the screenshots go, to be looked at (/tmp)
SHOTS = Path(tempfile.gettempdir())

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944"
    "4154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)


def shoot(page: Page, name: str, width: int) -> None:
    page.screenshot(path=SHOTS / f"webform-{name}-{width}.png", full_page=True)


def open_page(browser: Browser, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    return context.new_page()


def test_a_customer_writes_in_chinese_on_a_phone_and_answers_on_the_status_page(
    app, browser: Browser, live_server
) -> None:
    app.config["PUBLIC_URL"] = live_server.url  # the links the pages show lead to this server
    page = open_page(browser, 390)
    page.goto(f"{live_server.url}/contact")
    expect(page.get_by_role("heading", name="联系我们")).to_be_visible()
    page.get_by_label("您的姓名").fill("李雷")
    page.get_by_label("电话").fill("138 0013 8000")
    page.get_by_label("问题类别").select_option(label="售后服务")
    page.get_by_label("您的留言").fill("空调不制冷\n外机不转，已经两天了")
    page.get_by_label("附件").set_input_files(
        {"name": "铭牌.png", "mimeType": "image/png", "buffer": PNG}
    )
    # The trap is in the form but no one sees it or reaches it with the keyboard.
    expect(page.locator("input[name=website]")).not_to_be_in_viewport()
    shoot(page, "contact", 390)
    page.get_by_role("button", name="发送", exact=True).click()

    expect(page.get_by_test_id("case-number")).to_have_text("#1")
    expect(page.get_by_test_id("contact-thanks")).to_contain_text("此链接只在本页显示一次")
    shoot(page, "thanks", 390)
    page.get_by_test_id("status-link").click()

    conversation = page.get_by_test_id("conversation")
    expect(page.get_by_test_id("customer-status")).to_have_text("已收到")
    expect(conversation).to_contain_text("外机不转，已经两天了")
    expect(conversation.get_by_role("link", name="铭牌.png")).to_be_visible()
    page.get_by_label("您的留言").fill("明天上午在家\n请先电话联系")
    page.get_by_role("button", name="发送", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("您的留言已加入此工单")
    expect(conversation.get_by_test_id("message-inbound")).to_have_count(2)
    expect(conversation).to_contain_text("请先电话联系")
    shoot(page, "status", 390)
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert (case.department, case.requester_phone) == ("after_sales", "+8613800138000")


def test_a_customer_writes_in_english_on_a_desktop(app, browser: Browser, live_server) -> None:
    app.config["PUBLIC_URL"] = live_server.url
    page = open_page(browser, 1280)
    page.goto(f"{live_server.url}/contact")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Contact us")).to_be_visible()
    page.get_by_label("Your name").fill("Amy Chen")
    page.get_by_label("E-mail").fill("amy@example.com")
    page.get_by_label("What is it about?").select_option(label="Tech support")
    page.get_by_label("Your message").fill("The printer jams.\nEven with new paper.")
    shoot(page, "contact", 1280)
    page.get_by_role("button", name="Send message").click()

    expect(page.get_by_test_id("contact-thanks")).to_contain_text(
        "We also sent this link to your e-mail address."
    )
    shoot(page, "thanks", 1280)
    page.get_by_test_id("status-link").click()
    expect(page.get_by_test_id("customer-status")).to_have_text("We received it")
    page.get_by_label("Your message").fill("It is an HP LaserJet.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("alert")).to_contain_text("your message has been added")
    expect(page.get_by_test_id("conversation")).to_contain_text("It is an HP LaserJet.")
    shoot(page, "status", 1280)

"""The knowledge base where the agent works, in Chromium: on a complaint case the panel suggests
the complaint articles, the one whose title shares words with the subject first; one click puts
its text (the customer's name filled in) after what the agent typed, and the use is counted."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.knowledge.models import Article
from tests.factories import DEFAULT_PASSWORD, make_customer, make_user
from tests.knowledge.support import make_article

pytestmark = pytest.mark.browser


def test_the_agent_inserts_a_suggested_article_into_a_reply(
    app, browser: Browser, live_server
) -> None:
    with app.app_context():
        boss = make_user(username="wang.wei", display_name="王伟", roles=["supervisor"])
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        customer = make_customer(actor=boss, name="周杰伦", email="zhou@example.cn")
        make_article(actor=boss, title="投诉受理规范", category="complaint", body="先登记。")
        wanted = make_article(
            actor=boss,
            title="物流延误投诉安抚",
            category="complaint",
            body="{customer_name}您好，非常抱歉物流延误。",
        )
        make_article(actor=boss, title="安装指南", category="tech_support")
        case = open_case(
            actor=agent,
            customer=customer,
            subject="物流延误，客户投诉",
            category="complaint",
            now=utcnow(),
            assignee=agent,
        )
        db.session.commit()
        case_id, article_id = case.id, wanted.id
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("用户名").fill("liu.yang")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cases/{case_id}")
    suggestions = page.get_by_test_id("kb-suggestion")
    expect(suggestions).to_have_count(2)
    expect(suggestions.first).to_contain_text("物流延误投诉安抚")
    assert "安装指南" not in page.get_by_test_id("kb-panel").inner_text()
    page.locator("#body").fill("周先生：")
    suggestions.first.get_by_role("button", name="插入").click()
    expect(page.locator("#body")).to_have_value("周先生：\n\n周杰伦您好，非常抱歉物流延误。")
    with app.app_context():
        assert db.session.get(Article, article_id).use_count == 1


def test_a_customer_typing_on_the_contact_form_sees_a_suggestion(
    app, browser: Browser, live_server
) -> None:
    with app.app_context():
        boss = make_user(username="wang.wei", roles=["supervisor"])
        make_article(actor=boss, title="如何办理退款", audience="public", category="after_sales")
        make_article(actor=boss, title="退款内部审批", category="after_sales")
        db.session.commit()
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/contact")
    page.locator("#message").press_sequentially("我想办理退款")
    suggestion = page.get_by_test_id("contact-suggestion")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_have_text("如何办理退款")

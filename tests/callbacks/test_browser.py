"""A supervisor plans monthly callbacks to a key account; after one scheduler run the agent
sees the call due today, records it as reached, and it shows on the customer's history."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.database import utcnow
from crm.extensions import db
from crm.timezones import department_today
from tests.factories import DEFAULT_PASSWORD, make_customer, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def key_account(app) -> int:
    with app.app_context():
        supervisor = make_user(username="wang.wei", display_name="王伟", roles=["supervisor"])
        make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        customer = make_customer(
            actor=supervisor, name="华为技术", tier="key", phones=["13800138000"]
        )
        db.session.commit()
        return customer.id


def monthly_calls_ahead(today: date, horizon_days: int) -> int:
    """Today's call, and next month's (on the same day, or the month's last when shorter) if
    it falls inside the horizon: on 1 December, 1 January is 31 days ahead, past 30."""
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last_day = monthrange(first_of_next.year, first_of_next.month)[1]
    next_call = first_of_next.replace(day=min(today.day, last_day))
    return 2 if (next_call - today).days <= horizon_days else 1


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()


def test_plan_then_scheduler_then_agent_completes_and_history_shows_it(
    app, browser: Browser, live_server, key_account
) -> None:
    boss = browser.new_context().new_page()
    sign_in(boss, live_server.url, "wang.wei")
    boss.goto(f"{live_server.url}/customers/{key_account}")
    boss.get_by_role("link", name="安排回访").click()
    boss.get_by_label("回访目的").fill("月度回访：了解使用情况与建议")
    boss.get_by_label("频率").select_option(label="每月固定日期")
    boss.get_by_label("客服专员", exact=True).select_option(label="刘洋")
    boss.get_by_role("button", name="保存计划").click()
    expect(boss.get_by_role("alert").filter(has_text="回访已安排")).to_be_visible()

    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    with app.app_context():
        today = department_today(utcnow())
    calls = monthly_calls_ahead(today, app.config["CALLBACK_HORIZON_DAYS"])
    assert f"callbacks.generate_tasks: {calls}" in result.output, result.output
    assert "callbacks.notify_due: 1" in result.output, result.output

    agent = browser.new_context().new_page()
    sign_in(agent, live_server.url, "liu.yang")
    expect(agent.get_by_test_id("bell")).to_contain_text("1")
    agent.get_by_role("link", name="我的回访").click()
    today = agent.get_by_test_id("due-today")
    task = today.get_by_test_id("callback-task").filter(has_text="华为技术")
    expect(task).to_be_visible()
    task.get_by_text("记录通话").click()
    task.get_by_label("已联系上").check()
    task.get_by_label("备注").fill("客户满意，建议增加夜间热线")
    task.get_by_label("满意度（1-5）").fill("5")
    task.get_by_role("button", name="保存通话记录").click()
    expect(agent.get_by_role("alert").filter(has_text="回访已记入")).to_be_visible()
    expect(agent.get_by_test_id("due-today")).to_contain_text("今天没有到期的回访")

    agent.goto(f"{live_server.url}/customers/{key_account}")
    top = agent.get_by_test_id("timeline").get_by_test_id("timeline-entry").first
    expect(top).to_contain_text("月度回访：了解使用情况与建议")
    expect(top).to_contain_text("回访")
    expect(top).to_contain_text("客户满意，建议增加夜间热线")

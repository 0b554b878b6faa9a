"""One complaint through the whole service flow in Chromium: logged, accepted, transferred,
resolved by the colleague it went to; the customer answers the survey from the public link in a
fresh browser with no session; the ratings show on the customer's history and in the survey
figures."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_customer, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app) -> int:
    with app.app_context():
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        make_user(username="zhao.lei", display_name="赵磊", roles=["agent"])
        make_user(username="wang.wei", display_name="王伟", roles=["supervisor"])
        customer = make_customer(actor=agent, name="周杰伦", phones=["13800138000"])
        db.session.commit()
        return customer.id


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()


def test_a_complaint_from_logging_to_the_customers_survey(
    browser: Browser, live_server, people
) -> None:
    base = live_server.url
    agent = browser.new_context().new_page()
    sign_in(agent, base, "liu.yang")
    agent.goto(f"{base}/customers/{people}")
    agent.get_by_role("link", name="创建工单").click()
    agent.get_by_label("主题").fill("快递三天未送达")
    agent.get_by_label("类别").select_option(label="投诉")
    agent.get_by_role("button", name="创建工单").click()
    expect(agent.get_by_role("alert").filter(has_text="已创建")).to_be_visible()
    status = agent.get_by_test_id("case-status")

    agent.get_by_test_id("status-buttons").get_by_role("button", name="已受理").click()
    expect(status).to_have_text("已受理")
    agent.get_by_label("处理人").select_option(label="赵磊")
    agent.get_by_label("给接手人的说明").fill("请联系物流公司核实")
    agent.get_by_role("button", name="转交", exact=True).click()
    expect(agent.get_by_test_id("case-thread")).to_contain_text("转交了工单")
    # Now it is 赵磊's case: 刘洋 follows it, 赵磊 works it.
    expect(agent.get_by_test_id("case-read-only")).to_be_visible()
    expect(agent.get_by_test_id("status-buttons").get_by_role("button")).to_have_count(0)
    colleague = browser.new_context().new_page()
    sign_in(colleague, base, "zhao.lei")
    colleague.goto(agent.url)
    colleague.get_by_test_id("status-buttons").get_by_role("button", name="已解决").click()
    expect(colleague.get_by_test_id("case-status")).to_have_text("已解决")

    colleague.get_by_role("button", name="生成调查链接").click()
    link = colleague.get_by_test_id("survey-link").inner_text()
    assert "/s/" in link

    customer = browser.new_context().new_page()  # the customer's phone: no session at all
    customer.goto(link)
    expect(customer.get_by_text("周**")).to_be_visible()
    expect(customer.get_by_text("快递三天未送达")).to_be_visible()
    for label in ("服务态度", "效率", "解决效果"):
        customer.get_by_label(f"{label}: 5").check()
    customer.get_by_label("还有其他想告诉我们的吗？（选填）").fill("处理及时，谢谢")
    customer.get_by_role("button", name="提交").click()
    expect(customer.get_by_test_id("survey-closed")).to_contain_text("感谢您的反馈")

    agent.goto(f"{base}/customers/{people}")
    top = agent.get_by_test_id("timeline").get_by_test_id("timeline-entry").first
    expect(top.get_by_test_id("survey-ratings")).to_contain_text("服务态度 5 · 效率 5 · 解决效果 5")

    supervisor = browser.new_context().new_page()
    sign_in(supervisor, base, "wang.wei")
    supervisor.goto(f"{base}/surveys/figures")
    # The figures open on last month; the survey was answered in this one.
    supervisor.get_by_test_id("month-switch").get_by_role("link", name="本月").click()
    totals = supervisor.get_by_test_id("survey-agent").get_by_role("row").filter(has_text="合计")
    expect(totals).to_contain_text("100.0%")
    expect(totals.get_by_role("cell").nth(1)).to_have_text("1")

"""Each role signs in to its workspace in Chinese, and a section brings new work in by itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.auth.models import User
from crm.cases.services import open_case
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db
from tests.core.test_home import WORK_LINK, team  # noqa: F401 (a fixture)
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

#: each role's user in the ``team`` fixture and the headings of its sections
HOMES = {
    "home.agent": ["到期回访", "我的未结工单", "待确认的质检结果", "我的培训"],
    "home.boss": ["即将超时和已超时的工单", "今日回访", "本月目标达成"],
    "home.trainer": ["我的培训场次", "等待培训（质检指派）", "近 6 个月合格率"],
    "home.qa": ["我的抽查队列", "待评分的校准"],
    "home.admin": ["需要管理员处理的账户"],
}


def sign_in(page: Page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{url}/")


def test_each_role_sees_its_sections_with_links_to_work(page: Page, live_server, team) -> None:  # noqa: F811
    for username, headings in HOMES.items():
        sign_in(page, live_server.url, username)
        for heading in headings:
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        hrefs = page.eval_on_selector_all(
            "main a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        work = {href for href in hrefs if WORK_LINK.fullmatch(f'href="{href}"')}
        assert len(work) >= 3, (username, work)


def test_a_new_case_appears_on_the_agents_home_without_a_reload(
    app,
    page: Page,
    live_server,
    team,  # noqa: F811
) -> None:
    page.clock.install()
    sign_in(page, live_server.url, "home.agent")
    section = page.locator("[data-section=my_cases]")
    expect(section).not_to_contain_text("新来的工单")
    with app.app_context():
        agent = db.session.scalar(db.select(User).where(User.username == "home.agent"))
        open_case(
            actor=agent,
            customer=db.session.get(Customer, team["customer"]),
            subject="新来的工单",
            category="inquiry",
            now=utcnow(),
            assignee=agent,
        )
        db.session.commit()
    page.evaluate("window.loadedOnce = true")
    page.clock.fast_forward(31_000)
    expect(section).to_contain_text("新来的工单")
    assert page.evaluate("window.loadedOnce") is True  # the same document: no reload

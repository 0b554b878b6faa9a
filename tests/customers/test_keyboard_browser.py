"""Keyboard first (issue 22): an agent finds the caller from the search box and reaches the
interaction form with the keyboard alone, every key press counted."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.extensions import db
from tests.core.test_accessibility import context_page, findings  # noqa: F401 (a fixture)
from tests.customers.test_browser import sign_in
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.browser


class Keys:
    """page.keyboard.press, counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)


@pytest.fixture
def zhang_san(app) -> int:
    with app.app_context():
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        found = make_customer(actor=agent, name="张三", company="三和电器", phones=["13912345678"])
        make_customer(actor=agent, name="李四", phones=["13800001111"])
        make_customer(actor=agent, name="王五", phones=["13800002222"])
        db.session.commit()
        return found.id


@pytest.mark.parametrize("typed", ["zhang san", "zs", "张三", "5678"])
def test_an_agent_reaches_the_log_form_in_two_key_presses_after_typing(
    page: Page, live_server, zhang_san, typed
) -> None:
    sign_in(page, live_server.url)
    keys = Keys(page)
    box = page.get_by_test_id("quick-search")
    box.focus()
    page.keyboard.type(typed)
    results = page.get_by_role("listbox", name="找到的客户")
    expect(results.get_by_role("option")).to_have_count(1)
    expect(box).to_have_attribute("aria-expanded", "true")

    keys.press("ArrowDown")
    option = results.get_by_role("option", name="张三")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", f"quick-hit-{zhang_san}")
    expect(box).to_be_focused()  # the agent can go on typing
    keys.press("Shift+Enter")

    page.wait_for_url(f"**/customers/{zhang_san}?log=1")
    expect(page.get_by_role("heading", name="张三", level=1)).to_be_visible()
    expect(page.locator("form[data-log-form] #summary")).to_be_focused()
    assert keys.count <= 4


def test_the_arrow_keys_walk_the_hits_and_enter_opens_one(
    page: Page, live_server, app, zhang_san
) -> None:
    with app.app_context():
        from crm.auth.models import User

        agent = db.session.query(User).filter_by(username="liu.yang").one()
        make_customer(actor=agent, name="张三丰", phones=["13700003333"])
        db.session.commit()
    sign_in(page, live_server.url)
    keys = Keys(page)
    page.get_by_test_id("quick-search").focus()
    page.keyboard.type("张三")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(2)
    keys.press("ArrowUp")  # from the box, up goes round to the last hit
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    keys.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    name = options.nth(0).locator("strong").inner_text()
    keys.press("Enter")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    assert "log=" not in page.url
    assert keys.count == 3


def test_enter_without_a_chosen_hit_still_searches_the_list(page: Page, live_server, zhang_san):
    sign_in(page, live_server.url)
    page.get_by_test_id("quick-search").focus()
    page.keyboard.type("zs")
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    page.keyboard.press("Enter")
    page.wait_for_url("**/customers/?q=zs")


def test_the_open_list_of_hits_has_no_serious_accessibility_finding(
    context_page: Page,  # noqa: F811 (the fixture imported above)
    live_server,
    zhang_san,
) -> None:
    page = context_page
    sign_in(page, live_server.url)
    page.get_by_test_id("quick-search").focus()
    page.keyboard.type("zs")
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    assert findings(page, "search hits:") == []
    page.keyboard.press("Shift+Enter")
    page.wait_for_url("**?log=1")
    assert findings(page, "customer page, log form focused:") == []

"""The navigation bar in Chromium: at 1280 and 1440 px, for every role and in both languages, one
row with no label broken across lines or pushed off the screen; on a phone, a toggler that opens
the same links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.auth.permissions import Role
from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

#: For every label in the bar: the tops of the lines its own text occupies (one per line), and
#: the top of every top-level item of both link lists.
MEASURE = """() => {
  const bar = document.querySelector('nav.navbar');
  const labels = bar.querySelectorAll('.navbar-brand, .nav-link, .btn, .dropdown-item');
  const broken = [];
  for (const label of labels) {
    if (!label.offsetParent) continue;
    for (const node of label.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
      if (tops.size > 1) broken.push(node.textContent.trim());
    }
  }
  const items = [...bar.querySelectorAll('.navbar-nav > li')].filter(li => li.offsetParent);
  const right = Math.max(...[...bar.querySelectorAll('*')]
    .filter(e => e.offsetParent).map(e => e.getBoundingClientRect().right));
  return {
    overflow: right > document.documentElement.clientWidth,
    broken,
    tops: items.map(li => Math.round(li.getBoundingClientRect().top)),
    labels: items.map(li => li.innerText.trim()),
  };
}"""


@pytest.fixture
def people(app) -> list[str]:
    with app.app_context():
        for role in Role:
            make_user(username=f"nav.{role.value}", display_name=f"导航{role.value}", roles=[role])
        db.session.commit()
    return [f"nav.{role.value}" for role in Role]


#: the login form's labels, by the language chosen on the login page
LOGIN_TEXT = {
    "简体中文": ("用户名", "密码", "登录"),
    "English": ("Username", "Password", "Sign in"),
}


def sign_in(browser: Browser, url: str, username: str, language: str = "简体中文") -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{url}/login")
    page.get_by_role("button", name=language).click()
    user_label, password_label, button = LOGIN_TEXT[language]
    page.get_by_label(user_label).fill(username)
    page.get_by_label(password_label, exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()
    return page


@pytest.mark.parametrize("language", ["简体中文", "English"])
def test_the_bar_is_one_unbroken_row_on_laptops_for_every_role(
    browser: Browser, live_server, people, language
) -> None:
    for username in people:
        page = sign_in(browser, live_server.url, username, language)
        for width in (1280, 1440):
            page.set_viewport_size({"width": width, "height": 800})
            seen = page.evaluate(MEASURE)
            assert seen["broken"] == [], (username, width, seen)
            assert not seen["overflow"], (username, width, seen)
            assert len(set(seen["tops"])) == 1, (username, width, seen)
            assert page.locator("nav.navbar").bounding_box()["height"] < 72, (username, width)
            expect(page.locator(".navbar-toggler")).to_be_hidden()
        page.context.close()


@pytest.mark.parametrize("username", ["nav.admin", "nav.agent"])
def test_on_a_phone_the_toggler_opens_the_menu(browser: Browser, live_server, people, username):
    page = sign_in(browser, live_server.url, username)
    page.set_viewport_size({"width": 390, "height": 800})
    nav = page.get_by_test_id("main-nav")
    toggler = page.get_by_role("button", name="展开或收起导航")
    expect(toggler).to_be_visible()
    expect(nav).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    toggler.click()
    expect(nav).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="首页")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    assert page.evaluate(MEASURE)["broken"] == []
    if username == "nav.admin":
        nav.get_by_role("button", name="管理").click()
        nav.get_by_role("link", name="审计日志").click()
        expect(page).to_have_url(f"{live_server.url}/admin/audit/")
    page.context.close()

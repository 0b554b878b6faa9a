"""Tables and button rows on a phone (390 px): a wide table scrolls sideways and a row of buttons
wraps, instead of squeezing until Chinese stands one character a line (issue 22)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from crm.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

#: Cells and buttons whose text (two characters or more) got narrower than two characters of
#: their font, so that it breaks after every character or so.
SQUEEZED = """() => {
  const squeezed = [];
  for (const cell of document.querySelectorAll('main table td, main table th, main .btn')) {
    const text = cell.innerText.trim();
    if (text.length < 2 || !cell.offsetParent) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner < 1.9 * parseFloat(style.fontSize)) squeezed.push(text.slice(0, 20));
  }
  return squeezed;
}"""
PAGES = {
    "supervisor": [
        "/customers/",
        "/reports/",
        "/knowledge/",
        "/notifications/",
        "/cases/queue",
        "/callbacks/board",
        "/reports/agents",
        "/surveys/figures",
        "/qa/disputes",
    ],
    "agent": ["/callbacks/", "/cases/", "/qa/mine"],
    "reviewer": ["/qa/", "/qa/queue", "/qa/report"],
    "trainer": ["/training/", "/training/queue"],
    "admin": ["/admin/users/", "/admin/audit/"],
}


@pytest.fixture
def demo(app) -> None:
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--customers=60", "--interactions=400", "--cases=40", "--reviews=20"]
    )
    assert result.exit_code == 0, result.output


def test_no_table_squeezes_chinese_to_a_character_a_line(
    browser: Browser, live_server, demo
) -> None:
    squeezed = {}
    for username, paths in PAGES.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
        page.get_by_label("密码", exact=True).press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.ok, path
            found = page.evaluate(SQUEEZED)
            if found:
                squeezed[path] = found[:5]
        context.close()
    assert squeezed == {}

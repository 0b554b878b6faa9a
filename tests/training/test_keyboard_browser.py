"""Keyboard first (issue 22): on a past session a trainer marks everyone present and types ten
results, every action counted, and moves through the grids like a spreadsheet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.extensions import db
from tests.core.test_accessibility import context_page, findings  # noqa: F401 (a fixture)
from tests.factories import DEFAULT_PASSWORD, make_session, make_user

pytestmark = pytest.mark.browser

SCORES = ["90", "85", "70", "60", "59", "95", "100", "40", "75", "88"]  # 59 and 40 fail: 8/10


class Actions:
    """Clicks and key presses, counted; a score typed into a cell is one action, the Enter that
    ends it another (counted apart as ``presses``) in the strict count."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.actions = 0
        self.presses = 0

    def click(self, locator) -> None:
        self.actions += 1
        locator.click()

    def press(self, key: str) -> None:
        self.presses += 1
        self.page.keyboard.press(key)

    def cell(self, value: str) -> None:
        """Type one cell's value and Enter to the next row: one action per cell."""
        self.actions += 1
        self.page.keyboard.type(value)
        self.page.keyboard.press("Enter")


@pytest.fixture
def session_id(app) -> int:
    with app.app_context():
        trainer = make_user(username="trainer.li", display_name="李娜", roles=["trainer"])
        people = [
            make_user(username=f"agent{n:02d}", display_name=f"学员{n:02d}", roles=["agent"])
            for n in range(10)
        ]
        session = make_session(actor=trainer, invited=people)  # 2 March 2026: long past
        db.session.commit()
        return session.id


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("用户名").fill("trainer.li")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()


def test_all_present_and_ten_results_in_fifteen_actions(page: Page, live_server, session_id):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/training/sessions/{session_id}")
    act = Actions(page)

    act.click(page.get_by_role("button", name="全部出席"))
    expect(page.get_by_role("alert").filter(has_text="已将 10 人登记为出席")).to_be_visible()
    expect(page.get_by_label("学员00 的本次成绩")).to_be_focused()  # on to the scores
    for value in SCORES:
        act.cell(value)
    expect(page.get_by_role("button", name="保存成绩")).to_be_focused()
    act.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="已保存 10 个成绩")).to_be_visible()
    expect(page.get_by_test_id("session-rate")).to_contain_text("80.0%")
    expect(page.get_by_test_id("results-grid")).not_to_contain_text("未登记")
    # The past session's results are dated on its day, not today.
    expect(page.get_by_label("考核日期")).to_have_value("2026-03-02")
    assert act.actions + act.presses <= 15, (act.actions, act.presses)


def test_the_grids_move_like_a_spreadsheet(page: Page, live_server, session_id) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/training/sessions/{session_id}")
    first = page.get_by_label("学员00 的本次成绩")
    first.focus()
    page.keyboard.type("90")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("学员01 的本次成绩")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(first).to_be_focused()
    expect(first).to_have_value("90")

    present = page.get_by_label("学员00: 出席")
    present.focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("学员00: 迟到")).to_be_focused()
    expect(page.get_by_label("学员00: 迟到")).not_to_be_checked()  # moving ticks nothing
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("学员01: 迟到")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("学员01: 迟到")).to_be_checked()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    reason = page.get_by_label("学员01 的缺席原因")
    expect(reason).to_be_focused()
    page.keyboard.type("堵车")
    page.keyboard.press("ArrowLeft")  # inside the text: the caret moves, not the focus
    expect(reason).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("学员02 的缺席原因")).to_be_focused()


def test_the_grids_have_no_serious_accessibility_finding(
    context_page: Page,  # noqa: F811 (the fixture imported above)
    live_server,
    session_id,
) -> None:
    page = context_page
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/training/sessions/{session_id}")
    expect(page.get_by_role("button", name="全部出席")).to_be_visible()
    assert findings(page, "session grids:") == []

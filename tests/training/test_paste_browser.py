"""A trainer pastes a column with a blank cell from Excel into the results grid: the preview
shows each person's score, the blank stays blank, and applying fills the right boxes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.auth.models import User
from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_session, make_user

pytestmark = pytest.mark.browser

PASTE = """
(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const box = document.querySelector(".score-input");
  box.focus();
  const init = {clipboardData: data, bubbles: true, cancelable: true};
  box.dispatchEvent(new ClipboardEvent("paste", init));
}
"""


@pytest.fixture
def session_id(app) -> int:
    with app.app_context():
        trainer = make_user(username="trainer.li", display_name="李娜", roles=["trainer"])
        people = [
            make_user(username=f"agent0{n}", display_name=f"学员{n}", roles=["agent"])
            for n in range(3)
        ]
        made = make_session(actor=db.session.get(User, trainer.id), invited=people)
        db.session.commit()
        return made.id


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("用户名").fill("trainer.li")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()


def test_a_pasted_column_with_a_blank_cell_fills_the_right_people(
    page: Page, live_server, session_id
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/training/sessions/{session_id}")
    page.evaluate(PASTE, "90\r\n\r\n70\r\n")
    preview = page.get_by_test_id("paste-preview")
    expect(preview).to_contain_text("学员0")
    expect(page.get_by_label("学员0 的本次成绩")).to_have_value("")  # nothing filled yet
    preview.get_by_role("button", name="填入表格").click()
    expect(page.get_by_label("学员0 的本次成绩")).to_have_value("90")
    expect(page.get_by_label("学员1 的本次成绩")).to_have_value("")
    expect(page.get_by_label("学员2 的本次成绩")).to_have_value("70")

    page.evaluate(PASTE, "90\r\n70\r\n")  # a row short: refused, the grid untouched
    expect(page.get_by_test_id("paste-preview")).to_contain_text("粘贴了 2 行")
    expect(page.get_by_label("学员2 的本次成绩")).to_have_value("70")

    page.evaluate(PASTE, "学员2\t65\r\n学员0\t80\r\n")  # names with scores, any order
    page.get_by_test_id("paste-preview").get_by_role("button", name="填入表格").click()
    expect(page.get_by_label("学员0 的本次成绩")).to_have_value("80")
    expect(page.get_by_label("学员2 的本次成绩")).to_have_value("65")

"""The agent's daily story in Chromium, in Chinese: a customer calls, the agent finds them by
part of the number, part of the name or pinyin initials, reads the history, logs the call."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from crm.extensions import db
from tests.conftest import LiveServer
from tests.factories import DEFAULT_PASSWORD, make_customer, make_interaction, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def caller(app) -> int:
    with app.app_context():
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        caller = make_customer(
            actor=agent, name="张三丰", company="武当科技有限公司", phones=["13800138000"]
        )
        make_interaction(customer=caller, actor=agent, summary="上次咨询保修政策")
        make_customer(actor=agent, name="李小龙", phones=["13911112222"])
        make_customer(actor=agent, name="张无忌", phones=["13722223333"])
        db.session.commit()
        return caller.id


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill("liu.yang")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()
    # htmx binds the search box when its script has run, at the load event.
    page.wait_for_load_state("load")


@pytest.mark.parametrize(
    "typed", ["8000", "三丰", "zsf"], ids=["last-4-digits", "2-hanzi", "initials"]
)
def test_an_agent_finds_the_caller_from_the_search_box(
    page: Page, live_server, caller, typed
) -> None:
    sign_in(page, live_server.url)
    page.get_by_test_id("quick-search").fill(typed)
    results = page.get_by_test_id("quick-results")
    expect(results.get_by_role("option", name="张三丰")).to_be_visible()
    expect(results.get_by_role("option")).to_have_count(1)


def test_an_agent_opens_the_timeline_and_logs_the_call_which_appears_on_top(
    page: Page, live_server, caller
) -> None:
    sign_in(page, live_server.url)
    page.get_by_test_id("quick-search").fill("8000")
    page.get_by_test_id("quick-results").get_by_role("option", name="张三丰").click()
    expect(page.get_by_role("heading", name="张三丰")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_test_id("timeline-entry").first).to_contain_text("上次咨询保修政策")

    form = page.locator("form", has=page.get_by_role("button", name="保存互动记录"))
    form.get_by_label("渠道").select_option(label="电话")
    form.get_by_label("方向").select_option(label="呼入")
    form.get_by_label("类别").select_option(label="技术支持")
    form.get_by_label("摘要").fill("设备无法开机，已远程指导重启")
    form.get_by_label("处理结果").fill("已解决")
    form.get_by_role("button", name="保存互动记录").click()

    expect(page.get_by_role("alert").filter(has_text="互动已记录")).to_be_visible()
    top = page.get_by_test_id("timeline").get_by_test_id("timeline-entry").first
    expect(top).to_contain_text("设备无法开机，已远程指导重启")
    expect(top).to_contain_text("技术支持")
    expect(top).to_contain_text("刘洋")


def test_the_purchase_form_loads_when_its_section_opens_and_records_a_purchase(
    page: Page, live_server, caller
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/customers/{caller}")
    page.wait_for_load_state("load")
    section = page.locator("details", has=page.get_by_text("记录购买", exact=True))
    expect(section.get_by_label("产品")).to_have_count(0)
    section.get_by_text("记录购买", exact=True).click()
    section.get_by_label("产品").fill("净水器 X3")
    section.get_by_label("金额（元）").fill("1999.00")
    section.get_by_role("button", name="保存购买记录").click()

    expect(page.get_by_role("alert").filter(has_text="购买记录已保存")).to_be_visible()
    top = page.get_by_test_id("timeline").get_by_test_id("timeline-entry").first
    expect(top).to_contain_text("净水器 X3")
    expect(top).to_contain_text("¥1,999.00")


def test_a_file_over_the_upload_limit_is_refused_before_it_is_sent(
    page: Page, app_with, tmp_path
) -> None:
    """The server refuses such a body unread, which a browser in mid-upload may show as nothing
    at all; the page says why before sending it."""
    app = app_with(MAX_CONTENT_LENGTH=1024 * 1024)
    with app.app_context():
        make_user(username="boss", roles=["supervisor"])
    big = tmp_path / "客户.csv"
    with big.open("wb") as out:
        out.truncate(2 * 1024 * 1024)
    with LiveServer(app) as server:
        page.goto(f"{server.url}/login")
        page.get_by_label("用户名").fill("boss")
        page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.goto(f"{server.url}/customers/import/")
        page.wait_for_load_state("load")
        page.get_by_label("文件").set_input_files(big)
        page.get_by_role("button", name="上传").click()
        expect(page.get_by_role("alert")).to_contain_text("上传的内容超过了允许的 1 MB 上限")
        expect(page).to_have_url(f"{server.url}/customers/import/")


def test_on_a_phone_logging_the_call_is_one_tap_from_the_top(
    page: Page, live_server, caller
) -> None:
    """390 px wide: "Log contact" is in the first screen and puts the cursor in the form; a
    link with ?log=1 (the agent home's "call") opens the page with the form focused."""
    sign_in(page, live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/customers/{caller}")
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("log-contact")).to_be_in_viewport(ratio=1)
    page.get_by_test_id("log-contact").click()
    expect(page.get_by_label("摘要")).to_be_focused()
    # Polled: Bootstrap scrolls smoothly to the anchor.
    expect(page.locator("#summary")).to_be_in_viewport(ratio=1)

    page.goto(f"{live_server.url}/customers/{caller}?log=1")
    page.wait_for_load_state("load")
    expect(page.get_by_label("摘要")).to_be_focused()
    # Polled: Bootstrap scrolls smoothly to the anchor.
    expect(page.locator("#summary")).to_be_in_viewport(ratio=1)
    page.get_by_label("摘要").fill("回电确认地址")
    page.get_by_role("button", name="保存互动记录").click()
    expect(page.get_by_role("alert").filter(has_text="互动已记录")).to_be_visible()

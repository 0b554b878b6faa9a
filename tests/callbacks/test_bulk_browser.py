"""A supervisor plans the key accounts of a region in bulk: picks the region and agents from
lists (no ctrl-click), previews who calls whom on which days, then confirms."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from crm.extensions import db
from tests.callbacks.test_browser import sign_in
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.browser

#: kept for a person to look at how the preview reads in Chinese
SCREENSHOT = Path(tempfile.gettempdir()) / "bulk-plan-preview-zh.png"


@pytest.fixture
def region(app) -> None:
    app.config["CHINESE_HOLIDAYS"] = True
    with app.app_context():
        boss = make_user(username="wang.wei", display_name="王伟", roles=["supervisor"])
        for username, name in [("liu.yang", "刘洋"), ("chen.jing", "陈静"), ("zhao.lei", "赵磊")]:
            make_user(username=username, display_name=name, roles=["agent"])
        for name in ["华为技术", "上海电气", "苏州纺织", "杭州电商"]:
            make_customer(actor=boss, name=name, tier="key", region="华东")
        make_customer(actor=boss, name="广州物流", tier="key", region="华南")
        db.session.commit()


def test_pick_region_and_agents_preview_then_confirm(browser: Browser, live_server, region) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(page, live_server.url, "wang.wei")
    page.goto(f"{live_server.url}/callbacks/plans/bulk")
    page.get_by_role("radio", name=re.compile("华东")).check()
    # keyboard only: find an agent, Enter picks the only match; a tick picks another
    search = page.get_by_label("查找客服专员")
    search.fill("刘")
    search.press("Enter")
    page.get_by_role("checkbox", name="陈静").focus()
    page.keyboard.press("Space")
    tokens = page.locator("[data-tokens] [data-token]")
    expect(tokens).to_have_count(2)
    page.get_by_role("button", name="取消选择 陈静").click()
    expect(tokens).to_have_count(1)
    page.get_by_role("checkbox", name="陈静").check()
    page.get_by_label("回访目的").fill("月度回访：了解使用情况")
    page.get_by_label("起始日期").fill("2026-10-01")
    page.get_by_role("button", name="预览回访安排").click()

    preview = page.get_by_test_id("bulk-preview")
    rows = preview.get_by_test_id("preview-row")
    expect(rows).to_have_count(4)
    expect(preview).not_to_contain_text("广州物流")
    expect(rows.first).to_contain_text("2026年10月8日")  # after the National Day holiday
    expect(page.get_by_role("radio", name=re.compile("华东"))).to_be_checked()
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name=re.compile("确认并创建计划")).click()
    expect(page.get_by_role("alert").filter(has_text="4")).to_be_visible()

"""In Chromium, zh-CN: a call the phone system reports ringing pops up on its agent's open page
within seconds and goes once answered; the call figures report renders; both pass axe-core."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from crm.api.tokens import create_token
from crm.database import utcnow
from crm.extensions import db
from tests.core.test_accessibility import AXE, findings, sign_in
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def token(app) -> str:
    with app.app_context():
        system = make_user(username="phone.system", roles=["agent"])
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        make_user(username="wang.wei", display_name="王伟", roles=["supervisor"])
        make_customer(actor=agent, name="周<b>杰伦</b>", phones=["13800138000"])
        raw = create_token(actor=system, name="电话系统", now=utcnow())[1]
        db.session.commit()
        return raw


def send(app, token: str, event: str, call_id: str = "pbx-1", number: str = "13800138000"):
    answer = app.test_client().post(
        "/api/v1/calls/events",
        json={
            "call_id": call_id,
            "event": event,
            "from": number,
            "to": "4008001234",
            "agent": "liu.yang",
            "at": utcnow().isoformat(),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.json
    return answer


def test_a_ringing_call_pops_for_its_agent_and_goes_when_answered(
    app, browser: Browser, live_server, token
) -> None:
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in(page, live_server.url, "liu.yang")
    pop = page.get_by_test_id("call-pop")
    expect(pop).to_have_count(0)
    rang = time.monotonic()
    send(app, token, "ringing")
    send(app, token, "ringing", call_id="pbx-2", number="<img src=x onerror=alert(1)>")
    expect(pop.first).to_be_visible(timeout=6000)
    popped = time.monotonic() - rang
    assert popped < 6, popped
    expect(pop).to_have_count(2)
    expect(page.get_by_test_id("call-pop-caller").first).to_contain_text("/")
    expect(page.locator("#call-pop")).to_contain_text("来电：")
    expect(page.locator("#call-pop")).to_contain_text("周<b>杰伦</b> / 13800138000")
    expect(page.locator("#call-pop")).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("#call-pop img, #call-pop b").count() == 0
    assert findings(page, "call pop:") == []
    page.get_by_role("link", name="打开客户").click()
    expect(page.get_by_role("heading", name="周<b>杰伦</b>")).to_be_visible()
    send(app, token, "answered")
    send(app, token, "missed", call_id="pbx-2", number="<img src=x onerror=alert(1)>")
    expect(pop).to_have_count(0, timeout=6000)
    context.close()


def test_the_call_figures_report_renders_in_chinese(
    app, browser: Browser, live_server, token
) -> None:
    send(app, token, "ringing")
    send(app, token, "missed")
    send(app, token, "ringing", call_id="pbx-2")
    send(app, token, "answered", call_id="pbx-2")
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    context.add_init_script(path=AXE)
    page = context.new_page()
    sign_in(page, live_server.url, "wang.wei")
    page.get_by_test_id("main-nav").get_by_role("button", name="报表").click()
    page.get_by_test_id("main-nav").get_by_role("link", name="仪表盘").click()
    page.get_by_role("link", name="来电统计").click()
    expect(page.get_by_test_id("main-nav").locator("[aria-current=page]")).to_have_text("仪表盘")
    expect(page.get_by_role("heading", level=1)).to_contain_text("来电统计")
    expect(page.get_by_test_id("answer-rate")).to_have_text("50%")
    expect(page.get_by_test_id("abandoned")).to_have_text("1")
    expect(page.get_by_test_id("calls-by-hour")).to_contain_text("接听率")
    expect(page.get_by_test_id("missed-calls")).to_contain_text("周<b>杰伦</b>")
    assert findings(page, "call report:") == []
    page.goto(f"{live_server.url}/reports/calls?day={(utcnow() - timedelta(days=400)).date()}")
    expect(page.get_by_test_id("no-calls")).to_have_text("此期间没有来电。")
    assert findings(page, "empty call report:") == []
    context.close()

"""A supervisor opens the dashboard, switches to last October, drills from the satisfaction tile
into the survey answers behind it, and exports them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crm.cases.services import open_case
from crm.extensions import db
from crm.surveys.models import Survey
from tests.factories import DEFAULT_PASSWORD, make_customer, make_user

pytestmark = pytest.mark.browser

ANSWERED = datetime(2026, 10, 15, 3, tzinfo=UTC)


@pytest.fixture
def october(app) -> None:
    with app.app_context():
        make_user(username="boss.wang", display_name="王主管", roles=["supervisor"])
        agent = make_user(username="agent.li", display_name="李客服", roles=["agent"])
        for name, ratings in (("赵六", (5, 5, 5)), ("钱七", (2, 3, 3))):
            customer = make_customer(actor=agent, name=name)
            case = open_case(
                actor=agent,
                customer=customer,
                subject="咨询",
                category="inquiry",
                now=ANSWERED,
                assignee=agent,
            )
            case.status = "resolved"
            db.session.add(
                Survey(
                    case_id=case.id,
                    customer_id=customer.id,
                    sent_at=ANSWERED,
                    expires_at=ANSWERED,
                    answered_at=ANSWERED,
                    channel="phone",
                    attitude=ratings[0],
                    efficiency=ratings[1],
                    resolution=ratings[2],
                )
            )
        db.session.commit()


def test_dashboard_period_drill_down_and_export(page: Page, live_server, october) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("用户名").fill("boss.wang")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="报表").click()
    page.get_by_role("link", name="仪表盘").click()
    expect(page.get_by_test_id("tile-satisfaction")).to_be_visible()

    form = page.get_by_test_id("period-form")
    form.get_by_label("周期").select_option("month")
    form.get_by_label("月份").fill("2026-10")
    form.get_by_role("button", name="显示").click()
    satisfaction = page.get_by_test_id("value-satisfaction")
    expect(satisfaction).to_have_text("50.0%")

    satisfaction.click()
    rows = page.get_by_test_id("drill-rows")
    expect(rows.locator("tbody tr")).to_have_count(2)
    expect(rows).to_contain_text("赵六")
    expect(rows).to_contain_text("钱七")

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    exported = download.value
    assert exported.suggested_filename == "satisfaction-2026-10-01.csv"
    text = Path(exported.path()).read_text(encoding="utf-8-sig")
    assert "赵六" in text and "钱七" in text
    assert len(text.strip().splitlines()) == 3

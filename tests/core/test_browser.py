"""htmx in Chromium: hardened settings, the CSRF header only on requests of the app's own
markup, and markup that got into a container of user text doing nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_customer, make_interaction, make_user

pytestmark = pytest.mark.browser
HOSTILE = "<i id=x>"


@pytest.fixture
def customer(app) -> int:
    with app.app_context():
        boss = make_user(username="zhao.min", display_name="赵敏", roles=["supervisor"])
        customer = make_customer(actor=boss, name="张三丰", phones=["13800138000"])
        make_interaction(customer=customer, actor=boss, summary=HOSTILE)
        db.session.commit()
        return customer.id


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名").fill("zhao.min")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("main-nav")).to_be_visible()
    page.wait_for_load_state("load")


def inject(page: Page, selector: str, marker: str) -> None:
    """Put an element that asks htmx for a request on load into ``selector``, as markup that
    slipped past escaping would, and have htmx process it."""
    page.evaluate(
        """([selector, marker]) => {
            const container = document.querySelector(selector);
            container.insertAdjacentHTML('beforeend',
                `<b hx-get="/notifications/?${marker}=1" hx-trigger="load"></b>`);
            htmx.process(container);
        }""",
        [selector, marker],
    )


def test_htmx_is_hardened_and_markup_in_user_text_cannot_make_requests(
    page: Page, live_server, customer
) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/customers/{customer}")
    page.wait_for_load_state("load")
    settings = "[htmx.config.selfRequestsOnly, htmx.config.allowEval, htmx.config.allowScriptTags]"
    assert page.evaluate(settings) == [True, False, False]
    entry = page.get_by_test_id("timeline-entry").first
    expect(entry).to_contain_text(HOSTILE)
    expect(page.locator("i#x")).to_have_count(0)

    inject(page, "[data-testid=timeline-entry]", "injected")
    inject(page, "#main", "control")
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    # The app's own markup works and carries the token.
    section = page.locator("details", has=page.get_by_text("记录购买", exact=True))
    section.get_by_text("记录购买", exact=True).click()
    expect(section.get_by_label("产品")).to_be_visible()
    form_request = next(r for r in requests if "/purchases/new" in r.url)
    assert form_request.headers.get("x-csrftoken") == token
    # The control outside any container of user text shows the injection would have run.
    assert any("control=1" in r.url for r in requests)
    assert not any("injected=1" in r.url for r in requests)


def test_the_import_upload_posts_through_htmx_with_the_token_header(
    page: Page, live_server, customer, tmp_path
) -> None:
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/customers/import/")
    page.wait_for_load_state("load")
    upload = tmp_path / "客户.csv"
    upload.write_text("姓名,手机\n李四,13911112222\n", encoding="utf-8")
    page.locator("#file").set_input_files(upload)
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    page.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(r"/customers/import/\d+$"))
    posted = next(r for r in requests if r.method == "POST" and "/customers/import/" in r.url)
    assert posted.headers.get("hx-request") == "true"
    assert posted.headers.get("x-csrftoken") == token

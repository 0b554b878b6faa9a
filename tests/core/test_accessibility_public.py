"""axe-core on the pages the role walk cannot reach by URL alone: the customer's survey page
(it needs a live token), the second step of signing in (it needs a password first), and the
contact form's refusals, thank-you page and status page (they need a submission or a link)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.auth.test_two_factor import enrol
from tests.channels.test_status_page import web_case
from tests.conftest import csrf_token
from tests.core.test_accessibility import context_page, findings  # noqa: F401 (a fixture)
from tests.factories import DEFAULT_PASSWORD
from tests.surveys.test_public import link_for


def test_the_survey_page_has_no_serious_finding(app, context_page: Page, live_server) -> None:  # noqa: F811
    url = live_server.url + link_for(app, name="欧阳娜娜")
    assert context_page.goto(url).status == 200
    assert findings(context_page, "survey:") == []
    with context_page.expect_navigation():  # axe must not run on the page being left
        context_page.locator("form[method=post] button[type=submit]").click()  # nothing chosen
    assert findings(context_page, "survey, refused with messages:") == []


def test_the_second_sign_in_step_has_no_serious_finding(
    app,
    client,
    login_as,
    context_page: Page,  # noqa: F811
    live_server,
) -> None:
    login_as("agent", username="agent.axe")
    enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    page = context_page
    page.goto(f"{live_server.url}/login")
    page.get_by_label("用户名").fill("agent.axe")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("密码", exact=True).press("Enter")
    page.wait_for_url(f"{live_server.url}/login/verify")
    assert findings(page, "two-factor verify:") == []


def test_the_contact_form_thanks_and_status_pages_have_no_serious_finding(
    app,
    context_page: Page,  # noqa: F811
    live_server,
) -> None:
    page, url = context_page, live_server.url
    app.config["PUBLIC_URL"] = url
    page.goto(f"{url}/contact")
    assert findings(page, "contact form:") == []
    with page.expect_navigation():  # axe must not run on the page being left
        page.get_by_role("button", name="发送", exact=True).click()  # nothing filled in
    assert page.locator("#name-error").count() == 1
    assert findings(page, "contact form, refused with messages:") == []
    page.get_by_label("您的姓名").fill("韩梅梅")
    page.get_by_label("电话").fill("13800138000")
    page.get_by_label("您的留言").fill("请回电")
    page.get_by_role("button", name="发送", exact=True).click()
    page.wait_for_url(f"{url}/contact/thanks")
    assert findings(page, "contact thanks:") == []
    with page.expect_navigation():
        page.get_by_test_id("status-link").click()
    assert findings(page, "status page of the new case:") == []
    _case_id, path = web_case(app)  # with a reply and files
    page.goto(url + path)
    with page.expect_navigation():
        page.get_by_role("button", name="发送", exact=True).click()  # an empty answer
    assert findings(page, "status page with a conversation, answer refused:") == []
    assert page.goto(f"{url}/status/not-a-link").status == 404
    assert findings(page, "invalid status link:") == []

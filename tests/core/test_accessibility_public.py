"""axe-core on the pages the role walk cannot reach by URL alone: the customer's survey page
(it needs a live token) and the second step of signing in (it needs a password first)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.auth.test_two_factor import enrol
from tests.conftest import csrf_token
from tests.core.test_accessibility import context_page, findings  # noqa: F401 (a fixture)
from tests.factories import DEFAULT_PASSWORD
from tests.surveys.test_public import link_for


def test_the_survey_page_has_no_serious_finding(app, context_page: Page, live_server) -> None:  # noqa: F811
    url = live_server.url + link_for(app, name="欧阳娜娜")
    assert context_page.goto(url).status == 200
    assert findings(context_page, "survey:") == []
    context_page.locator("form[method=post] button[type=submit]").click()  # nothing chosen
    context_page.wait_for_load_state()
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

"""axe-core (WCAG 2.1 A and AA) on every page each role reaches: no serious or critical finding.

The pages are the GET routes of the permission matrix (tests/test_permissions.py), with its
objects, that the role's permissions open, plus every link of the role's navigation; the
login page is checked signed out. axe-core is a test asset (tests/vendor/README.md), injected
into pages with the CSP bypassed: the app itself never serves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from crm.auth.permissions import ROLE_PERMISSIONS, Role
from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_permissions import LOGIN, MATRIX, PUBLIC, objects  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[1] / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' '))}));
}"""
#: GET routes that are no page: health checks, fragments for htmx, downloads, the API's own
#: documents, and pages that only redirect without their token
NOT_PAGES = {
    "core.healthz",
    "core.readyz",
    "metrics.metrics",
    "customers.quick_search",
    # the call pop's fragment: checked inside a page in tests/channels/test_calls_browser.py
    "calls.ringing",
    "callbacks.worklist_more",
    "qa.report_xlsx",
    "plans.export",
    "api.openapi_json",
    "api.reference",
    "two_factor.verify",
    "survey.respond",
    "auth.login",
    "channels.attachment",
    "channels.use_template",
    "channels.customer_search",
    # the case page's knowledge panel: checked inside the case page
    "knowledge.case_suggestions",
    # the call script beside the customer page's log form: checked inside the customer page
    "knowledge.log_script",
    # the contact form's suggestions: a fragment of /contact
    "help.suggest_for_contact",
}
#: the home's sections are fragments too: each is checked on the home page it is part of
NOT_PAGES |= {endpoint for endpoint, _method in MATRIX if endpoint.startswith("home.")}

#: paths that answer a file to download, not a page
DOWNLOADS = (".csv", ".xlsx", ".json")


def pages_for(role: Role, ids: dict[str, int]) -> list[str]:
    granted = ROLE_PERMISSIONS[role]
    return [
        route.path.format(**ids)
        for (endpoint, method), route in MATRIX.items()
        if method == "GET"
        and endpoint not in NOT_PAGES
        and not route.path.endswith(DOWNLOADS)
        and (route.access in (LOGIN, PUBLIC) or route.access in granted)
    ]


def audit(page: Page, url: str) -> list[str]:
    """The serious and critical findings on ``url`` as printable lines; none for a page the
    user may not open (403, or 404 for someone else's object) or a fragment."""
    response = page.goto(url)
    if response is None or response.status in (403, 404) or not page.locator("main").count():
        return []
    assert response.status == 200, (url, response.status)
    return findings(page, url)


def findings(page: Page, where: str) -> list[str]:
    return [
        f"{where} {found['impact']} {found['id']}: {', '.join(found['targets'][:5])}"
        + (f" (+{len(found['targets']) - 5} more)" if len(found["targets"]) > 5 else "")
        for found in page.evaluate(RUN_AXE)
    ]


@pytest.fixture
def context_page(browser: Browser):
    """A page that has axe-core from the start of every document (the CSP bypassed for it)."""
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    context.add_init_script(path=AXE)
    yield context.new_page()
    context.close()


def sign_in(page: Page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{url}/")


def test_the_login_page_has_no_serious_finding(context_page: Page, live_server) -> None:
    assert audit(context_page, f"{live_server.url}/login") == []


def test_every_page_of_every_role_has_no_serious_finding(
    app,
    context_page: Page,
    live_server,
    objects,  # noqa: F811 (the permission matrix's fixture, imported above)
) -> None:
    """Each role's home with every menu of its navigation open, its own pages, then each page
    the role may open that no role before it had: the others differ little by role, and axe
    takes about a second a page."""
    with app.app_context():
        for role in Role:
            make_user(username=f"axe.{role.value}", display_name="无障碍", roles=[role.value])
        db.session.commit()
    page, url = context_page, live_server.url
    seen: set[str] = set()
    #: the pages of one's own account, notifications, training and reviews: checked for every
    #: role, since each shows the role's own things
    own = {
        route.path.format(**objects)
        for (_endpoint, method), route in MATRIX.items()
        if method == "GET" and route.access == LOGIN
    }
    found: list[str] = []
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.QA, Role.TRAINER, Role.AGENT):
        sign_in(page, url, f"axe.{role.value}")
        page.eval_on_selector_all(
            ".dropdown-menu", "menus => menus.forEach(m => m.classList.add('show'))"
        )
        found += findings(page, f"{role} home, menus open:")
        nav_links = page.eval_on_selector_all(
            "[data-testid=main-nav] a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        paths = [
            path
            for path in dict.fromkeys(pages_for(role, objects) + nav_links)
            if path not in seen or path in own
        ]
        seen.update(paths)
        found += [line for path in paths for line in audit(page, url + path)]
        print(
            f"{role}: {len(paths)} pages checked; {len(found)} serious or critical findings so far"
        )
    assert found == [], "\n" + "\n".join(found)

"""htmx hardening in the served markup (tests/core/test_browser.py checks it in Chromium)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import CSRF_META
from tests.factories import make_customer, make_interaction

STATIC = Path(__file__).resolve().parents[2] / "crm" / "static"
HTMX_CONFIG = re.compile(r"<meta name=\"htmx-config\" content='([^']*)'>")
BODY_HEADERS = re.compile(r"<body hx-headers='([^']*)'>")


def test_the_vendored_htmx_knows_the_settings_the_pages_give_it() -> None:
    htmx = (STATIC / "vendor" / "htmx" / "htmx.min.js").read_text(encoding="utf-8")
    assert 'version:"2.' in htmx
    for key in ("selfRequestsOnly", "allowEval", "allowScriptTags", "includeIndicatorStyles"):
        assert f"{key}:" in htmx, key


def test_pages_configure_htmx_hardened_and_give_the_token_only_through_body_markup(
    client, login_as
) -> None:
    login_as("agent")
    page = client.get("/").get_data(as_text=True)
    config = json.loads(HTMX_CONFIG.search(page).group(1))
    assert config == {
        "selfRequestsOnly": True,
        "allowEval": False,
        "allowScriptTags": False,
        "includeIndicatorStyles": False,
    }
    headers = json.loads(html.unescape(BODY_HEADERS.search(page).group(1)))
    assert set(headers) == {"X-CSRFToken"}
    assert headers["X-CSRFToken"] == CSRF_META.search(page).group(1)
    # No script adds the token to every htmx request, whichever element issued it.
    assert "configRequest" not in (STATIC / "js" / "app.js").read_text(encoding="utf-8")


def test_containers_of_user_text_are_closed_to_htmx(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer = make_customer(actor=agent, notes="备注")
        make_interaction(customer=customer, actor=agent, details="详情")
        case = open_case(
            actor=agent,
            customer=customer,
            subject="主题",
            description="描述",
            category="tech_support",
            now=utcnow(),
        )
        db.session.commit()
        ids = (customer.id, case.id)
    profile = client.get(f"/customers/{ids[0]}").get_data(as_text=True)
    entries = re.findall(r'<li [^>]*data-testid="timeline-entry"[^>]*>', profile)
    assert entries and all("hx-disable" in tag for tag in entries)
    assert re.search(r'<dl class="row mt-3 mb-0 small" hx-disable>', profile)
    case_page = client.get(f"/cases/{ids[1]}").get_data(as_text=True)
    assert re.search(r"<h1 [^>]*hx-disable>#\d+ 主题</h1>", case_page)
    assert '<p class="mt-3 text-pre" hx-disable>描述</p>' in case_page
    assert 'data-testid="case-thread" hx-disable>' in case_page

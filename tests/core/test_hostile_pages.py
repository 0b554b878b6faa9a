"""Every page, as every role, with markup in every value users type: it shows as text.

The paths come from ``app.url_map``: a new page is walked without being listed here, and a
page whose URL needs a value this test cannot fill fails until it is taught one."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask

from crm.auth.permissions import Role
from crm.database import utcnow
from crm.extensions import db
from crm.reports.monthly import prepare_previous_month
from crm.reports.scope import KPI_KEYS
from tests.conftest import login
from tests.core.hostile import KINDS, RAW, escaped, hostile, seed

#: URL arguments by name, or by (endpoint, name) where one name means two things
ARGUMENTS = {
    "user_id": "user_id",
    "customer_id": "customer_id",
    "interaction_id": "interaction_id",
    "case_id": "case_id",
    "plan_id": "plan_id",
    "task_id": "task_id",
    "batch_id": "batch_id",
    "scorecard_id": "scorecard_id",
    "review_id": "review_id",
    "token": "survey_token",
    "month": "month",
    "merge_id": "merge_id",
    "attachment_id": "attachment_id",
    "template_id": "template_id",
    "department": "department",
    "article_id": "article_id",
    "team_id": "team_id",
    "action_id": "action_id",
    "period": "plan_period",
    ("channels.attachment", "case_id"): "web_case",
    ("channels.attachment", "attachment_id"): "status_attachment",
    ("webform.status", "token"): "status_token",
    ("webform.attachment", "token"): "status_token",
    ("webform.attachment", "attachment_id"): "status_attachment",
    ("training.session", "session_id"): "training_session",
    ("value.offer_rule", "rule_id"): "offer_rule",
    ("qa.calibration_session", "session_id"): "calibration_session",
}
#: query strings that make a page show the seeded objects, or echo a typed value
QUERIES = {
    "customers.index": ["", "q=customer", f"q={quote(hostile('q'))}"],
    "customers.quick_search": ["q=customer", f"q={quote(hostile('q'))}"],
    "cases.new": ["customer={customer_id}", "customer={customer_id}&interaction={interaction_id}"],
    "customers.create": ["", f"phone={quote(hostile('q'))}"],
    "customers.merge": ["", "q=customer", f"q={quote(hostile('q'))}", "target={other_customer}"],
    "callbacks.new_plan": ["customer={customer_id}"],
    "pop.screen_pop": [f"phone={quote(hostile('phone'))}", "phone=13800138000"],
    "callbacks.worklist_more": [
        f"section={section}&after=2000-01-01|0" for section in ("overdue", "today", "upcoming")
    ],
    "audit.index": ["", f"q={quote(hostile('q'))}"],
    "knowledge.index": ["", "q=%E9%80%80%E6%AC%BE", f"q={quote(hostile('q'))}"],
    "help.index": ["", "q=%E9%80%80%E6%AC%BE", f"q={quote(hostile('q'))}"],
    "help.article": ["", "from=contact"],
    "help.suggest_for_contact": [
        "message=%E9%80%80%E6%AC%BE",
        f"message={quote(hostile('m'))}&category={quote(hostile('c'))}",
    ],
    "knowledge.versions": ["", "v=1"],
    "knowledge.case_suggestions": ["", "q=%E9%80%80%E6%AC%BE", f"q={quote(hostile('q'))}"],
    "knowledge.log_script": ["category=complaint", f"category={quote(hostile('c'))}"],
}
#: token-authenticated JSON, and files that are not pages
SKIPPED = {"static", "qa.report_xlsx", "channels.attachment", "metrics.metrics"}


def page_paths(app: Flask, values: dict[str, int | str]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if "GET" not in rule.methods or endpoint in SKIPPED:
            continue
        if endpoint.startswith("api.") and endpoint != "api.reference":
            continue
        if endpoint == "reports.kpi":
            this_month = f"?month={values['this_month']}"
            paths += [
                f"/reports/kpi/{key}{query}" for key in KPI_KEYS for query in ("", this_month)
            ]
            continue
        arguments = {}
        for name in rule.arguments:
            key = ARGUMENTS.get((endpoint, name), ARGUMENTS.get(name))
            assert key is not None, f"teach the test a value for {endpoint}'s {name}"
            arguments[name] = values[key]
        path = rule.build(arguments)[1]
        for query in QUERIES.get(endpoint, [""]):
            paths.append(f"{path}?{query.format(**values)}" if query else path)
    return paths


@pytest.fixture
def seeded(app: Flask) -> dict[str, int | str]:
    with app.app_context():
        values = seed()
        prepare_previous_month(utcnow())
        db.session.commit()
    return values


def test_markup_in_every_user_field_is_text_on_every_page_for_every_role(
    app: Flask, seeded: dict[str, int | str]
) -> None:
    paths = page_paths(app, seeded)
    raw, shown, status = [], set(), {}
    for role in Role:
        client = app.test_client()
        assert login(client, f"{role.value}.one").status_code == 302
        for path in paths:
            response = client.get(path)
            status[role.value, path] = response.status_code
            assert response.status_code < 500, (role.value, path)
            if response.mimetype != "text/html":
                response.close()  # a downloaded file stays open until closed
                continue
            body = response.get_data(as_text=True)
            if RAW in body:
                at = body.index(RAW)
                raw.append((role.value, path, body[max(0, at - 80) : at + 20]))
            shown |= {kind for kind in KINDS if escaped(kind) in body}
    assert raw == []
    # Every URL was filled with a real object: the administrator reaches each page.
    assert [path for (role, path), code in status.items() if role == "admin" and code >= 400] == []
    # The walk saw every kind of value, so it proves something about each.
    assert set(KINDS) - shown == set()

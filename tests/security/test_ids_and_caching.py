"""Issue 19: ids that cannot exist are refused by the URL map (404, not a database overflow),
query-string ids are read by one helper, and nothing the app answers to a signed-in user, an
API token or a download may be kept by a browser or a proxy cache."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from crm.api.tokens import create_token
from crm.core.ids import MAX_ID
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer, make_user

BEYOND_64_BITS = [str(2**31), str(2**63), str(2**64), str(10**30)]


def _id_rules(app: Flask, *, api: bool) -> list[tuple[str, str, str]]:
    """(path with every id set to a placeholder, method, endpoint) of each rule with an id."""
    found = []
    for rule in app.url_map.iter_rules():
        ids = [
            name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)
        ]
        if not ids or rule.endpoint.startswith("api.") != api:
            continue
        path = rule.rule
        for name in ids:
            path = path.replace(f"<int:{name}>", "{id}")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((path, method, rule.endpoint))
    return found


@pytest.mark.parametrize("huge", BEYOND_64_BITS)
def test_ids_beyond_64_bits_are_404_on_every_web_route(app, client, login_as, huge) -> None:
    login_as("admin", "supervisor", "trainer", "qa")
    token = csrf_token(client, "/account")
    rules = _id_rules(app, api=False)
    assert len(rules) >= 47
    answers = {}
    for path, method, endpoint in rules:
        url = path.format(id=huge)
        response = (
            client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        )
        answers[endpoint, method] = response.status_code
    # 405 where the path is also a rule for other methods: Werkzeug weighs the method first.
    assert set(answers.values()) <= {404, 405}, answers
    assert 404 in answers.values()


def test_ids_beyond_64_bits_are_404_on_the_api_before_anything_is_looked_up(app, client) -> None:
    with app.app_context():
        user = make_user(roles=["supervisor"])
        raw = create_token(actor=user, name="test", now=utcnow())[1]
        db.session.commit()
    rules = _id_rules(app, api=True)
    assert rules
    for headers in ({"Authorization": f"Bearer {raw}"}, {}):
        for path, method, endpoint in rules:
            response = client.open(path.format(id=2**63), method=method, headers=headers, json={})
            assert response.status_code in (404, 405), (endpoint, headers)
            assert response.json["error"]["code"] in ("not_found", "method_not_allowed")


def test_the_largest_id_is_still_looked_up(app, client, login_as) -> None:
    admin = login_as("admin")
    with app.app_context():
        customer = make_customer(actor=admin, name="最后一位")
        db.session.commit()
        customer_id = customer.id
    assert client.get(f"/customers/{customer_id}").status_code == 200
    # a 32-bit id is looked up (and not found); one past it is refused by the URL itself
    assert client.get(f"/customers/{MAX_ID}").status_code == 404
    assert client.get(f"/customers/{MAX_ID + 1}").status_code == 404
    assert client.get("/customers/0").status_code == 404


@pytest.mark.parametrize("agent", ["{agent}", "²", "١", str(2**63), "-1", "x"])
def test_the_agent_scorecard_opens_with_any_agent_argument(app, client, login_as, agent) -> None:
    # The dashboard, filtered by an agent, links to the scorecard with ``agent=N``.
    with app.app_context():
        agent_id = make_user(roles=["agent"]).id
    login_as("supervisor")
    url = "/reports/agents?agent=" + agent.format(agent=agent_id)
    response = client.get(url)
    assert response.status_code == 200
    assert client.get(url.replace("/agents", "/")).status_code == 200


def test_api_responses_are_not_stored(app, client) -> None:
    with app.app_context():
        user = make_user(roles=["agent"])
        make_customer(actor=user, phones=["13800138000"])
        raw = create_token(actor=user, name="test", now=utcnow())[1]
        db.session.commit()
    for headers in ({"Authorization": f"Bearer {raw}"}, {}):
        response = client.get("/api/v1/customers?q=138", headers=headers)
        assert response.headers["Cache-Control"] == "no-store", response.status_code


def test_exports_are_not_stored(app, client, login_as) -> None:
    user = login_as("admin")
    with app.app_context():
        make_customer(actor=user)
        db.session.commit()
    token = csrf_token(client, "/customers/")
    for form in ("csv", "xlsx"):
        response = client.post("/customers/export", data={"format": form, "csrf_token": token})
        response.get_data()  # runs the streamed CSV to its end, inside its request
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store"
    for url in (
        "/reports/agents?format=csv",
        "/reports/kpi/satisfaction?format=xlsx",
        "/qa/report.xlsx",
    ):
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_every_response_to_a_signed_in_user_is_not_stored(app, client, login_as) -> None:
    login_as("admin", "supervisor", "trainer", "qa")
    kept = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint.startswith("api."):
            continue
        response = client.get(rule.rule)
        response.get_data()
        if response.headers.get("Cache-Control") != "no-store":
            kept.append((rule.rule, response.status_code, response.headers.get("Cache-Control")))
    assert kept == []


def test_static_files_keep_their_long_cache(client, login_as) -> None:
    login_as("agent")
    page = client.get("/").get_data(as_text=True)
    css = page.split('href="/static/css/', 1)[1].split('"', 1)[0]
    response = client.get(f"/static/css/{css}")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]


def test_a_nul_in_the_path_is_refused_before_any_view(client) -> None:
    # SQLite would look the token up; PostgreSQL refuses a NUL in text with an error.
    assert client.get("/s/abc%00def").status_code == 400

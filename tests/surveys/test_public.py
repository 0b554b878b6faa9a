"""The public survey page: no sign-in, two steps, nothing revealed, rate-limited."""

from __future__ import annotations

import re
from datetime import timedelta

from crm.cases.services import change_status, open_case
from crm.database import utcnow
from crm.extensions import db
from crm.surveys.services import create_link
from tests.factories import make_customer, make_user

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def link_for(app, *, name: str = "周杰伦", subject: str = "退货进度") -> str:
    with app.app_context():
        agent = make_user(roles=["agent"])
        customer = make_customer(
            actor=agent,
            name=name,
            phones=["13800138000"],
            email="jay@example.cn",
            company="杰威尔音乐",
        )
        case = open_case(
            actor=agent, customer=customer, subject=subject, category="after_sales", now=utcnow()
        )
        change_status(actor=agent, case=case, status="resolved", now=utcnow())
        token = create_link(actor=agent, case=case, now=utcnow())
        db.session.commit()
        return f"/s/{token}"


def test_opening_the_link_changes_nothing_and_shows_only_the_masked_name_and_subject(
    app, client
) -> None:
    url = link_for(app)
    page = client.get(url).get_data(as_text=True)
    assert "周**" in page and "退货进度" in page
    for secret in ("周杰伦", "13800138000", "138 0013 8000", "jay@example.cn", "杰威尔音乐"):
        assert secret not in page
    assert client.get(url).status_code == 200  # still open: a GET answers nothing


def test_the_second_step_records_and_the_link_then_stops_working(app, client) -> None:
    url = link_for(app)
    token = CSRF_INPUT.search(client.get(url).get_data(as_text=True)).group(1)
    response = client.post(
        url, data={"attitude": "5", "efficiency": "4", "resolution": "5", "csrf_token": token}
    )
    assert response.status_code == 200
    assert client.get(url).status_code == 404


def test_a_bad_answer_is_refused_with_a_message(app, client) -> None:
    url = link_for(app)
    token = CSRF_INPUT.search(client.get(url).get_data(as_text=True)).group(1)
    response = client.post(url, data={"attitude": "5", "efficiency": "9", "csrf_token": token})
    assert response.status_code == 400
    assert 'id="efficiency-error"' in response.get_data(as_text=True)


def test_an_expired_link_says_so(app, client, time_machine) -> None:
    url = link_for(app)
    time_machine.move_to(utcnow() + timedelta(days=8))
    response = client.get(url)
    assert response.status_code == 410


def test_guessing_links_is_rate_limited(app, client) -> None:
    limit = app.config["SURVEY_RATE_LIMIT"]
    statuses = [client.get(f"/s/guess-{n}").status_code for n in range(limit + 1)]
    assert statuses[:limit] == [404] * limit
    assert statuses[-1] == 429


def test_the_survey_pages_reach_nothing_else(app, client) -> None:
    client.get(link_for(app))
    assert client.get("/").status_code == 302  # still signed out

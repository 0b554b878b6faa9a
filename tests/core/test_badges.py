"""The navigation's badges: read in one statement on every page, and the bell's count stops at
99+, since counting on would read every unread notice each time."""

from __future__ import annotations

import re

from flask import current_app

from crm.cases.services import open_case
from crm.contingency.services import start_incident
from crm.core.header import PageHeader, page_header
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.inbox import UNREAD_BADGE_CAP
from crm.notifications.services import notify
from tests.factories import make_customer, make_user
from tests.perf.test_query_shape import counting


def _unread(user_id: int, count: int) -> None:
    # Single notices, not the digest so many of one kind at once would come as.
    current_app.config["NOTIFICATION_DIGEST_THRESHOLD"] = 10 * count
    notify(
        {
            "user_id": user_id,
            "kind": "case.breach_response",
            "subject_type": "case",
            "subject_id": number,
            "payload": {"case": number, "subject": "x"},
        }
        for number in range(count)
    )
    db.session.commit()


def bell(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<a class="nav-link"[^>]*data-testid="bell".*?</a>', page, re.S).group(0)


def test_the_bell_shows_the_count_up_to_the_cap_then_99_plus(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        _unread(agent.id, UNREAD_BADGE_CAP)
        assert page_header(agent).unread_notifications == UNREAD_BADGE_CAP
    assert ">99<" in bell(client)
    assert "99 条未读通知" in bell(client)
    with app.app_context():
        _unread(agent.id, UNREAD_BADGE_CAP + 20)
        assert page_header(agent).unread_notifications == UNREAD_BADGE_CAP + 1
    assert ">99+<" in bell(client)
    assert "超过 99 条未读通知" in bell(client)


def test_the_navigation_reads_every_badge_in_one_statement(ctx) -> None:
    agent = make_user(roles=["agent"])
    supervisor = make_user(roles=["agent", "supervisor"])
    customer = make_customer(actor=agent)
    for number in range(3):
        open_case(
            actor=agent,
            customer=customer,
            subject=f"工单{number}",
            category="inquiry",
            now=utcnow(),
            assignee=agent,
        )
    late = open_case(
        actor=supervisor, customer=customer, subject="超时", category="complaint", now=utcnow()
    )
    late.response_breached = True
    db.session.commit()
    _unread(agent.id, 2)
    page_header(agent)  # loads the user and roles the commit expired
    with counting(ctx) as statements:
        seen_by_agent = page_header(agent)
    assert len(statements) == 1
    assert seen_by_agent == PageHeader(
        my_open_cases=3, breached_cases=0, unread_notifications=2, incident=None
    )
    assert page_header(supervisor) == PageHeader(
        my_open_cases=0, breached_cases=1, unread_notifications=0, incident=None
    )
    incident = start_incident(actor=make_user(roles=["admin"]), reason="线路中断", now=utcnow())
    db.session.commit()
    assert page_header(agent).incident == incident

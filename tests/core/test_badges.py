"""The bell's count stops at 99+: it is on every page, and counting on would read every unread
notice each time."""

from __future__ import annotations

import re

from crm.extensions import db
from crm.notifications.services import UNREAD_BADGE_CAP, notify, unread_count


def _unread(user_id: int, count: int) -> None:
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
        assert unread_count(agent) == UNREAD_BADGE_CAP
    assert ">99<" in bell(client)
    assert "99 条未读通知" in bell(client)
    with app.app_context():
        _unread(agent.id, UNREAD_BADGE_CAP + 20)
        assert unread_count(agent) == UNREAD_BADGE_CAP + 1
    assert ">99+<" in bell(client)
    assert "超过 99 条未读通知" in bell(client)

"""The team queue in pages: keyset order by time left, filters applied before paging."""

from __future__ import annotations

import re
from datetime import timedelta

from crm.cases.models import Case
from crm.cases.queries import team_queue
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_user


def _open_cases(count: int) -> list[int]:
    """``count`` open cases, each due a minute after the one before."""
    agent = make_user(roles=["agent"])
    customer = make_customer(actor=agent)
    start = utcnow() - timedelta(hours=1)  # each logs its contact, which cannot be ahead of now
    cases = [
        open_case(
            actor=agent,
            customer=customer,
            subject=f"第{number}号",
            category="inquiry",
            now=start + timedelta(minutes=number),
            assignee=agent,
        )
        for number in range(count)
    ]
    db.session.flush()
    return [case.id for case in cases]


def test_pages_follow_one_another_without_gaps_or_repeats(ctx) -> None:
    opened = _open_cases(25)
    db.session.commit()
    seen, sizes, after = [], [], None
    while True:
        page = team_queue(utcnow(), state="", department=None, after=after, size=10)
        seen += [case.id for case, _sla in page.rows]
        sizes.append(len(page.rows))
        if page.next_after is None:
            break
        after = page.next_after
    assert sizes == [10, 10, 5]
    assert seen == opened


def test_a_filter_finds_matching_cases_however_far_down_the_queue(ctx) -> None:
    opened = _open_cases(25)
    for case_id in opened[-2:]:
        db.session.get(Case, case_id).response_breached = True
    db.session.commit()
    breached = team_queue(utcnow(), state="breached", department=None, size=10)
    assert [case.id for case, _sla in breached.rows] == opened[-2:]
    assert breached.next_after is None
    late = team_queue(utcnow() + timedelta(days=30), state="breached", department=None, size=10)
    assert len(late.rows) == 10
    assert late.next_after is not None


def test_the_queue_page_links_to_the_next_page(app, client, login_as) -> None:
    login_as("supervisor")
    with app.app_context():
        opened = _open_cases(55)
        db.session.commit()
    first = client.get("/cases/queue").get_data(as_text=True)
    assert first.count('data-testid="queue-next"') == 1
    assert f'/cases/{opened[49]}"' in first and f'/cases/{opened[50]}"' not in first
    link = re.search(r'data-testid="queue-next" href="([^"]+)"', first).group(1)
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'/cases/{opened[50]}"' in second and f'/cases/{opened[49]}"' not in second
    assert 'data-testid="queue-next"' not in second
    assert client.get("/cases/queue?after=garbage").status_code == 200

"""The bulk plan page: pick a region and agents, preview who calls whom when, then confirm."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from crm.callbacks.models import CallbackPlan
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer, make_user


def _plans(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CallbackPlan))


def test_preview_lists_the_calls_and_only_confirm_creates_them(app, client, login_as) -> None:
    boss = login_as("supervisor")
    with app.app_context():
        agent = make_user(username="liu.yang", display_name="刘洋", roles=["agent"])
        make_customer(actor=boss, name="<i>华东</i>重点", tier="key", region="华东")
        make_customer(actor=boss, name="华南重点", tier="key", region="华南")
        db.session.commit()
        agent_id = agent.id
    page = client.get("/callbacks/plans/bulk").get_data(as_text=True)
    assert 'type="radio" name="region"' in page and 'type="checkbox" name="agents"' in page
    assert "multiple" not in page  # no ctrl-click select
    form = {
        "csrf_token": csrf_token(client, "/callbacks/plans/bulk"),
        "region": "华东",
        "agents": [str(agent_id)],
        "purpose": "月度回访",
        "start_date": "2026-03-01",
        "step": "preview",
    }
    preview = client.post("/callbacks/plans/bulk", data=form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert html.count('data-testid="preview-row"') == 1
    assert "&lt;i&gt;华东&lt;/i&gt;重点" in html and "华南重点" not in html
    assert _plans(app) == 0
    fingerprint = re.search(r'name="previewed"[^>]*value="([0-9a-f]{16})"', html)
    assert fingerprint, html
    stale = client.post("/callbacks/plans/bulk", data=form | {"step": "confirm", "previewed": "x"})
    assert stale.status_code == 200 and _plans(app) == 0
    done = client.post(
        "/callbacks/plans/bulk",
        data=form | {"step": "confirm", "previewed": fingerprint.group(1)},
    )
    assert done.status_code == 302
    assert _plans(app) == 1

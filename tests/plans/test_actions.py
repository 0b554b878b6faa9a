"""Improvement actions: from a missed KPI on the demo data, through the due date, to the KPI
before and after (acceptance test of issue 26), the owner's notice exactly once, and access."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import time_machine
from sqlalchemy import func, select

from crm.auth.models import User
from crm.database import utcnow
from crm.demo import DEMO_PASSWORD
from crm.extensions import db
from crm.notifications.models import Notification
from crm.plans.actions import ask_for_outcomes, stage
from crm.plans.models import ImprovementAction
from crm.reports.dashboard import tiles
from crm.reports.labels import format_value
from crm.reports.scope import UNITS, Filters, Period
from crm.timezones import department_today
from tests.conftest import csrf_token, login
from tests.plans.support import RAW_KEYS, SHANGHAI, raw_kpi, seed_small_demo


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    assert match, testid
    return match.group(1).strip()


def test_a_supervisor_acts_on_a_missed_kpi_and_sees_it_before_and_after(app, client) -> None:
    with app.app_context():
        seed_small_demo()
        today = department_today(utcnow())
        recent = Period(today - timedelta(days=30), today)
        missed = [
            t.key
            for t in tiles(recent, Filters())
            if t.standing in ("off_track", "improving") and t.key in RAW_KEYS
        ]
        owner_id = db.session.scalar(select(User.id).where(User.username == "agent"))
    assert missed, "the demo department misses some target"
    key = missed[0]
    login(client, "supervisor", DEMO_PASSWORD)
    dashboard = client.get("/reports/").get_data(as_text=True)
    assert f'data-testid="new-action-{key}"' in dashboard or "new-action-" in dashboard
    form = client.get(f"/plans/actions/new?kpi={key}&source=kpi").get_data(as_text=True)
    assert f'<option selected value="{key}">' in form or f'value="{key}" selected' in form
    start, due = today - timedelta(days=20), today + timedelta(days=10)
    response = client.post(
        "/plans/actions/new",
        data={
            "csrf_token": csrf_token(client, "/plans/actions"),
            "title": "回访低分客户",
            "source": "kpi",
            "source_ref": "上月未达标",
            "kpi_key": key,
            "expected_change": "5",
            "owner_id": str(owner_id),
            "start_date": start.isoformat(),
            "due_date": due.isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    action_path = response.headers["Location"]
    assert f'data-testid="actions-{key}"' in client.get("/reports/").get_data(as_text=True)
    assert "回访低分客户" in client.get(f"/reports/kpi/{key}").get_data(as_text=True)

    after_due = datetime.combine(due + timedelta(days=1), time(10), SHANGHAI).astimezone(UTC)
    with time_machine.travel(after_due, tick=False):
        with app.app_context():
            assert ask_for_outcomes(utcnow()) == 1
            assert ask_for_outcomes(utcnow()) == 0  # a second run (or process) adds nothing
            db.session.commit()
            action = db.session.scalar(
                select(ImprovementAction).where(ImprovementAction.title == "回访低分客户")
            )
            assert stage(action, department_today(utcnow())) == "check"
            notices = db.session.scalars(
                select(Notification).where(Notification.kind == "plan.action_due")
            ).all()
            assert [(n.user_id, n.subject_id) for n in notices] == [(owner_id, action.id)]
            length = due + timedelta(days=1) - start
            before = raw_kpi(key, start - length, start)
            after = raw_kpi(key, start, due + timedelta(days=1))
        # The session has long expired: the owner signs in and opens the action.
        login(client, "agent", DEMO_PASSWORD)
        response = client.get(action_path)
        assert response.status_code == 200, response.headers
        page = response.get_data(as_text=True)
    assert before is not None and after is not None
    assert _text(page, "before") == format_value(before, UNITS[key])
    assert _text(page, "after") == format_value(after, UNITS[key])
    assert 'aria-current="step">Check' in page or "检查" in page


def test_the_owner_is_asked_once_and_records_the_outcome(app, client, login_as) -> None:
    owner = login_as("agent")
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.id == owner.id))
        from tests.factories import make_user

        supervisor = make_user(roles=["supervisor"])
        from crm.plans.actions import ActionInput, create_action

        today = department_today(utcnow())
        action = create_action(
            actor=supervisor,
            data=ActionInput(
                "<b>晨会</b>",
                "",
                "complaint_cause",
                "退款慢",
                None,
                None,
                boss.id,
                today - timedelta(days=5),
                today,
            ),
            now=utcnow(),
        )
        db.session.commit()
        action_id = action.id
        assert ask_for_outcomes(utcnow()) == 1
        db.session.commit()
    page = client.get(f"/plans/actions/{action_id}").get_data(as_text=True)
    assert "&lt;b&gt;晨会&lt;/b&gt;" in page and "<b>晨会" not in page
    response = client.post(
        f"/plans/actions/{action_id}/outcome",
        data={
            "csrf_token": csrf_token(client, f"/plans/actions/{action_id}"),
            "outcome": "<script>x</script>退款提速",
            "decision": "keep",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/plans/actions/{action_id}").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;退款提速" in page
    with app.app_context():
        assert db.session.get(ImprovementAction, action_id).status == "done"
        assert ask_for_outcomes(utcnow()) == 0
        assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_another_agent_cannot_see_an_action(app, client, login_as) -> None:
    with app.app_context():
        from crm.plans.actions import ActionInput, create_action
        from tests.factories import make_user

        supervisor = make_user(roles=["supervisor"])
        owner = make_user(roles=["agent"])
        today = department_today(utcnow())
        action = create_action(
            actor=supervisor,
            data=ActionInput(
                "x", "", "kpi", "", "satisfaction", None, owner.id, today, today + timedelta(days=1)
            ),
            now=utcnow(),
        )
        db.session.commit()
        action_id = action.id
    login_as("agent")
    assert client.get(f"/plans/actions/{action_id}").status_code == 404
    token = csrf_token(client, "/account")
    response = client.post(
        f"/plans/actions/{action_id}/outcome",
        data={"csrf_token": token, "outcome": "x", "decision": "keep"},
    )
    assert response.status_code == 404


def test_the_quarterly_quality_report_lists_the_actions_due_with_their_effect(
    app, client, login_as
) -> None:
    from crm.plans.actions import ActionInput, create_action, effect
    from tests.factories import make_user

    boss = login_as("supervisor")
    with app.app_context():
        owner = make_user(roles=["agent"])
        today = department_today(utcnow())
        quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        action = create_action(
            actor=db.session.get(User, boss.id),
            data=ActionInput(
                "首问负责制",
                "",
                "quarterly_report",
                quarter,
                "resolution_rate",
                None,
                owner.id,
                today - timedelta(days=3),
                today,
            ),
            now=utcnow(),
        )
        db.session.commit()
        measured = effect(action)
        shown = format_value(measured.before_value, "share")
    page = client.get(f"/qa/report?quarter={quarter}").get_data(as_text=True)
    assert 'data-testid="report-actions"' in page
    table = page[page.index('data-testid="report-actions"') :]
    assert "首问负责制" in table and shown in table

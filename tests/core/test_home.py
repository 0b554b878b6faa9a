"""The home is each role's workspace (issue 22): sections registered by the domains, each a link
to work waiting, polled by htmx from a URL scoped to the signed-in user."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from crm.auth.models import LoginAttempt
from crm.cases.models import Case
from crm.cases.services import open_case
from crm.database import utcnow
from crm.demo import DEMO_PASSWORD
from crm.extensions import db
from crm.qa.calibration import create_session as create_calibration
from crm.qa.models import Dispute, Review, ReviewStatus, SampleDraw, Scorecard, TrainingAssignment
from crm.timezones import department_today
from crm.training.models import TrainingTopic
from tests.conftest import login
from tests.factories import (
    make_customer,
    make_interaction,
    make_plan,
    make_session,
    make_task,
    make_user,
)

#: links to concrete work objects: a callback, a case, a customer, a review, a calibration, a
#: training session or person, a user account, a KPI's rows
WORK_LINK = re.compile(
    r'href="(/callbacks/tasks/\d+|/cases/\d+|/customers/\d+|/qa/reviews/\d+|/qa/calibrations/\d+'
    r'|/training/sessions/\d+|/training/people/\d+|/training/me|/admin/users/\d+|/reports/kpi/\w+[^"]*'
    r'|/callbacks/board\?[^"]+)"'
)
HTMX = {"HX-Request": "true"}
POLL = re.compile(r'hx-get="/home/(\w+)" hx-trigger="every 30s"')


def work_links(page: str) -> set[str]:
    return set(WORK_LINK.findall(page))


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _review(interaction, agent, **fields) -> Review:
    scorecard = db.session.scalar(db.select(Scorecard).limit(1))
    review = Review(
        interaction_id=interaction.id,
        agent_id=agent.id,
        scorecard_version_id=scorecard.current.id,
        reason="random",
        **fields,
    )
    db.session.add(review)
    db.session.flush()
    return review


@pytest.fixture
def team(app: Flask) -> dict[str, int]:
    """An agent with a callback due, an open case and a scored review; another agent with a
    case of their own; a supervisor, a QA reviewer, a trainer and an administrator with work."""
    with app.app_context():
        now = utcnow()
        agent = make_user(username="home.agent", roles=["agent"])
        other = make_user(username="home.other", roles=["agent"])
        boss = make_user(username="home.boss", roles=["supervisor"])
        qa = make_user(username="home.qa", roles=["qa"])
        trainer = make_user(username="home.trainer", roles=["trainer"])
        make_user(username="home.admin", roles=["admin"])
        customer = make_customer(actor=agent, name="王小明")
        plan = make_plan(actor=boss, customer=customer, assignee=agent, purpose="季度回访")
        task = make_task(plan)
        make_task(plan, department_today(now) - timedelta(days=3))
        mine = open_case(
            actor=agent,
            customer=customer,
            subject="打印机卡纸",
            category="tech_support",
            now=now,
            assignee=agent,
        )
        theirs = open_case(
            actor=other,
            customer=customer,
            subject="别人的工单",
            category="after_sales",
            now=now,
            assignee=other,
        )
        # Past its limit, in the complaints department, and nobody holds it.
        late = open_case(
            actor=boss,
            customer=customer,
            subject="投诉超时",
            category="complaint",
            now=now - timedelta(days=5),
        )
        late.assignee_id = None
        interaction = make_interaction(customer=customer, actor=agent, summary="电话咨询退货")
        scored = _review(
            interaction,
            agent,
            reviewer_id=qa.id,
            status=ReviewStatus.SUBMITTED.value,
            revision=1,
            final_score=72,
            passed=True,
            submitted_at=now - timedelta(days=1),
        )
        draw = SampleDraw(
            period_start=department_today(now).replace(day=1),
            period_end=department_today(now) + timedelta(days=2),
            seed=1,
            drawn_by_id=qa.id,
        )
        db.session.add(draw)
        db.session.flush()
        second = make_interaction(customer=customer, actor=other, summary="售后上门预约")
        queued = _review(second, other, reviewer_id=qa.id, draw_id=draw.id)
        third = make_interaction(customer=customer, actor=other, summary="投诉升级处理")
        disputed = _review(
            third,
            other,
            reviewer_id=qa.id,
            status=ReviewStatus.DISPUTED.value,
            revision=1,
            final_score=40,
            passed=False,
            submitted_at=now - timedelta(days=1),
        )
        db.session.add(Dispute(review_id=disputed.id))
        scorecard = db.session.scalar(db.select(Scorecard).limit(1))
        calibration = create_calibration(
            actor=qa,
            title="十二月校准",
            interaction=second,
            scorecard=scorecard,
            reviewers=[qa, make_user(username="home.qa2", roles=["qa"])],
            now=now,
        )
        topic = db.session.scalar(db.select(TrainingTopic).limit(1))
        db.session.add(
            TrainingAssignment(
                agent_id=agent.id, topic_id=topic.id, review_id=scored.id, criterion_code="greeting"
            )
        )
        upcoming = make_session(
            actor=trainer, invited=[agent], title="服务意识", starts_at=now + timedelta(days=2)
        )
        held = make_session(
            actor=trainer,
            invited=[agent, other],
            title="产品知识",
            starts_at=now - timedelta(days=3),
            month=department_today(now).replace(day=1),
        )
        for _ in range(6):
            db.session.add(
                LoginAttempt(username="home.other", address="10.0.0.9", succeeded=False, at=now)
            )
        db.session.commit()
        return {
            "task": task.id,
            "mine": mine.id,
            "theirs": theirs.id,
            "late": late.id,
            "customer": customer.id,
            "scored": scored.id,
            "queued": queued.id,
            "disputed": disputed.id,
            "calibration": calibration.id,
            "upcoming": upcoming.id,
            "held": held.id,
            "other": other.id,
            "agent": agent.id,
            "boss": boss.id,
        }


def test_the_agent_works_callbacks_cases_reviews_and_training_from_home(app, team) -> None:
    page = signed_in(app, "home.agent").get("/").get_data(as_text=True)
    links = work_links(page)
    assert f"/callbacks/tasks/{team['task']}" in links  # the one-click "call" link
    assert f"/cases/{team['mine']}" in links
    assert f"/customers/{team['customer']}" in links
    assert f"/qa/reviews/{team['scored']}" in links
    assert "/training/me" in links
    assert "别人的工单" not in page
    assert set(POLL.findall(page)) == {"my_callbacks", "my_cases", "my_reviews", "my_training"}
    assert "已超时 3 天" not in page  # callbacks are late by days, not a countdown
    assert "逾期 3 天" in page


def test_an_agents_polls_answer_200_and_show_only_their_own_work(app, team) -> None:
    client = signed_in(app, "home.agent")
    cases = client.get("/home/my_cases")
    assert cases.status_code == 200
    text = cases.get_data(as_text=True)
    assert "打印机卡纸" in text and "别人的工单" not in text and "投诉超时" not in text
    assert "还剩" in text
    other = signed_in(app, "home.other").get("/home/my_cases").get_data(as_text=True)
    assert "别人的工单" in other and "打印机卡纸" not in other
    for name in ("my_callbacks", "my_reviews", "my_training"):
        assert client.get(f"/home/{name}").status_code == 200, name
    assert "王小明" not in signed_in(app, "home.other").get("/home/my_callbacks").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "name",
    [
        "sla_wallboard",
        "team_callbacks",
        "month_targets",
        "qa_queue",
        "qa_disputes",
        "training_plan",
        "admin_accounts",
    ],
)
def test_other_roles_sections_answer_403_to_an_agent(app, team, name) -> None:
    assert signed_in(app, "home.agent").get(f"/home/{name}").status_code == 403


def test_the_supervisors_wallboard(app, team) -> None:
    client = signed_in(app, "home.boss")
    page = client.get("/").get_data(as_text=True)
    links = work_links(page)
    assert f"/cases/{team['late']}" in links
    assert f"/qa/reviews/{team['disputed']}" in links
    assert any(link.startswith("/reports/kpi/") for link in links)
    assert any(link.startswith(f"/callbacks/board?agent={team['agent']}") for link in links)
    assert set(POLL.findall(page)) == {
        "sla_wallboard",
        "team_callbacks",
        "month_targets",
        "qa_disputes",
    }
    wallboard = client.get("/home/sla_wallboard").get_data(as_text=True)
    assert "投诉处理" in wallboard and "已超时" in wallboard
    assert "1 个工单没有负责人" in wallboard
    callbacks = client.get("/home/team_callbacks").get_data(as_text=True)
    assert "0 / 1" in callbacks


def test_the_qa_reviewers_queue_disputes_and_calibration(app, team) -> None:
    client = signed_in(app, "home.qa")
    page = client.get("/").get_data(as_text=True)
    links = work_links(page)
    assert f"/qa/reviews/{team['queued']}" in links
    assert f"/qa/reviews/{team['disputed']}" in links
    assert f"/qa/calibrations/{team['calibration']}" in links
    assert set(POLL.findall(page)) == {"qa_queue", "qa_disputes", "qa_calibrations"}


def test_the_trainers_sessions_queue_and_pass_rates(app, team) -> None:
    page = signed_in(app, "home.trainer").get("/").get_data(as_text=True)
    links = work_links(page)
    assert f"/training/sessions/{team['upcoming']}" in links
    assert f"/training/sessions/{team['held']}" in links  # results still to enter
    assert f"/training/people/{team['agent']}" in links  # sent to training by QA
    assert "2 个人没有成绩" in page
    assert page.count('data-testid="pass-rate-month"') == 6


def test_the_administrator_sees_accounts_held_up_and_without_two_factor(app, team) -> None:
    page = signed_in(app, "home.admin").get("/").get_data(as_text=True)
    links = work_links(page)
    assert f"/admin/users/{team['other']}" in links  # held up by failed sign-ins
    assert f"/admin/users/{team['boss']}" in links  # a supervisor without two-factor
    assert 'href="/admin/audit/"' in page and 'href="/admin/users/"' in page


def test_a_user_with_several_roles_sees_the_sections_of_each(app, team) -> None:
    with app.app_context():
        make_user(username="home.both", roles=["agent", "trainer"])
    page = signed_in(app, "home.both").get("/").get_data(as_text=True)
    assert {"my_callbacks", "my_cases", "training_plan", "training_queue"} <= set(
        POLL.findall(page)
    )


def test_empty_sections_say_what_to_do_next(app, client, login_as) -> None:
    login_as("agent")
    page = client.get("/").get_data(as_text=True)
    assert "今天没有到期的回访" in page
    assert 'href="/callbacks/"' in page


def test_a_section_is_escaped(app, team) -> None:
    with app.app_context():
        case = db.session.get(Case, team["mine"])
        case.subject = "<script>alert(1)</script>"
        db.session.commit()
    text = signed_in(app, "home.agent").get("/home/my_cases").get_data(as_text=True)
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text


def test_polling_the_home_is_not_activity_that_keeps_a_session_open(client, login_as) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        login_as("agent")
        # A home left open on a screen: it polls, nobody uses it.
        clock.shift(timedelta(minutes=20))
        assert client.get("/home/my_cases", headers=HTMX).status_code == 200
        clock.shift(timedelta(minutes=11))
        response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_poll_after_the_session_ended_sends_the_browser_to_the_sign_in_page(
    client, login_as
) -> None:
    """Not a redirect htmx would follow, swapping the sign-in page into the section."""
    with time_machine.travel(utcnow(), tick=False) as clock:
        login_as("agent")
        clock.shift(timedelta(minutes=31))
        response = client.get("/home/my_cases", headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"
    client.post("/logout")  # signed out elsewhere: the session's token no longer matches
    response = client.get("/home/my_callbacks", headers=HTMX)
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/login")


def test_on_the_demo_every_roles_home_links_to_at_least_three_pieces_of_work(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for username in ("admin", "supervisor", "trainer", "reviewer", "agent"):
        client = app.test_client()
        assert login(client, username, DEMO_PASSWORD).status_code == 302
        page = client.get("/").get_data(as_text=True)
        assert len(work_links(page)) >= 3, (username, work_links(page))
        for name in POLL.findall(page):
            assert client.get(f"/home/{name}", headers=HTMX).status_code == 200, name

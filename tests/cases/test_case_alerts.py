"""Supervisors and the people a case lands on hear about it: a transfer tells the receiving
department's supervisor and the new assignee; supervisors get breach, at-risk and low-score
alerts. Each notice exists once and links to its case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from crm.cases import services
from crm.cases.jobs import mark_breaches
from crm.cases.supervisors import set_department_supervisors, supervisors_of
from crm.extensions import db
from crm.notifications.describe import describe
from crm.notifications.kinds import link
from crm.notifications.models import Notification
from crm.surveys import services as surveys
from tests.conftest import csrf_token
from tests.factories import make_customer, make_user

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


@pytest.fixture
def world(ctx):
    agent = make_user(username="agent.he", roles=["agent"])
    colleague = make_user(username="tech.zhao", roles=["agent"])
    tech_boss = make_user(username="boss.tech", roles=["supervisor"])
    service_boss = make_user(username="boss.service", roles=["supervisor"])
    admin = make_user(username="admin", roles=["admin"])
    set_department_supervisors(actor=admin, department="tech_support", users=[tech_boss])
    set_department_supervisors(actor=admin, department="service", users=[service_boss])
    customer = make_customer(actor=agent, name="钱八")
    case = services.open_case(
        actor=agent,
        customer=customer,
        subject="设备故障",
        category="inquiry",  # 24 h to resolve, counted around the clock
        now=T0,
        assignee=agent,
    )
    db.session.commit()
    return {
        "agent": agent,
        "colleague": colleague,
        "tech_boss": tech_boss,
        "service_boss": service_boss,
        "case": case,
    }


def href(notice: Notification) -> str | None:
    with current_app.test_request_context():
        return link(notice)


def notices(kind: str) -> dict[int, Notification]:
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
    return {row.user_id: row for row in rows}


def test_a_transfer_tells_the_receiving_supervisor_and_the_new_assignee(world) -> None:
    case = world["case"]
    services.transfer(
        actor=world["agent"],
        case=case,
        department="tech_support",
        assignee=world["colleague"],
        now=T0 + timedelta(hours=1),
        note="需工程师远程诊断",
    )
    sent = notices("case.transferred")
    assert set(sent) == {world["colleague"].id, world["tech_boss"].id}
    notice = sent[world["colleague"].id]
    assert (notice.subject_type, notice.subject_id) == ("case", case.id)
    assert href(notice) == f"/cases/{case.id}"
    assert "设备故障" in describe(notice)


def test_a_case_that_comes_back_to_someone_is_told_again(world) -> None:
    case, agent, colleague = world["case"], world["agent"], world["colleague"]
    for hours, to in ((1, colleague), (2, agent), (3, colleague)):
        services.transfer(
            actor=world["service_boss"],
            case=case,
            department=case.department,
            assignee=to,
            now=T0 + timedelta(hours=hours),
            note="请继续跟进",
        )
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "case.transferred")
    ).all()
    assert sorted(told) == sorted([colleague.id, agent.id, colleague.id])


def test_supervisors_hear_of_a_case_at_risk_once_and_then_of_its_breach(world) -> None:
    case = world["case"]
    mark_breaches(T0 + timedelta(hours=12))  # half the time used: nothing yet
    assert notices("case.at_risk") == {}
    for _ in range(2):
        mark_breaches(T0 + timedelta(hours=20))  # 83 %: at risk, before the deadline
    at_risk = notices("case.at_risk")
    assert set(at_risk) == {world["service_boss"].id}
    assert href(at_risk[world["service_boss"].id]) == f"/cases/{case.id}"
    assert (
        db.session.scalar(
            select(db.func.count())
            .select_from(Notification)
            .where(Notification.kind == "case.at_risk")
        )
        == 1
    )
    mark_breaches(T0 + timedelta(hours=25))
    assert world["service_boss"].id in notices("case.breach_resolution")
    assert world["agent"].id in notices("case.breach_resolution")


def test_supervisors_hear_of_a_low_survey_score(world) -> None:
    case, agent = world["case"], world["agent"]
    services.change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(hours=2))
    token = surveys.create_link(actor=agent, case=case, now=T0 + timedelta(hours=2))
    survey = surveys.survey_for_token(token, T0 + timedelta(hours=3))
    surveys.answer(
        survey=survey,
        attitude=1,
        efficiency=3,
        resolution=3,
        comment="",
        now=T0 + timedelta(hours=3),
    )
    low = notices("case.low_score")
    assert set(low) == {world["service_boss"].id}
    assert href(low[world["service_boss"].id]) == f"/cases/{case.id}"


def test_the_administrator_names_a_departments_supervisors_on_the_sla_page(
    app, client, login_as
) -> None:
    login_as("admin")
    with app.app_context():
        boss = make_user(
            username="boss.after", display_name="<b>售后主管</b>", roles=["supervisor"]
        )
    page = client.get("/admin/sla/").get_data(as_text=True)
    assert "&lt;b&gt;售后主管&lt;/b&gt;" in page
    token = csrf_token(client, "/admin/sla/")
    response = client.post(
        "/admin/sla/supervisors",
        data={"department": "after_sales", "user_id": str(boss.id), "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        assert supervisors_of("after_sales") == [boss.id]


def test_the_notification_links_to_its_case(app, client, login_as) -> None:
    boss = login_as("supervisor")
    with app.app_context():
        agent = make_user(roles=["agent"])
        case = services.open_case(
            actor=agent,
            customer=make_customer(actor=agent),
            subject="<i>设备</i>故障",
            category="inquiry",
            now=T0,
        )
        services.transfer(
            actor=agent, case=case, department="tech_support", assignee=None, now=T0, note="转"
        )
        db.session.commit()
        case_id = case.id
    page = client.get("/notifications/").get_data(as_text=True)
    assert f'<a href="/cases/{case_id}">' in page
    assert "&lt;i&gt;设备&lt;/i&gt;故障" in page
    assert boss.id in set(notices_for_case(app, case_id))


def notices_for_case(app, case_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.subject_type == "case", Notification.subject_id == case_id
                )
            )
        )

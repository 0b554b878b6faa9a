"""Contingency mode: the switch, the banner, clocks that stand still and move their due times on
by exactly the pause, and the incident log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.cases import services as cases
from crm.cases.jobs import mark_breaches
from crm.contingency import services
from crm.contingency.models import Incident
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_user

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def people(ctx):
    admin = make_user(username="admin.li", roles=["admin"])
    agent = make_user(username="agent.he", roles=["agent"])
    return admin, agent


def test_only_an_administrator_switches_it_on_with_a_reason_and_only_once(people) -> None:
    admin, _agent = people
    supervisor = make_user(username="boss", roles=["supervisor"])
    with pytest.raises(PermissionDenied):
        services.start_incident(actor=supervisor, reason="电话系统故障", now=T0)
    with pytest.raises(DomainError) as empty:
        services.start_incident(actor=admin, reason="   ", now=T0)
    assert empty.value.field == "reason"
    services.start_incident(actor=admin, reason="电话系统故障", now=T0)
    with pytest.raises(DomainError):
        services.start_incident(actor=admin, reason="again", now=T0)
    # The database keeps it to one incident in force even past the rule.
    db.session.add(Incident(reason="race", started_at=T0, started_by_id=admin.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_clocks_stand_still_during_the_incident_and_due_times_move_on_by_the_pause(
    people,
) -> None:
    admin, agent = people
    customer = make_customer(actor=agent)

    def case(opened: int):
        return cases.open_case(
            actor=agent,
            customer=customer,
            subject="故障",
            category="tech_support",
            now=minutes(opened),
        )

    # Tech support: first response within 2 minutes, resolution within 1 hour, around the clock.
    answered = case(0)
    cases.change_status(actor=agent, case=answered, status="accepted", now=minutes(1))
    unanswered = case(0)
    waiting = case(0)
    cases.change_status(actor=agent, case=waiting, status="waiting_customer", now=minutes(5))

    incident = services.start_incident(actor=admin, reason="电话系统故障", now=minutes(10))
    assert incident.cases_paused == 2  # the waiting case's clock was already stopped
    opened_during = case(20)
    cases.change_status(actor=agent, case=answered, status="in_progress", now=minutes(30))
    assert mark_breaches(minutes(65)) == 0  # past the old due time, but the clock stands still
    assert answered.paused_since == minutes(10)

    ended = services.end_incident(actor=admin, note="线路恢复", now=minutes(70))
    assert ended.cases_resumed == 3

    assert answered.resolution_due_at == minutes(60 + 60)
    assert answered.paused_since is None
    assert unanswered.first_response_due_at == minutes(2 + 60)
    assert unanswered.resolution_due_at == minutes(60 + 60)
    # Opened during the incident: its clocks start when the incident ends.
    assert opened_during.resolution_due_at == minutes(70 + 60)
    assert opened_during.first_response_due_at == minutes(70 + 2)
    # Still waiting on the customer: its clock stays stopped, and resuming counts the whole
    # stop (before, during and after the incident) once.
    assert waiting.paused_since == minutes(5)
    cases.change_status(actor=agent, case=waiting, status="in_progress", now=minutes(100))
    assert waiting.resolution_due_at == minutes(60 + 95)

    # One minute before the moved resolution times only the two unanswered first responses are
    # late; one minute after, both resolutions are too.
    assert mark_breaches(minutes(119)) == 2
    assert unanswered.response_breached and opened_during.response_breached
    assert not answered.resolution_breached
    assert mark_breaches(minutes(121)) == 2
    assert answered.resolution_breached and unanswered.resolution_breached


def test_a_first_response_during_the_incident_is_measured_against_the_moved_due_time(
    people,
) -> None:
    admin, agent = people
    customer = make_customer(actor=agent)
    case = cases.open_case(
        actor=agent, customer=customer, subject="故障", category="tech_support", now=minutes(0)
    )
    services.start_incident(actor=admin, reason="系统升级", now=minutes(1))
    cases.change_status(actor=agent, case=case, status="accepted", now=minutes(30))
    assert not case.response_breached  # 1 minute counted before the stop, none during it
    assert case.paused_since == minutes(1)
    cases.change_status(actor=agent, case=case, status="resolved", now=minutes(50))
    assert not case.resolution_breached
    assert case.resolution_due_at == minutes(60 + 49)


def test_the_switch_the_banner_and_the_log_through_the_pages(app, client, login_as) -> None:
    login_as("admin", username="admin.li")
    token = csrf_token(client, "/contingency/")
    refused = client.post("/contingency/start", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 400
    assert "应急" in refused.get_data(as_text=True) or "Say why" in refused.get_data(as_text=True)
    started = client.post(
        "/contingency/start", data={"csrf_token": token, "reason": "呼叫中心线路中断"}
    )
    assert started.status_code == 302

    other = app.test_client()
    with app.app_context():
        make_user(username="agent.wu", roles=["agent"])

    assert login(other, "agent.wu").status_code == 302
    home = other.get("/").get_data(as_text=True)
    assert 'data-testid="contingency-banner"' in home and "呼叫中心线路中断" in home
    assert other.get("/contingency/").status_code == 403

    update = client.post(
        "/contingency/updates", data={"csrf_token": token, "body": "运营商已确认故障"}
    )
    assert update.status_code == 302
    ended = client.post("/contingency/end", data={"csrf_token": token, "note": "线路已恢复"})
    assert ended.status_code == 302
    assert 'data-testid="contingency-banner"' not in other.get("/").get_data(as_text=True)

    log = client.get("/contingency/").get_data(as_text=True)
    for line in ("呼叫中心线路中断", "运营商已确认故障", "线路已恢复"):
        assert line in log
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "incident")
        ).all()
        assert actions == [AuditAction.CONTINGENCY_STARTED, AuditAction.CONTINGENCY_ENDED]
        assert db.session.scalar(select(func.count()).select_from(Incident)) == 1

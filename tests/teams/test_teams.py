"""Creating teams and naming members: the rules, the audit trail, and the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.cases.models import DepartmentSupervisor
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.teams.models import Team, TeamMember
from crm.teams.services import create_team, delete_team, set_members, update_team
from tests.conftest import csrf_token, login
from tests.factories import make_user


@pytest.fixture
def people(ctx):
    admin = make_user(username="admin.chen", roles=["admin"])
    lead = make_user(username="lead.wang", roles=["supervisor"])
    agents = [make_user(username=f"agent.{n}", roles=["agent"]) for n in range(3)]
    return admin, lead, agents


def test_a_team_needs_a_free_name_and_a_supervisor_as_leader(people) -> None:
    admin, lead, agents = people
    with pytest.raises(DomainError) as empty:
        create_team(actor=admin, department="service", name="   ", leader=lead)
    assert empty.value.field == "name"
    with pytest.raises(DomainError) as not_a_supervisor:
        create_team(actor=admin, department="service", name="一组", leader=agents[0])
    assert not_a_supervisor.value.field == "leader_id"
    with pytest.raises(DomainError):
        create_team(actor=admin, department="nowhere", name="一组", leader=lead)
    team = create_team(actor=admin, department="service", name=" 一组 ", leader=lead)
    assert team.name == "一组"
    with pytest.raises(DomainError) as taken:
        create_team(actor=admin, department="service", name="一组", leader=lead)
    assert taken.value.field == "name"
    # The same name in another department is another team.
    create_team(actor=admin, department="tech_support", name="一组", leader=lead)
    with pytest.raises(DomainError):
        create_team(actor=admin, department="service", name="组" * 61, leader=lead)


def test_members_are_active_agents_in_one_team_and_every_change_is_audited(people) -> None:
    admin, lead, agents = people
    first = create_team(actor=admin, department="service", name="一组", leader=lead)
    second = create_team(actor=admin, department="service", name="二组", leader=lead)
    with pytest.raises(DomainError):
        set_members(actor=admin, team=first, user_ids={lead.id})
    set_members(actor=admin, team=first, user_ids={agents[0].id, agents[1].id})
    # Joining another team moves the agent.
    set_members(actor=admin, team=second, user_ids={agents[1].id})
    teams = dict(db.session.execute(select(TeamMember.user_id, TeamMember.team_id)).all())
    assert teams == {agents[0].id: first.id, agents[1].id: second.id}
    update_team(actor=admin, team=first, name="早班组", leader=lead)
    delete_team(actor=admin, team=second)
    assert db.session.get(Team, second.id) is None
    assert db.session.scalar(select(TeamMember).where(TeamMember.user_id == agents[1].id)) is None
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("teams.team_changed") == 6
    assert actions[-1] == "teams.team_deleted"


def test_a_supervisor_manages_teams_only_where_the_department_rule_lets_them(people) -> None:
    _admin, lead, agents = people
    other = make_user(username="lead.li", roles=["supervisor"])
    db.session.add(DepartmentSupervisor(department="complaints", user_id=other.id))
    db.session.flush()
    with pytest.raises(PermissionDenied):
        create_team(actor=lead, department="complaints", name="投诉组", leader=lead)
    with pytest.raises(PermissionDenied):
        create_team(actor=agents[0], department="service", name="一组", leader=lead)
    team = create_team(actor=other, department="complaints", name="投诉组", leader=lead)
    # Its leader may name its members although the department is not theirs.
    set_members(actor=lead, team=team, user_ids={agents[2].id})
    assert [m.user_id for m in team.members] == [agents[2].id]


@pytest.fixture
def team_page(app, client):
    with app.app_context():
        admin = make_user(username="admin.chen", roles=["admin"])
        lead = make_user(username="lead.wang", roles=["supervisor"])
        other = make_user(username="lead.li", roles=["supervisor"])
        agent = make_user(username="agent.zhou", display_name="周<b>敏</b>", roles=["agent"])
        db.session.add(DepartmentSupervisor(department="complaints", user_id=other.id))
        mine = create_team(
            actor=admin, department="service", name="<script>x</script>组", leader=lead
        )
        theirs = create_team(actor=admin, department="complaints", name="投诉组", leader=other)
        set_members(actor=admin, team=theirs, user_ids={agent.id})
        db.session.commit()
        return {"mine": mine.id, "theirs": theirs.id, "agent": agent.id, "lead": lead.id}


def test_the_pages_escape_names_and_hide_other_departments_teams(client, team_page) -> None:
    login(client, "lead.wang")
    index = client.get("/teams/").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;组" in index and "<script>x" not in index
    assert "投诉组" not in index
    assert client.get(f"/teams/{team_page['theirs']}").status_code == 404
    token = csrf_token(client, "/teams/")
    # Another department's team by id: not found, and nothing removed.
    response = client.post(
        f"/teams/{team_page['theirs']}/members/{team_page['agent']}/remove",
        data={"csrf_token": token},
    )
    assert response.status_code == 404
    assert (
        client.post(f"/teams/{team_page['theirs']}/delete", data={"csrf_token": token}).status_code
        == 404
    )


def test_creating_a_team_on_the_page_shows_errors_and_then_the_team(client, team_page) -> None:
    login(client, "lead.wang")
    token = csrf_token(client, "/teams/")
    bad = client.post(
        "/teams/", data={"csrf_token": token, "department": "service", "name": "", "leader_id": ""}
    )
    assert bad.status_code == 400
    foreign = client.post(
        "/teams/",
        data={
            "csrf_token": token,
            "department": "complaints",
            "name": "偷偷建组",
            "leader_id": str(team_page["lead"]),
        },
    )
    assert foreign.status_code == 400
    made = client.post(
        "/teams/",
        data={
            "csrf_token": token,
            "department": "service",
            "name": "二组",
            "leader_id": str(team_page["lead"]),
        },
    )
    assert made.status_code == 302
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "二组" in page and "data-confirm" in page


def test_adding_and_removing_members_on_the_page(client, team_page, app) -> None:
    with app.app_context():
        free = make_user(username="agent.free", roles=["agent"]).id
    login(client, "lead.wang")
    path = f"/teams/{team_page['mine']}"
    token = csrf_token(client, path)
    page = client.get(path).get_data(as_text=True)
    assert "周&lt;b&gt;敏&lt;/b&gt;" in page and "<b>敏" not in page
    # An agent of another department's team cannot be pulled out of it from here.
    client.post(f"{path}/members", data={"csrf_token": token, "members": str(team_page["agent"])})
    with app.app_context():
        assert db.session.get(TeamMember, (team_page["theirs"], team_page["agent"])) is not None
    client.post(f"{path}/members", data={"csrf_token": token, "members": str(free)})
    with app.app_context():
        assert db.session.get(TeamMember, (team_page["mine"], free)) is not None
    client.post(f"{path}/members/{free}/remove", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(TeamMember, (team_page["mine"], free)) is None

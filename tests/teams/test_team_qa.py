"""QA sample quotas per team: a team may set how many interactions QA draws per member."""

from __future__ import annotations

from datetime import date

import pytest

from crm.errors import DomainError
from crm.extensions import db
from crm.qa.quotas import quotas
from crm.teams.services import create_team, set_members, update_team
from tests.conftest import csrf_token, login
from tests.factories import make_user
from tests.qa.support import veteran


def test_a_teams_quota_replaces_the_house_default_for_its_members(app, ctx) -> None:
    admin = make_user(username="admin.chen", roles=["admin"])
    lead = make_user(username="lead.wang", roles=["supervisor"])
    member, loner = veteran("agent.in", ["agent"]), veteran("agent.out", ["agent"])
    newcomer = make_user(username="agent.new", roles=["agent"])
    team = create_team(actor=admin, department="service", name="一组", leader=lead)
    set_members(actor=admin, team=team, user_ids={member.id, newcomer.id})
    update_team(actor=admin, team=team, name="一组", leader=lead, qa_quota=9)
    got = quotas(date(2026, 12, 1), date(2027, 1, 1))
    assert got[member.id].base == 9
    assert got[loner.id].base == app.config["QA_QUOTA"]
    # A new agent keeps the larger new-agent quota.
    assert got[newcomer.id].base == app.config["QA_NEW_AGENT_QUOTA"]
    with pytest.raises(DomainError) as wrong:
        update_team(actor=admin, team=team, name="一组", leader=lead, qa_quota=-1)
    assert wrong.value.field == "qa_quota"


def test_the_quota_is_set_on_the_team_page(app, client) -> None:
    with app.app_context():
        admin = make_user(username="admin.chen", roles=["admin"])
        team = create_team(actor=admin, department="service", name="一组", leader=admin)
        path, leader = f"/teams/{team.id}", str(admin.id)
        db.session.commit()
    login(client, "admin.chen")
    token = csrf_token(client, path)
    form = {"csrf_token": token, "name": "一组", "leader_id": leader}
    assert client.post(path, data=form | {"qa_quota": "abc"}).status_code == 400
    assert client.post(path, data=form | {"qa_quota": "12"}).status_code == 302
    assert 'value="12"' in client.get(path).get_data(as_text=True)

"""An action's outcome is recorded once: a second POST after the action is done is refused and
the first outcome stays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.plans.actions import ActionInput, create_action, record_outcome
from crm.plans.models import ImprovementAction
from crm.timezones import department_today
from tests.conftest import csrf_token
from tests.factories import make_user


def test_a_done_action_keeps_its_first_outcome(app, client, login_as) -> None:
    owner = login_as("agent")
    with app.app_context():
        supervisor = make_user(roles=["supervisor"])
        today = department_today(utcnow())
        action = create_action(
            actor=supervisor,
            data=ActionInput(
                "晨会",
                "",
                "complaint_cause",
                "退款慢",
                None,
                None,
                owner.id,
                today - timedelta(days=5),
                today,
            ),
            now=utcnow(),
        )
        record_outcome(
            actor=supervisor, action=action, outcome="退款提速", decision="keep", now=utcnow()
        )
        db.session.commit()
        action_id = action.id
        with pytest.raises(DomainError):
            record_outcome(
                actor=supervisor, action=action, outcome="改写", decision="drop", now=utcnow()
            )
        db.session.rollback()
    response = client.post(
        f"/plans/actions/{action_id}/outcome",
        data={
            "csrf_token": csrf_token(client, f"/plans/actions/{action_id}"),
            "outcome": "第二次",
            "decision": "drop",
        },
        follow_redirects=True,
    )
    assert "结果已记录，该措施已结束。" in response.get_data(as_text=True)
    with app.app_context():
        action = db.session.get(ImprovementAction, action_id)
        assert (action.outcome, action.decision) == ("退款提速", "keep")

"""The results grid over HTTP: bad values are refused with a message and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.training.models import ExamAttempt
from tests.conftest import csrf_token
from tests.factories import make_session, make_user


@pytest.fixture
def setup(app, login_as):
    trainer = login_as("trainer")
    with app.app_context():
        on_it = make_user(username="on.it", display_name="在名单上", roles=["agent"])
        outsider = make_user(username="outsider", roles=["agent"])
        session = make_session(actor=trainer, invited=[on_it])
        db.session.commit()
        return session.id, on_it.id, outsider.id


def attempts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ExamAttempt))


@pytest.mark.parametrize(
    ("value", "shown"), [("150", "超过了满分"), ("-3", "不能为负数"), ("八十", "不是数字")]
)
def test_a_bad_score_is_refused_with_a_message(app, client, setup, value, shown) -> None:
    session_id, on_it, _ = setup
    response = client.post(
        f"/training/sessions/{session_id}/results",
        data={
            f"score-{on_it}": value,
            "csrf_token": csrf_token(client, f"/training/sessions/{session_id}"),
        },
    )
    assert response.status_code == 400
    assert shown in response.get_data(as_text=True)
    assert attempts(app) == 0


def test_a_result_for_someone_not_on_the_session_saves_nothing(app, client, setup) -> None:
    session_id, on_it, outsider = setup
    response = client.post(
        f"/training/sessions/{session_id}/results",
        data={
            f"score-{on_it}": "90",
            f"score-{outsider}": "90",
            "csrf_token": csrf_token(client, f"/training/sessions/{session_id}"),
        },
    )
    assert response.status_code == 400
    assert "不在本场培训的参训名单中" in response.get_data(as_text=True)
    assert attempts(app) == 0


def test_agents_see_only_their_own_record(app, client, login_as) -> None:
    agent = login_as("agent")
    assert client.get("/training/me").status_code == 200
    assert client.get(f"/training/people/{agent.id}").status_code == 403
    assert client.get("/training/").status_code == 403

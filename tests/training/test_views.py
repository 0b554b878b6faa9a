"""The results grid over HTTP: bad values are refused with a message and nothing is saved."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.training.models import ExamAttempt, Participant
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


def test_a_results_file_is_a_dry_run_that_fills_the_grid_and_saves_nothing(
    app, client, setup
) -> None:
    session_id, on_it, _ = setup
    content = "姓名,成绩\n在名单上,88\n陌生人,70\n".encode("gb18030")
    response = client.post(
        f"/training/sessions/{session_id}/results/import",
        data={
            "file": (io.BytesIO(content), "成绩.csv"),
            "csrf_token": csrf_token(client, f"/training/sessions/{session_id}"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400  # one line has a problem
    assert 'data-line="3"' in page and "不在本场培训的参训名单中" in page
    assert f'name="score-{on_it}"' in page and 'value="88"' in page
    assert attempts(app) == 0
    # the trainer saves the reviewed grid
    client.post(
        f"/training/sessions/{session_id}/results",
        data={
            f"score-{on_it}": "88",
            "csrf_token": csrf_token(client, f"/training/sessions/{session_id}"),
        },
    )
    assert attempts(app) == 1


def test_results_of_a_past_session_are_dated_on_its_day_by_default(app, client, setup) -> None:
    # Typed in months later, the scores belong to the exam day, not to the day of typing.
    session_id, _on_it, _outsider = setup
    page = client.get(f"/training/sessions/{session_id}").get_data(as_text=True)
    assert 'id="taken_on" name="taken_on" value="2026-03-02"' in page


def test_all_present_marks_the_unmarked_and_goes_on_to_the_scores(app, client, setup) -> None:
    session_id, on_it, _outsider = setup
    page = client.get(f"/training/sessions/{session_id}").get_data(as_text=True)
    assert "全部出席" in page and "1 人尚未登记出勤" in page
    answer = client.post(
        f"/training/sessions/{session_id}/attendance/all-present",
        data={"csrf_token": csrf_token(client, f"/training/sessions/{session_id}")},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/training/sessions/{session_id}?focus=results")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "已将 1 人登记为出席。" in page
    assert "全部出席" not in page  # nobody is left to mark
    with app.app_context():
        marked = db.session.scalar(select(Participant.attendance).filter_by(user_id=on_it))
    assert marked == "present"

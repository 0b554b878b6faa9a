"""Issue 21, honest figures: scores pasted from Excel go to the right people, or the paste is
refused; the preview shows who gets what before anything is filled in."""

from __future__ import annotations

import html
from datetime import date

import pytest

from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_session, make_user

DAY = date(2026, 3, 2)


@pytest.fixture
def grid(app):
    """A session of three, in the grid's order (by name): 林二, 王三, 陈一."""
    with app.app_context():
        trainer = make_user(username="trainer.li", display_name="李娜", roles=["trainer"])
        people = [
            make_user(username=f"agent.{key}", display_name=name, roles=["agent"])
            for key, name in (("c", "王三"), ("a", "陈一"), ("b", "林二"))
        ]
        session = make_session(actor=trainer, invited=people)
        db.session.commit()
        return {"session": session.id, "ids": {p.display_name: p.id for p in people}}


def preview(app, grid, text):
    from crm.training.models import TrainingSession
    from crm.training.paste import preview_paste

    with app.app_context():
        session = db.session.get(TrainingSession, grid["session"])
        result = preview_paste(session, text, taken_on=DAY)
        return result, {row.name: (row.score, row.message) for row in result.rows}


def test_an_empty_cell_leaves_that_person_empty_and_shifts_nobody(app, grid) -> None:
    result, rows = preview(app, grid, "90\r\n\r\n70\r\n")
    assert not result.error
    assert rows == {"林二": ("90", ""), "王三": ("", ""), "陈一": ("70", "")}


def test_names_with_scores_are_matched_by_name_in_any_order(app, grid) -> None:
    result, rows = preview(app, grid, "姓名\t成绩\n王三\t88\nagent.a\t75.5\n")
    assert result.matched_by == "name"
    assert rows == {"陈一": ("75.5", ""), "林二": ("", ""), "王三": ("88", "")}
    result, _rows = preview(app, grid, "王三\t88\n赵六\t99\n")
    assert result.unmatched == ["赵六 99"]  # never given to someone else


def test_a_column_of_the_wrong_length_is_refused(app, grid) -> None:
    result, rows = preview(app, grid, "90\n80\n")
    assert "2" in result.error and "3" in result.error
    assert rows == {}


def test_a_pasted_score_is_checked_like_the_grid(app, grid) -> None:
    _result, rows = preview(app, grid, "90\n120\nabc\n")
    assert rows["林二"] == ("90", "")
    assert rows["王三"][1] and rows["陈一"][1]


def test_the_paste_endpoint_answers_a_preview(app, client, grid) -> None:
    from tests.conftest import login

    login(client, "trainer.li")
    token = csrf_token(client, f"/training/sessions/{grid['session']}")
    answer = client.post(
        f"/training/sessions/{grid['session']}/results/paste",
        data={"text": "90\n\n70\n", "csrf_token": token},
    )
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    ids = grid["ids"]
    assert f'data-user-id="{ids["林二"]}" data-score="90"' in page
    assert f'data-user-id="{ids["王三"]}" data-score=""' in page
    assert f'data-user-id="{ids["陈一"]}" data-score="70"' in page
    refused = client.post(
        f"/training/sessions/{grid['session']}/results/paste",
        data={"text": "90\n70\n", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "data-paste-apply" not in refused.get_data(as_text=True)

"""QA pages over HTTP: drawing, scoring, object access, the report and its export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from crm.qa.calibration import create_session
from crm.qa.models import Review, Scorecard
from crm.timezones import department_today
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_interaction
from tests.qa.support import scored_review, veteran


@pytest.fixture
def setting(app):
    """A QA reviewer, two agents with interactions this month, the default scorecard."""
    with app.app_context():
        people = {
            "qa": veteran("qa.one", ["qa"]),
            "qa2": veteran("qa.two", ["qa"]),
            "a": veteran("agent.a", ["agent"]),
            "b": veteran("agent.b", ["agent"]),
            "boss": veteran("boss", ["supervisor"]),
        }
        for agent in (people["a"], people["b"]):
            customer = make_customer(actor=agent)
            for _n in range(6):
                make_interaction(customer=customer, actor=agent, occurred_at=utcnow())
        db.session.commit()
        card = db.session.scalar(select(Scorecard).order_by(Scorecard.id))
        return {
            "people": {k: v.id for k, v in people.items()},
            "card": card.id,
            "today": department_today(utcnow()).isoformat(),
        }


def _draw(client, setting) -> None:
    token = csrf_token(client, "/qa/")
    response = client.post(
        "/qa/draw",
        data={"csrf_token": token, "day": setting["today"], "scorecard": setting["card"]},
    )
    assert response.status_code == 302


def test_a_reviewer_draws_the_month_and_sees_the_coverage(app, client, setting) -> None:
    login(client, "qa.one")
    _draw(client, setting)
    page = client.get(client.get("/qa/").request.path).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 10
    assert "coverage" in page and "agent.a" not in page  # display names, not logins
    assert client.get("/qa/queue").status_code == 200


def test_scoring_refuses_an_incomplete_submission_and_keeps_what_was_typed(
    app, client, setting
) -> None:
    login(client, "qa.one")
    _draw(client, setting)
    with app.app_context():
        review = db.session.scalar(
            select(Review).where(Review.reviewer_id == setting["people"]["qa"]).limit(1)
        )
        first = review.scorecard_version.criteria[0].id
        review_id = review.id
    path = f"/qa/reviews/{review_id}"
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/score",
        data={
            "csrf_token": token,
            f"c{first}": "1",
            f"comment{first}": "没有问候语",
            "action": "submit",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "没有问候语" in html
    assert "has no rating" in html or "尚未评分" in html
    with app.app_context():
        assert db.session.get(Review, review_id).status == "assigned"
        assert db.session.get(Review, review_id).revision == 0


def test_agents_see_only_their_own_submitted_reviews(app, client, setting) -> None:
    with app.app_context():
        qa, a = (db.session.get(User, setting["people"][k]) for k in ("qa", "a"))
        card = db.session.get(Scorecard, setting["card"])
        review = scored_review(
            card=card, agent=a, reviewer=qa, values=(5, 5, 5, 1, 5, 1, 5, 1, 1), at=utcnow()
        )
        review_id = review.id
    login(client, "agent.b")
    assert client.get(f"/qa/reviews/{review_id}").status_code == 404
    other = app.test_client()
    login(other, "agent.a")
    page = other.get(f"/qa/reviews/{review_id}")
    assert page.status_code == 200
    assert "100.00" in page.get_data(as_text=True)
    assert str(review_id) in other.get("/qa/mine").get_data(as_text=True)


def test_calibration_scores_stay_blind_until_the_session_closes(app, client, setting) -> None:
    with app.app_context():
        qa, qa2, a = (db.session.get(User, setting["people"][k]) for k in ("qa", "qa2", "a"))
        interaction = make_interaction(
            customer=make_customer(actor=a), actor=a, occurred_at=utcnow()
        )
        session = create_session(
            actor=qa,
            title="校准",
            interaction=interaction,
            scorecard=db.session.get(Scorecard, setting["card"]),
            reviewers=[qa, qa2],
            now=utcnow(),
        )
        db.session.commit()
        theirs = db.session.scalar(
            select(Review.id).where(
                Review.calibration_id == session.id, Review.reviewer_id == qa2.id
            )
        )
    login(client, "qa.one")
    assert client.get(f"/qa/reviews/{theirs}").status_code == 404
    assert client.get(f"/qa/calibrations/{session.id}").status_code == 200


def test_the_report_exports_a_workbook_with_spreadsheet_formulas_neutralised(
    app, client, setting
) -> None:
    with app.app_context():
        qa, a = (db.session.get(User, setting["people"][k]) for k in ("qa", "a"))
        card = db.session.get(Scorecard, setting["card"])
        scored_review(
            card=card,
            agent=a,
            reviewer=qa,
            values=(5, 5, 5, 1, 5, 1, 5, 1, 0),
            comments=("", "", "", "", "", "", "", "", '=HYPERLINK("http://x")'),
            at=utcnow(),
        )
    login(client, "boss")
    page = client.get("/qa/report")
    assert page.status_code == 200
    assert 'data-testid="report-critical"' in page.get_data(as_text=True)
    export = client.get("/qa/report.xlsx")
    workbook = load_workbook(io.BytesIO(export.data))
    assert len(workbook.sheetnames) == 6
    critical = list(workbook.worksheets[2].values)
    assert critical[1][3] == '\'=HYPERLINK("http://x")'


def test_editing_the_scorecard_in_use_from_the_form_makes_version_two(app, client, setting) -> None:
    with app.app_context():
        qa, a = (db.session.get(User, setting["people"][k]) for k in ("qa", "a"))
        card = db.session.get(Scorecard, setting["card"])
        scored_review(
            card=card, agent=a, reviewer=qa, values=(5, 5, 5, 1, 5, 1, 5, 1, 1), at=utcnow()
        )
    login(client, "qa.one")
    path = f"/qa/scorecards/{setting['card']}/edit"
    form_page = client.get(path).get_data(as_text=True)
    assert "forbidden_words" in form_page
    with app.app_context():
        current = db.session.get(Scorecard, setting["card"]).current
        data = {"csrf_token": csrf_token(client, path), "style": "weighted", "pass_mark": "85"}
        for n, c in enumerate(current.criteria):
            data |= {
                f"criteria-{n}-{key}": str(getattr(c, key) or "")
                for key in ("section", "code", "name", "definition", "weight", "scale")
            }
            if c.allow_na:
                data[f"criteria-{n}-allow_na"] = "y"
            if c.critical:
                data[f"criteria-{n}-critical"] = "y"
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        card = db.session.get(Scorecard, setting["card"])
        assert [(v.version, v.pass_mark) for v in card.versions] == [(1, 80), (2, 85)]
        assert card.current.criteria[-1].critical is True

"""Every case is linked to the interaction it came from, so QA's risk triggers reach cases
opened in the web form: an SLA breach the scheduler records, and a low survey score, each put
that interaction into the period's sample."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from crm.cases.models import Case
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.qa import scorecards
from crm.qa.models import Review
from crm.qa.sampling import draw_sample
from crm.scheduler import JOBS, run_job
from crm.surveys import services as surveys
from crm.timezones import department_today
from tests.conftest import csrf_token
from tests.factories import make_customer
from tests.qa.support import SMALL_CARD, veteran


def open_in_the_form(app, client, login_as, category: str = "inquiry") -> tuple[int, int]:
    """An agent opens a case from the customer page; returns (agent id, case id)."""
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="孙九").id
        db.session.commit()
    token = csrf_token(client, f"/cases/new?customer={customer_id}")
    response = client.post(
        f"/cases/new?customer={customer_id}",
        data={
            "subject": "无法开机",
            "category": category,
            "priority": "normal",
            "channel": "phone",
            "assignee_id": str(agent.id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return agent.id, int(response.headers["Location"].rsplit("/", 1)[-1])


def sample_reasons(now) -> dict[int, str]:
    qa = veteran("qa.li", ["qa"])
    card = scorecards.create_scorecard(
        actor=qa, name="小卡", style="weighted", pass_mark=Decimal(80), criteria=SMALL_CARD
    )
    draw_sample(actor=qa, day=department_today(now), scorecard=card, now=now)
    return dict(db.session.execute(select(Review.interaction_id, Review.reason)).all())


def test_a_case_opened_in_the_form_comes_from_a_logged_interaction(app, client, login_as):
    agent_id, case_id = open_in_the_form(app, client, login_as)
    with app.app_context():
        case = db.session.get(Case, case_id)
        interaction = db.session.get(Interaction, case.interaction_id)
        assert interaction is not None
        assert (interaction.customer_id, interaction.agent_id) == (case.customer_id, agent_id)
        assert (interaction.category, interaction.channel) == ("inquiry", "phone")
        assert interaction.summary == "无法开机"


def test_an_sla_breach_recorded_by_the_scheduler_puts_the_case_into_the_sample(
    app, client, login_as
):
    _agent_id, case_id = open_in_the_form(app, client, login_as)
    job = next(job for job in JOBS if job.name == "cases.mark_breaches")
    later = utcnow() + timedelta(days=3)
    assert run_job(app, job, later)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.resolution_breached
        reasons = sample_reasons(utcnow())
        assert reasons.get(case.interaction_id) == "sla_breach"


def test_a_low_survey_score_puts_the_case_into_the_sample(app, client, login_as):
    _agent_id, case_id = open_in_the_form(app, client, login_as)
    token = csrf_token(client, f"/cases/{case_id}")
    for status in ("in_progress", "resolved"):
        response = client.post(
            f"/cases/{case_id}/status", data={"status": status, "csrf_token": token}
        )
        assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, case_id)
        now = utcnow()
        link = surveys.create_link(actor=case.assignee, case=case, now=now)
        survey = surveys.survey_for_token(link, now)
        surveys.answer(survey=survey, attitude=4, efficiency=2, resolution=4, comment="", now=now)
        db.session.commit()
        follow_up = db.session.get(Case, survey.follow_up_case_id)
        # The follow-up comes from the same contact the customer rated.
        assert follow_up.interaction_id == case.interaction_id is not None
        reasons = sample_reasons(now)
        assert reasons.get(case.interaction_id) == "low_survey"

"""Survey links, answers and figures, with the clock under control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.cases.models import Case
from crm.cases.services import change_status, open_case
from crm.errors import DomainError
from crm.extensions import db
from crm.surveys import services
from crm.surveys.queries import figures
from tests.factories import make_customer, make_user

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def resolved(ctx):
    agent = make_user(username="agent.su", display_name="苏敏", roles=["agent"])
    customer = make_customer(actor=agent, name="周杰伦")

    def make(subject: str = "退货", category: str = "after_sales") -> Case:
        case = open_case(
            actor=agent,
            customer=customer,
            subject=subject,
            category=category,
            now=T0,
            assignee=agent,
        )
        change_status(actor=agent, case=case, status="resolved", now=T0 + timedelta(hours=1))
        return case

    return agent, make


def answer(token: str, now: datetime, *ratings: int, comment: str = ""):
    survey = services.survey_for_token(token, now)
    return services.answer(
        survey=survey,
        attitude=ratings[0],
        efficiency=ratings[1],
        resolution=ratings[2],
        comment=comment,
        now=now,
    )


def test_a_link_works_once(resolved) -> None:
    agent, make = resolved
    token = services.create_link(actor=agent, case=make(), now=T0 + timedelta(hours=2))
    answer(token, T0 + timedelta(days=1), 5, 4, 5)
    with pytest.raises(services.SurveyUnavailable) as refused:
        answer(token, T0 + timedelta(days=1), 1, 1, 1)
    assert refused.value.reason == "unknown"  # its token is gone once answered


def test_a_link_expires_after_seven_days(resolved) -> None:
    agent, make = resolved
    token = services.create_link(actor=agent, case=make(), now=T0)
    services.survey_for_token(token, T0 + timedelta(days=7) - timedelta(seconds=1))
    with pytest.raises(services.SurveyUnavailable) as refused:
        services.survey_for_token(token, T0 + timedelta(days=7))
    assert refused.value.reason == "expired"


def test_a_token_answers_only_its_own_case_and_a_new_link_replaces_the_old(resolved) -> None:
    agent, make = resolved
    first, second = make("甲"), make("乙")
    token_first = services.create_link(actor=agent, case=first, now=T0)
    token_second = services.create_link(actor=agent, case=second, now=T0)
    assert services.survey_for_token(token_second, T0).case_id == second.id
    assert services.survey_for_token(token_first, T0).case_id == first.id
    replacement = services.create_link(actor=agent, case=first, now=T0)
    with pytest.raises(services.SurveyUnavailable):
        services.survey_for_token(token_first, T0)
    assert services.survey_for_token(replacement, T0).case_id == first.id


def test_no_link_before_the_case_is_resolved(resolved) -> None:
    agent, _ = resolved
    customer = make_customer(actor=agent)
    open_one = open_case(actor=agent, customer=customer, subject="x", category="inquiry", now=T0)
    with pytest.raises(DomainError):
        services.create_link(actor=agent, case=open_one, now=T0)


def test_a_rating_outside_1_to_5_is_refused_and_nothing_is_recorded(resolved) -> None:
    agent, make = resolved
    token = services.create_link(actor=agent, case=make(), now=T0)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        answer(token, T0, 5, 6, 5)
    assert refused.value.field == "efficiency"
    db.session.rollback()
    assert services.survey_for_token(token, T0).answered_at is None


def test_a_low_score_opens_a_follow_up_complaint(resolved) -> None:
    agent, make = resolved
    case = make("维修太慢")
    token = services.create_link(actor=agent, case=case, now=T0)
    survey = answer(token, T0 + timedelta(days=1), 4, 2, 4, comment="等了三天")
    follow_up = db.session.get(Case, survey.follow_up_case_id)
    assert (follow_up.category, follow_up.priority, follow_up.parent_id) == (
        "complaint",
        "high",
        case.id,
    )
    assert follow_up.description == "等了三天"


def test_answers_given_on_the_phone_are_marked_and_one_per_case(resolved) -> None:
    agent, make = resolved
    case = make()
    survey = services.record_by_phone(
        actor=agent,
        case=case,
        attitude=5,
        efficiency=5,
        resolution=4,
        comment=None,
        now=T0 + timedelta(hours=3),
    )
    assert (survey.channel, survey.recorded_by_id) == ("phone", agent.id)
    with pytest.raises(DomainError):
        services.create_link(actor=agent, case=case, now=T0 + timedelta(hours=4))


def test_return_rate_and_satisfaction_on_a_hand_built_month(resolved) -> None:
    """Four surveys sent: answered 5/5/5 (satisfied), 4/4/3 (average 3.67, not satisfied),
    by phone 4/4/4 (satisfied); one unanswered. Return rate 3/4 = 75%, satisfaction 2/3."""
    agent, make = resolved
    for ratings in ((5, 5, 5), (4, 4, 3)):
        answer(
            services.create_link(actor=agent, case=make(), now=T0), T0 + timedelta(days=1), *ratings
        )
    services.record_by_phone(
        actor=agent, case=make(), attitude=4, efficiency=4, resolution=4, comment=None, now=T0
    )
    services.create_link(actor=agent, case=make(), now=T0)
    total = figures(T0 - timedelta(days=1), T0 + timedelta(days=10))["agent"][""]
    assert (total.sent, total.answered, total.satisfied) == (4, 3, 2)
    assert total.return_rate == pytest.approx(0.75)
    assert total.satisfaction == pytest.approx(2 / 3)
    assert figures(T0 - timedelta(days=1), T0 + timedelta(days=10))["agent"]["苏敏"].sent == 4
    assert db.session.scalars(select(Case).where(Case.parent_id.is_not(None))).all() == []

"""The quarterly quality report on a hand-built data set, figures written out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.cases.services import open_case
from crm.extensions import db
from crm.qa import scorecards
from crm.qa.models import QuarterlyReport, TrainingRule
from crm.qa.quarters import Quarter
from crm.qa.report import prepare_previous_quarter, quarterly_report
from crm.scheduler import run_all
from crm.surveys.models import Survey
from crm.training.models import TrainingTopic
from tests.factories import make_customer
from tests.qa.support import SMALL_CARD, scored_review, veteran

Q3_DAY = datetime(2026, 8, 10, 2, tzinfo=UTC)
Q4_DAY = datetime(2026, 11, 2, 2, tzinfo=UTC)


@pytest.fixture
def world(ctx):
    qa = veteran("qa.one", ["qa"])
    a = veteran("agent.a", ["agent"])
    b = veteran("agent.b", ["agent"])
    card = scorecards.create_scorecard(
        actor=qa, name="小卡", style="weighted", pass_mark=Decimal(80), criteria=SMALL_CARD
    )
    topic = db.session.scalar(select(TrainingTopic).where(TrainingTopic.name == "服务意识"))
    db.session.add(
        TrainingRule(criterion_code="courtesy", below_percent=Decimal(60), topic_id=topic.id)
    )
    db.session.commit()
    # Q3: a scores 0% on courtesy -> 70.00, below the pass mark; training assigned.
    scored_review(
        card=card, agent=a, reviewer=qa, values=(1, 1, 1), at=Q3_DAY, comments=("没有问候", "", "")
    )
    # Q4: a 92.50; b 100.00 and a critical failure (computed 50.00, final 0).
    scored_review(card=card, agent=a, reviewer=qa, values=(4, 1, 1), at=Q4_DAY)
    scored_review(card=card, agent=b, reviewer=qa, values=(5, 1, 1), at=Q4_DAY)
    scored_review(
        card=card,
        agent=b,
        reviewer=qa,
        values=(5, 1, 0),
        at=Q4_DAY,
        comments=("", "", "说了“这不归我管”"),
    )
    customer = make_customer(actor=a)
    for ratings in ((5, 5, 4), (2, 3, 3)):
        case = open_case(
            actor=a, customer=customer, subject="咨询", category="inquiry", now=Q4_DAY, assignee=a
        )
        db.session.add(
            Survey(
                case_id=case.id,
                customer_id=customer.id,
                sent_at=Q4_DAY,
                expires_at=Q4_DAY,
                answered_at=Q4_DAY,
                channel="phone",
                attitude=ratings[0],
                efficiency=ratings[1],
                resolution=ratings[2],
            )
        )
    db.session.commit()
    return {"a": a, "b": b}


def test_quarterly_figures_by_team_agent_and_criterion(world) -> None:
    report = quarterly_report(Quarter(2026, 4))
    assert report["team"] == {
        "reviews": 3,
        "average": 64.2,
        "pass_share": 0.6667,
        "critical_failures": 1,
    }
    assert report["agents"] == [
        {
            "agent": world["a"].display_name,
            "reviews": 1,
            "average": 92.5,
            "pass_share": 1.0,
            "critical_failures": 0,
            "surveys": 2,
            "satisfaction": 0.5,
        },
        {
            "agent": world["b"].display_name,
            "reviews": 2,
            "average": 50.0,
            "pass_share": 0.5,
            "critical_failures": 1,
            "surveys": 0,
            "satisfaction": None,
        },
    ]
    assert report["criteria"] == [
        {
            "code": "forbidden",
            "section": "规范",
            "name": "禁语",
            "rated": 3,
            "average": 66.7,
            "failures": 1,
            "fail_share": 0.3333,
        },
        {
            "code": "courtesy",
            "section": "态度",
            "name": "礼貌",
            "rated": 3,
            "average": 91.7,
            "failures": 0,
            "fail_share": 0.0,
        },
        {
            "code": "procedure",
            "section": "规范",
            "name": "流程",
            "rated": 3,
            "average": 100.0,
            "failures": 0,
            "fail_share": 0.0,
        },
    ]
    assert [(c["agent"], c["criterion"], c["comment"]) for c in report["critical"]] == [
        (world["b"].display_name, "禁语", "说了“这不归我管”")
    ]
    assert [(row["name"], row["failures"]) for row in report["top_failing"]] == [("禁语", 1)]


def test_trend_covers_four_quarters_including_empty_ones(world) -> None:
    trend = quarterly_report(Quarter(2026, 4))["trend"]
    assert trend == [
        {
            "quarter": "2026Q1",
            "reviews": 0,
            "average": None,
            "pass_share": None,
            "critical_failures": 0,
        },
        {
            "quarter": "2026Q2",
            "reviews": 0,
            "average": None,
            "pass_share": None,
            "critical_failures": 0,
        },
        {
            "quarter": "2026Q3",
            "reviews": 1,
            "average": 70.0,
            "pass_share": 0.0,
            "critical_failures": 0,
        },
        {
            "quarter": "2026Q4",
            "reviews": 3,
            "average": 64.2,
            "pass_share": 0.6667,
            "critical_failures": 1,
        },
    ]


def test_the_criterion_before_and_after_the_training_it_caused(world) -> None:
    training = quarterly_report(Quarter(2026, 4))["training"]
    assert training == [
        {
            "agent": world["a"].display_name,
            "criterion": "礼貌",
            "topic": "服务意识",
            "assigned_on": "2026-08-10",
            "before": 0.0,
            "after": 75.0,
            "after_reviews": 1,
        }
    ]


def test_an_empty_quarter_has_no_figures(world) -> None:
    report = quarterly_report(Quarter(2025, 1))
    assert report["team"] == {
        "reviews": 0,
        "average": None,
        "pass_share": None,
        "critical_failures": 0,
    }
    assert report["agents"] == report["criteria"] == report["critical"] == []


def test_the_scheduler_keeps_the_ended_quarters_report_once(app, world) -> None:
    new_year = datetime(2027, 1, 2, 1, tzinfo=UTC)
    assert run_all(app, now=new_year)["qa.prepare_quarterly_report"] == 1
    assert prepare_previous_quarter(new_year) == 0
    kept = db.session.scalar(select(QuarterlyReport))
    assert kept.quarter == "2026Q4"
    assert kept.data["team"]["reviews"] == 3


def test_quarters_parse_and_step() -> None:
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert (Quarter(2026, 2).start, Quarter(2026, 2).end) == (
        datetime(2026, 4, 1).date(),
        datetime(2026, 7, 1).date(),
    )
    assert Quarter.parse("2026Q3", Q4_DAY) == Quarter(2026, 3)

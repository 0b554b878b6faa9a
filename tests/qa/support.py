"""Shared set-up of the QA tests: a small scorecard and reviews scored through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.qa import scorecards, services
from crm.qa.models import Review, Scorecard, TrainingRule
from crm.qa.scorecards import CriterionInput
from crm.training.models import TrainingTopic
from tests.factories import make_customer, make_interaction, make_user

LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)

#: courtesy (1-5, weight 30), procedure (yes/no, N/A allowed, 20), forbidden (yes/no, critical, 50)
SMALL_CARD = [
    CriterionInput("态度", "courtesy", "礼貌", "使用礼貌用语", Decimal(30), "1_5"),
    CriterionInput("规范", "procedure", "流程", "核实身份", Decimal(20), "yes_no", allow_na=True),
    CriterionInput(
        "规范", "forbidden", "禁语", "不使用服务禁语", Decimal(50), "yes_no", critical=True
    ),
]


def veteran(username: str, roles: list[str]) -> User:
    """A user who joined long ago (so the regular QA quota applies)."""
    user = make_user(username=username, roles=roles)
    user.created_at = LONG_AGO
    db.session.commit()
    return user


def scored_review(
    *,
    card: Scorecard,
    agent: User,
    reviewer: User,
    values: tuple[int | None, ...],
    at: datetime,
    comments: tuple[str, ...] | None = None,
) -> Review:
    """A review of a new interaction of ``agent``, submitted at ``at`` with ``values`` in the
    order of the scorecard's criteria."""
    customer = make_customer(actor=agent)
    interaction = make_interaction(customer=customer, actor=agent, occurred_at=at)
    review = Review(
        interaction_id=interaction.id,
        agent_id=agent.id,
        reviewer_id=reviewer.id,
        scorecard_version_id=card.current.id,
        reason="random",
    )
    db.session.add(review)
    db.session.flush()
    criteria = card.current.criteria
    services.save_scores(
        actor=reviewer,
        review=review,
        values={c.id: v for c, v in zip(criteria, values, strict=True)},
        comments={
            c.id: text for c, text in zip(criteria, comments or ("",) * len(criteria), strict=True)
        },
        submit=True,
        now=at,
    )
    db.session.commit()
    return review


def failed_courtesy_review(at: datetime) -> dict[str, int]:
    """A submitted review, scored ``at``, whose courtesy score (50 % < 60 %) assigns the topic
    服务意识 to agent.a: the ids of the people (qa, boss, trainer, a), the card, the topic and
    the review."""
    people = {
        "qa": veteran("qa.one", ["qa"]),
        "boss": veteran("boss", ["supervisor"]),
        "trainer": veteran("trainer.wang", ["trainer"]),
        "a": veteran("agent.a", ["agent"]),
    }
    card = scorecards.create_scorecard(
        actor=people["qa"],
        name="小卡",
        style="weighted",
        pass_mark=Decimal(80),
        criteria=SMALL_CARD,
    )
    topic = db.session.scalar(select(TrainingTopic).where(TrainingTopic.name == "服务意识"))
    db.session.add(
        TrainingRule(criterion_code="courtesy", below_percent=Decimal(60), topic_id=topic.id)
    )
    db.session.commit()
    review = scored_review(
        card=card, agent=people["a"], reviewer=people["qa"], values=(3, 1, 1), at=at
    )
    ids = {key: user.id for key, user in people.items()}
    return {**ids, "card": card.id, "topic": topic.id, "review": review.id}

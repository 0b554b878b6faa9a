"""QA rules called directly: scorecard versions, the draw, reviews, disputes, training."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from crm.cases.services import open_case
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.notifications.models import Notification
from crm.qa import calibration, disputes, quotas, sampling, scorecards, services
from crm.qa.models import (
    Review,
    ReviewRevision,
    ReviewScore,
    SampleDraw,
    Scorecard,
    TrainingAssignment,
    TrainingRule,
)
from crm.qa.scorecards import CriterionInput
from crm.surveys.models import Survey
from crm.training.models import TrainingTopic
from tests.factories import make_customer, make_interaction, make_user
from tests.qa.support import SMALL_CARD, scored_review, veteran

#: 2 November 2026, 10:00 in Shanghai: the October sample is drawn now
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 1).date()


@pytest.fixture
def people(ctx):
    return {
        "qa1": veteran("qa.one", ["qa"]),
        "qa2": veteran("qa.two", ["qa"]),
        "boss": veteran("boss", ["supervisor"]),
        "a": veteran("agent.a", ["agent"]),
        "b": veteran("agent.b", ["agent"]),
    }


@pytest.fixture
def card(people) -> Scorecard:
    scorecard = scorecards.create_scorecard(
        actor=people["qa1"],
        name="小卡",
        style="weighted",
        pass_mark=Decimal(80),
        criteria=SMALL_CARD,
    )
    db.session.commit()
    return scorecard


def october(day: int, hour: int = 3) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def interactions_for(agent, count: int, **overrides) -> list[int]:
    customer = make_customer(actor=agent)
    ids = [
        make_interaction(
            customer=customer, actor=agent, occurred_at=october(1 + n % 28), **overrides
        ).id
        for n in range(count)
    ]
    db.session.commit()
    return ids


def sample(period_start=OCTOBER) -> set[tuple[int, str, int | None]]:
    return {
        (r.interaction_id, r.reason, r.reviewer_id)
        for r in db.session.scalars(
            select(Review).join(SampleDraw).where(SampleDraw.period_start == period_start)
        )
    }


def draw(people, card, seed: int | None = 42):
    result = sampling.draw_sample(
        actor=people["qa1"], day=OCTOBER, scorecard=card, now=NOW, seed=seed
    )
    db.session.commit()
    return result


def submitted_review(people, card, values=(4, 1, 1), comments=None) -> Review:
    """Agent a's review by qa1, values in the card's criterion order (default 92.50)."""
    return scored_review(
        card=card,
        agent=people["a"],
        reviewer=people["qa1"],
        values=values,
        at=NOW,
        comments=comments,
    )


# Scorecard versions


def test_editing_an_unused_scorecard_changes_it_in_place(people, card) -> None:
    changed = [*SMALL_CARD[:2], replace(SMALL_CARD[2], weight=Decimal(60))]
    version = scorecards.revise_scorecard(
        actor=people["qa1"],
        scorecard=card,
        style="weighted",
        pass_mark=Decimal(85),
        criteria=changed,
    )
    db.session.commit()
    assert (version.version, version.pass_mark) == (1, Decimal(85))
    assert [c.weight for c in version.criteria] == [Decimal(30), Decimal(20), Decimal(60)]


def test_editing_a_scorecard_in_use_makes_a_new_version_and_reviews_keep_theirs(
    people, card
) -> None:
    review = submitted_review(people, card)
    first = card.current
    changed = [
        *SMALL_CARD,
        CriterionInput("沟通", "clarity", "表达清晰", "解释清楚", Decimal(10), "1_3"),
    ]
    version = scorecards.revise_scorecard(
        actor=people["qa1"],
        scorecard=card,
        style="deduction",
        pass_mark=Decimal(80),
        criteria=changed,
    )
    db.session.commit()
    assert [v.version for v in card.versions] == [1, 2]
    assert version.style == "deduction" and len(version.criteria) == 4
    assert review.scorecard_version_id == first.id
    assert [c.code for c in first.criteria] == ["courtesy", "procedure", "forbidden"]
    assert review.final_score == Decimal("92.50")  # (75*30 + 100*20 + 100*50) / 100 = 92.5


def test_an_unchanged_scorecard_makes_no_new_version(people, card) -> None:
    submitted_review(people, card)
    version = scorecards.revise_scorecard(
        actor=people["qa1"],
        scorecard=card,
        style="weighted",
        pass_mark=Decimal(80),
        criteria=SMALL_CARD,
    )
    assert version.version == 1


def test_a_scorecard_is_checked_before_it_is_saved(people) -> None:
    twice = [SMALL_CARD[0], SMALL_CARD[0]]
    with pytest.raises(DomainError, match="courtesy"):
        scorecards.create_scorecard(
            actor=people["qa1"], name="x", style="weighted", pass_mark=Decimal(80), criteria=twice
        )
    points = [CriterionInput("a", "pts", "分", "d", Decimal(1), "points")]
    with pytest.raises(DomainError):
        scorecards.create_scorecard(
            actor=people["qa1"], name="x", style="weighted", pass_mark=Decimal(80), criteria=points
        )
    with pytest.raises(PermissionDenied):
        scorecards.create_scorecard(
            actor=people["a"],
            name="x",
            style="weighted",
            pass_mark=Decimal(80),
            criteria=SMALL_CARD,
        )


def test_the_migration_installs_the_default_scorecard_with_forbidden_phrases_critical(ctx) -> None:
    default = db.session.scalar(select(Scorecard).order_by(Scorecard.id))
    criteria = {c.code: c for c in default.current.criteria}
    assert {"greeting", "patience", "clarity", "resolution", "accuracy", "procedure"} <= set(
        criteria
    )
    assert [code for code, c in criteria.items() if c.critical] == ["forbidden_words"]
    assert sum(c.weight for c in criteria.values()) == 100


# The draw


def test_the_draw_fills_each_quota_at_random_and_is_reproducible(people, card) -> None:
    interactions_for(people["a"], 30)
    interactions_for(people["b"], 3)
    result = draw(people, card)
    first = sample()
    reasons = [reason for _i, reason, _r in first]
    assert reasons.count("random") == 5 + 3  # b had only three interactions
    assert result.added == 8
    # Drawing again adds nothing; a fresh draw with the same seed picks the same sample.
    assert draw(people, card).added == 0
    db.session.execute(delete(Review))
    db.session.execute(delete(SampleDraw))
    db.session.commit()
    draw(people, card)
    assert sample() == first
    db.session.execute(delete(Review))
    db.session.execute(delete(SampleDraw))
    db.session.commit()
    draw(people, card, seed=7)
    assert {i for i, _reason, _r in sample()} != {i for i, _reason, _r in first}


def test_new_agents_get_the_larger_quota(people, card) -> None:
    newcomer = make_user(username="agent.new", roles=["agent"])
    newcomer.created_at = datetime(2026, 9, 1, tzinfo=UTC)  # 30 days before October
    db.session.commit()
    interactions_for(newcomer, 20)
    interactions_for(people["a"], 20)
    draw(people, card)
    counts = dict(
        db.session.execute(select(Review.agent_id, func.count()).group_by(Review.agent_id)).all()
    )
    assert counts == {newcomer.id: 10, people["a"].id: 5}


def test_risk_triggers_always_join_the_sample_with_their_reason(people, card) -> None:
    agent = people["a"]
    plain = interactions_for(agent, 10)
    complaint = interactions_for(agent, 1, category="complaint")[0]
    customer = make_customer(actor=agent)
    breached_from = make_interaction(customer=customer, actor=agent, occurred_at=october(5))
    surveyed_from = make_interaction(customer=customer, actor=agent, occurred_at=october(6))
    breached = open_case(
        actor=agent,
        customer=customer,
        subject="慢",
        category="inquiry",
        now=october(5),
        interaction=breached_from,
    )
    breached.resolution_breached = True
    surveyed = open_case(
        actor=agent,
        customer=customer,
        subject="差评",
        category="inquiry",
        now=october(6),
        interaction=surveyed_from,
    )
    db.session.add(
        Survey(
            case_id=surveyed.id,
            customer_id=customer.id,
            sent_at=october(7),
            expires_at=october(14),
            answered_at=october(8),
            channel="phone",
            attitude=4,
            efficiency=2,
            resolution=5,
        )
    )
    db.session.commit()
    draw(people, card)
    reasons = {i: reason for i, reason, _r in sample()}
    assert reasons[complaint] == "complaint"
    assert reasons[breached_from.id] == "sla_breach"
    assert reasons[surveyed_from.id] == "low_survey"
    assert sum(1 for i in plain if reasons.get(i) == "random") == 5


def test_nobody_reviews_their_own_interactions(people, card) -> None:
    both = veteran("qa.agent", ["qa", "agent"])
    interactions_for(both, 8)
    interactions_for(people["a"], 8)
    draw(people, card)
    reviews = list(db.session.scalars(select(Review)))
    assert reviews and all(r.reviewer_id != r.agent_id for r in reviews)
    # The load is shared between the three reviewers.
    loads = sorted(
        db.session.execute(
            select(func.count()).select_from(Review).group_by(Review.reviewer_id)
        ).scalars()
    )
    assert loads == [3, 3, 4]
    with pytest.raises(IntegrityError):
        own = next(r for r in reviews if r.agent_id == both.id)
        own.reviewer_id = both.id
        db.session.flush()


def test_with_no_other_reviewer_the_review_waits_unassigned(ctx) -> None:
    only = veteran("qa.only", ["qa", "agent"])
    card = db.session.scalar(select(Scorecard))
    interactions_for(only, 3)
    result = sampling.draw_sample(actor=only, day=OCTOBER, scorecard=card, now=NOW, seed=1)
    assert result.unassigned == 3
    review = db.session.scalar(select(Review))
    with pytest.raises(PermissionDenied):
        services.claim(actor=only, review=review)


def test_a_period_that_has_not_begun_cannot_be_drawn(people, card) -> None:
    with pytest.raises(DomainError):
        sampling.draw_sample(
            actor=people["qa1"], day=datetime(2026, 12, 1).date(), scorecard=card, now=NOW
        )


def test_coverage_lists_agents_below_quota_first(people, card) -> None:
    interactions_for(people["a"], 10)
    interactions_for(people["b"], 10)
    draw(people, card)
    ids = [c.id for c in card.current.criteria]
    for review in db.session.scalars(select(Review).where(Review.agent_id == people["b"].id)):
        services.save_scores(
            actor=review.reviewer,
            review=review,
            values={ids[0]: 5, ids[1]: 1, ids[2]: 1},
            comments={},
            submit=True,
            now=NOW,
        )
    db.session.commit()
    rows = quotas.coverage(OCTOBER, datetime(2026, 11, 1).date())
    assert [(r.name, r.quota, r.selected, r.scored, r.below_quota) for r in rows] == [
        (people["a"].display_name, 5, 5, 0, True),
        (people["b"].display_name, 5, 5, 5, False),
    ]


# Reviews and disputes


def test_a_draft_is_kept_and_a_submission_needs_every_criterion(people, card) -> None:
    interaction = interactions_for(people["a"], 1)[0]
    review = Review(
        interaction_id=interaction,
        agent_id=people["a"].id,
        reviewer_id=people["qa1"].id,
        scorecard_version_id=card.current.id,
        reason="random",
    )
    db.session.add(review)
    db.session.flush()
    ids = [c.id for c in card.current.criteria]
    services.save_scores(
        actor=people["qa1"],
        review=review,
        values={ids[0]: 2},
        comments={ids[0]: "语气生硬"},
        submit=False,
        now=NOW,
    )
    assert review.status == "draft"
    assert services.scores_of(review)[ids[0]].value == 2
    with pytest.raises(DomainError) as error:
        services.save_scores(
            actor=people["qa1"],
            review=review,
            values={ids[0]: 2},
            comments={ids[0]: "语气生硬"},
            submit=True,
            now=NOW,
        )
    assert error.value.field == f"c{ids[1]}"
    with pytest.raises(DomainError) as no_comment:
        services.save_scores(
            actor=people["qa1"],
            review=review,
            values={ids[0]: 2, ids[1]: None, ids[2]: 1},
            comments={},
            submit=True,
            now=NOW,
        )
    assert no_comment.value.field == f"comment{ids[0]}"
    with pytest.raises(PermissionDenied):
        services.save_scores(
            actor=people["qa2"], review=review, values={}, comments={}, submit=False, now=NOW
        )


def test_a_critical_failure_scores_zero_and_keeps_the_computed_score(people, card) -> None:
    review = submitted_review(
        people, card, values=(5, None, 0), comments=("", "", "说了“这不归我管”")
    )
    # (100*30) / 30 + 0*50 over 80 -> 37.5, then zeroed by the critical criterion
    assert (review.computed_score, review.final_score) == (Decimal("37.50"), Decimal("0.00"))
    assert review.critical_failed is True and review.passed is False
    notice = db.session.scalar(select(Notification).where(Notification.user_id == people["a"].id))
    assert notice.kind == "qa.review"


def test_a_submitted_review_changes_only_through_a_dispute(people, card) -> None:
    review = submitted_review(people, card)
    with pytest.raises(DomainError):
        services.save_scores(
            actor=people["qa1"], review=review, values={}, comments={}, submit=False, now=NOW
        )


def test_an_accepted_dispute_makes_a_new_revision_and_keeps_the_first(people, card) -> None:
    ids = [c.id for c in card.current.criteria]
    review = submitted_review(people, card)  # 92.50
    dispute = disputes.open_dispute(
        actor=people["a"],
        review=review,
        items={ids[0]: "客户录音里我用了敬语"},
        now=NOW + timedelta(days=1),
    )
    assert review.status == "disputed"
    disputes.decide_dispute(
        actor=people["boss"],
        dispute=dispute,
        accept=True,
        new_values={ids[0]: 5},
        note="录音核实属实",
        now=NOW + timedelta(days=2),
    )
    db.session.commit()
    assert (review.revision, review.final_score, review.status) == (
        2,
        Decimal("100.00"),
        "resolved",
    )
    revisions = services.revisions_of(review)
    assert [(r.revision, r.final_score) for r in revisions] == [
        (1, Decimal("92.50")),
        (2, Decimal("100.00")),
    ]
    assert revisions[1].note == "录音核实属实"
    assert services.scores_of(review, 1)[ids[0]].value == 4
    assert services.scores_of(review, 2)[ids[0]].value == 5
    assert dispute.status == "accepted"


def test_a_rejected_dispute_keeps_the_score_with_the_reason(people, card) -> None:
    ids = [c.id for c in card.current.criteria]
    review = submitted_review(people, card)
    dispute = disputes.open_dispute(
        actor=people["a"], review=review, items={ids[0]: "不同意"}, now=NOW
    )
    with pytest.raises(DomainError):
        disputes.decide_dispute(
            actor=people["boss"], dispute=dispute, accept=False, new_values={}, note=" ", now=NOW
        )
    disputes.decide_dispute(
        actor=people["boss"],
        dispute=dispute,
        accept=False,
        new_values={},
        note="录音中确有停顿",
        now=NOW,
    )
    db.session.commit()
    assert (review.revision, review.final_score, review.status) == (1, Decimal("92.50"), "resolved")
    assert (dispute.status, dispute.decision_note) == ("rejected", "录音中确有停顿")
    with pytest.raises(DomainError):
        disputes.decide_dispute(
            actor=people["boss"], dispute=dispute, accept=True, new_values={}, note="再议", now=NOW
        )


def test_a_dispute_is_the_agents_own_within_the_window_and_only_changes_disputed_criteria(
    people, card
) -> None:
    ids = [c.id for c in card.current.criteria]
    review = submitted_review(people, card)
    with pytest.raises(PermissionDenied):
        disputes.open_dispute(actor=people["b"], review=review, items={ids[0]: "x"}, now=NOW)
    with pytest.raises(DomainError):
        disputes.open_dispute(
            actor=people["a"], review=review, items={ids[0]: "x"}, now=NOW + timedelta(days=8)
        )
    with pytest.raises(DomainError):
        disputes.open_dispute(actor=people["a"], review=review, items={ids[0]: "  "}, now=NOW)
    dispute = disputes.open_dispute(actor=people["a"], review=review, items={ids[0]: "x"}, now=NOW)
    with pytest.raises(DomainError):
        disputes.decide_dispute(
            actor=people["boss"],
            dispute=dispute,
            accept=True,
            new_values={ids[1]: 0},
            note="改",
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        disputes.decide_dispute(
            actor=people["qa2"],
            dispute=dispute,
            accept=True,
            new_values={ids[0]: 5},
            note="改",
            now=NOW,
        )
    boss_notice = db.session.scalar(
        select(Notification).where(Notification.user_id == people["boss"].id)
    )
    assert boss_notice.kind == "qa.dispute"


def test_acknowledging_closes_the_dispute_window(people, card) -> None:
    ids = [c.id for c in card.current.criteria]
    review = submitted_review(people, card)
    services.acknowledge(actor=people["a"], review=review, now=NOW)
    assert review.status == "acknowledged"
    with pytest.raises(DomainError):
        disputes.open_dispute(actor=people["a"], review=review, items={ids[0]: "x"}, now=NOW)


# Closing the loop with training


def test_a_failed_criterion_assigns_training_and_enlarges_the_next_sample(people, card) -> None:
    topic = db.session.scalar(select(TrainingTopic).where(TrainingTopic.name == "服务意识"))
    db.session.add(
        TrainingRule(criterion_code="courtesy", below_percent=Decimal(60), topic_id=topic.id)
    )
    db.session.commit()
    submitted_review(people, card, values=(3, 1, 1))  # 50% < 60%
    assignment = db.session.scalar(select(TrainingAssignment))
    assert (assignment.agent_id, assignment.topic_id, assignment.criterion_code) == (
        people["a"].id,
        topic.id,
        "courtesy",
    )
    kinds = set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == people["a"].id))
    )
    assert kinds == {"qa.review", "qa.training"}
    # Assigned in November: November's and December's samples are enlarged, January's is not.
    for start, end, expected in (
        (date(2026, 11, 1), date(2026, 12, 1), (8, 5)),
        (date(2026, 12, 1), date(2027, 1, 1), (8, 5)),
        (date(2027, 1, 1), date(2027, 2, 1), (5, 5)),
    ):
        agent_quotas = quotas.quotas(start, end)
        assert (agent_quotas[people["a"].id].quota, agent_quotas[people["b"].id].quota) == expected


def test_a_passing_criterion_assigns_nothing(people, card) -> None:
    topic = db.session.scalar(select(TrainingTopic).limit(1))
    db.session.add(
        TrainingRule(criterion_code="courtesy", below_percent=Decimal(60), topic_id=topic.id)
    )
    db.session.commit()
    submitted_review(people, card)  # courtesy 4 -> 75%
    assert db.session.scalar(select(func.count()).select_from(TrainingAssignment)) == 0


# Calibration


def test_calibration_shows_spread_and_alignment_and_never_counts_for_the_agent(
    people, card
) -> None:
    qa3 = veteran("qa.three", ["qa"])
    interaction = db.session.get(
        Interaction,
        interactions_for(people["a"], 1)[0],
    )
    session = calibration.create_session(
        actor=people["qa1"],
        title="十月校准",
        interaction=interaction,
        scorecard=card,
        reviewers=[people["qa1"], people["qa2"], qa3],
        now=NOW,
    )
    ids = [c.id for c in card.current.criteria]
    given = {people["qa1"].id: 5, people["qa2"].id: 4, qa3.id: 2}  # 100, 75, 25 on courtesy
    for number, review in enumerate(calibration.participants(session)):
        if number < 2:  # results show once two reviewers submitted
            with pytest.raises(DomainError):
                calibration.close_session(actor=people["qa1"], session=session, now=NOW)
        services.save_scores(
            actor=review.reviewer,
            review=review,
            values={ids[0]: given[review.reviewer_id], ids[1]: 1, ids[2]: 1},
            comments={ids[0]: "偏低"},
            submit=True,
            now=NOW,
        )
    calibration.close_session(actor=people["qa1"], session=session, now=NOW)
    result = calibration.results(session)
    courtesy = result.criteria[0]
    assert courtesy.spread == Decimal("75.0")
    assert result.criteria[1].spread == Decimal("0.0")
    # Mean credit on courtesy is 200/3; distances 33.3, 8.3, 41.7; others 0 -> mean over 3 criteria
    assert result.alignment == {
        people["qa1"].id: Decimal("88.9"),
        people["qa2"].id: Decimal("97.2"),
        qa3.id: Decimal("86.1"),
    }
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == people["a"].id)
        )
        == 0
    )
    with pytest.raises(DomainError):
        calibration.create_session(
            actor=people["qa1"],
            title="x",
            interaction=interaction,
            scorecard=card,
            reviewers=[people["qa1"], people["a"]],
            now=NOW,
        )


def test_review_scores_of_every_revision_are_kept(people, card) -> None:
    review = submitted_review(people, card)
    assert (
        db.session.scalar(
            select(func.count()).select_from(ReviewScore).where(ReviewScore.review_id == review.id)
        )
        == 3
    )
    assert db.session.scalar(select(func.count()).select_from(ReviewRevision)) == 1

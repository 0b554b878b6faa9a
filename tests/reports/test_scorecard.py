"""Issue 21, honest figures: a part with no data earns no marks; it is left out, the other
weights count for it, and the card names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from crm.qa import scorecards
from crm.qa.scoring import score
from crm.reports.scope import Period
from crm.reports.scorecard import PARTS, agent_scorecard
from tests.qa.support import SMALL_CARD, scored_review, veteran

OCTOBER = Period(date(2026, 10, 1), date(2026, 11, 1))


@dataclass
class C:
    id: int
    scale: str
    weight: Decimal
    max_points: int | None = None
    allow_na: bool = True
    critical: bool = False
    name: str = "criterion"


def test_an_agent_with_only_a_qa_review_is_scored_on_that_part_alone(ctx, client) -> None:
    agent, qa = veteran("agent.only.qa", ["agent"]), veteran("qa.one", ["qa"])
    card = scorecards.create_scorecard(
        actor=qa, name="小卡", style="weighted", pass_mark=Decimal(80), criteria=SMALL_CARD
    )
    at = datetime(2026, 10, 15, 2, tzinfo=UTC)
    scored_review(card=card, agent=agent, reviewer=qa, values=(4, 1, 1), at=at)  # 92.50
    row = next(r for r in agent_scorecard(OCTOBER) if r.agent_id == agent.id)
    # QA 92.5 against 0 -> 85 is full attainment; the five parts without data count for nothing
    assert row.composite == 100.0
    assert set(row.missing) == set(PARTS) - {"qa_average"}


def test_a_deduction_review_with_every_criterion_na_has_no_score(app) -> None:
    criteria = [C(1, "yes_no", Decimal(10)), C(2, "1_5", Decimal(20))]
    with app.test_request_context():
        outcome = score("deduction", Decimal(80), criteria, {1: None, 2: None})
    # nothing was rated, so nothing was earned: no score, not full marks, and not a pass
    assert outcome.computed is None
    assert outcome.final is None
    assert outcome.passed is False

"""The scoring rules with exact figures: no database needed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from crm.errors import DomainError
from crm.qa.scoring import credit, fails, score


@dataclass
class C:
    id: int
    scale: str
    weight: Decimal
    max_points: int | None = None
    allow_na: bool = False
    critical: bool = False
    name: str = "criterion"


def test_credit_runs_from_the_lowest_value_to_the_highest(app) -> None:
    five = C(1, "1_5", Decimal(1))
    assert [credit(five, v) for v in range(1, 6)] == [0, 25, 50, 75, 100]
    assert [credit(C(2, "1_3", Decimal(1)), v) for v in (1, 2, 3)] == [0, 50, 100]
    assert [credit(C(3, "yes_no", Decimal(1)), v) for v in (0, 1)] == [0, 100]
    assert credit(C(4, "points", Decimal(1), max_points=8), 6) == 75


def test_a_criterion_fails_below_half_its_credit(app) -> None:
    five = C(1, "1_5", Decimal(1))
    assert [fails(five, v) for v in range(1, 6)] == [True, True, False, False, False]
    assert fails(five, None) is False


def test_a_value_off_the_scale_is_refused_naming_the_criterion(app) -> None:
    with app.test_request_context(), pytest.raises(DomainError) as error:
        credit(C(7, "1_5", Decimal(1), name="礼貌用语"), 6)
    assert "礼貌用语" in error.value.message
    assert error.value.field == "c7"


def test_weighted_score_leaves_na_criteria_out_of_both_sides(app) -> None:
    criteria = [
        C(1, "1_5", Decimal(20)),  # 4 -> 75%
        C(2, "yes_no", Decimal(10)),  # yes -> 100%
        C(3, "1_3", Decimal(30), allow_na=True),  # N/A
        C(4, "points", Decimal(10), max_points=10),  # 3 -> 30%
    ]
    outcome = score("weighted", Decimal(80), criteria, {1: 4, 2: 1, 3: None, 4: 3})
    # (75*20 + 100*10 + 30*10) / (20 + 10 + 10) = 2800 / 40
    assert outcome.computed == Decimal("70.00")
    assert outcome.final == Decimal("70.00")
    assert outcome.critical_failed is False
    assert outcome.passed is False


def test_weighted_score_rounds_half_up_to_two_places(app) -> None:
    criteria = [C(1, "yes_no", Decimal(1)), C(2, "yes_no", Decimal(1)), C(3, "1_3", Decimal(1))]
    outcome = score("weighted", Decimal(60), criteria, {1: 1, 2: 1, 3: 2})
    assert outcome.computed == Decimal("83.33")  # 250 / 3
    assert outcome.passed is True


def test_deduction_takes_each_faults_points_off_100_and_stops_at_zero(app) -> None:
    criteria = [
        C(1, "yes_no", Decimal(15)),  # no: -15
        C(2, "1_5", Decimal(20)),  # 3 (50%): -10
        C(3, "yes_no", Decimal(5), allow_na=True),  # N/A: nothing
        C(4, "yes_no", Decimal(30)),  # yes: nothing
    ]
    outcome = score("deduction", Decimal(80), criteria, {1: 0, 2: 3, 3: None, 4: 1})
    assert outcome.computed == Decimal("75.00")
    assert outcome.passed is False
    heavy = [C(1, "yes_no", Decimal(60)), C(2, "yes_no", Decimal(70))]
    assert score("deduction", Decimal(80), heavy, {1: 0, 2: 0}).computed == Decimal("0.00")


def test_a_failed_critical_criterion_zeroes_the_final_score_and_keeps_the_computed(app) -> None:
    criteria = [C(1, "1_5", Decimal(90)), C(2, "yes_no", Decimal(10), critical=True)]
    outcome = score("weighted", Decimal(80), criteria, {1: 5, 2: 0})
    assert outcome.computed == Decimal("90.00")
    assert outcome.final == Decimal("0.00")
    assert outcome.critical_failed is True
    assert outcome.passed is False
    passed = score("weighted", Decimal(80), criteria, {1: 5, 2: 1})
    assert (passed.final, passed.critical_failed, passed.passed) == (Decimal("100.00"), False, True)


def test_a_submission_needs_every_criterion_and_na_only_where_allowed(app) -> None:
    criteria = [C(1, "yes_no", Decimal(1)), C(2, "yes_no", Decimal(1))]
    with app.test_request_context():
        with pytest.raises(DomainError) as missing:
            score("weighted", Decimal(80), criteria, {1: 1})
        assert missing.value.field == "c2"
        with pytest.raises(DomainError) as not_applicable:
            score("weighted", Decimal(80), criteria, {1: 1, 2: None})
        assert not_applicable.value.field == "c2"

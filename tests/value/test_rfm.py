"""RFM scores and segments: a generated purchase history scored here by hand, independently of
the service, must match what the nightly job stores."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from crm.customers.models import Purchase
from crm.database import utcnow
from crm.extensions import db
from crm.scheduler import JOBS
from crm.value.models import CustomerValue, SegmentMonth, ValueRun
from crm.value.rfm import nightly_segments
from tests.factories import make_customer, make_user

# The default thresholds and the seeded segment rules, written out again on purpose.
R_LIMITS = [30, 90, 180, 365]
F_LIMITS = [2, 3, 5, 8]
M_LIMITS = [1000, 5000, 20000, 50000]
RULES = [
    ("important_value", (4, 5), (4, 5), (4, 5)),
    ("important_develop", (4, 5), (1, 3), (4, 5)),
    ("important_retain", (1, 3), (4, 5), (4, 5)),
    ("churn_risk", (1, 2), (1, 5), (1, 5)),
    ("general_develop", (1, 5), (1, 5), (1, 5)),
]


def expected_scores(purchases, now):
    """(R, F, M, segment) from a list of (days ago, amount), by the rules in the README."""
    last = min(days for days, _ in purchases)
    recent = [(days, amount) for days, amount in purchases if days < 730]
    r = {True: 5}.get(last <= 30) or (
        4 if last <= 90 else 3 if last <= 180 else 2 if last <= 365 else 1
    )
    f = 1 + len([x for x in F_LIMITS if len(recent) >= x])
    m = 1 + len([x for x in M_LIMITS if sum(a for _, a in recent) >= x])
    for code, rr, ff, mm in RULES:
        if rr[0] <= r <= rr[1] and ff[0] <= f <= ff[1] and mm[0] <= m <= mm[1]:
            return r, f, m, code
    raise AssertionError("the catch-all rule matches everything")


def test_rfm_scores_on_a_generated_history_equal_those_computed_here(ctx) -> None:
    rng = random.Random(2027)  # noqa: S311 - a repeatable test history
    agent = make_user(roles=["agent"])
    now = utcnow()
    histories = {}
    for _ in range(60):
        customer = make_customer(actor=agent)
        # Whole days plus an hour, so that no purchase sits on a day boundary.
        purchases = [
            (
                rng.choice([1, 5, 29, 31, 60, 91, 200, 366, 700, 800]) + rng.randint(0, 3),
                Decimal(rng.choice([99, 500, 999, 1000, 4200, 15000, 30000])),
            )
            for _ in range(rng.randint(0, 10))
        ]
        for days, amount in purchases:
            db.session.add(
                Purchase(
                    customer_id=customer.id,
                    product="p",
                    amount=amount,
                    purchased_at=now - timedelta(days=days, hours=1),
                )
            )
        histories[customer.id] = purchases
    db.session.flush()

    assert nightly_segments(now) == sum(1 for p in histories.values() if p)
    stored = {v.customer_id: v for v in db.session.scalars(select(CustomerValue))}
    for customer_id, purchases in histories.items():
        if not purchases:
            assert customer_id not in stored
            continue
        value = stored[customer_id]
        got = (value.r_score, value.f_score, value.m_score, value.segment)
        assert got == expected_scores(purchases, now), (customer_id, purchases)
    assert {v.segment for v in stored.values()} >= {"important_value", "churn_risk"}
    assert db.session.scalar(select(func.count()).select_from(SegmentMonth)) == len(stored)


def test_the_nightly_job_runs_once_a_day_and_again_after_the_rules_change(ctx) -> None:
    assert "value.nightly_segments" in {job.name for job in JOBS}
    agent = make_user(roles=["agent"])
    customer = make_customer(actor=agent)
    db.session.add(
        Purchase(
            customer_id=customer.id,
            product="p",
            amount=Decimal(10),
            purchased_at=utcnow() - timedelta(days=3),
        )
    )
    now = utcnow()
    assert nightly_segments(now) == 1
    assert nightly_segments(now + timedelta(minutes=5)) == 0
    from crm.value.models import SegmentRule

    rule = db.session.scalar(select(SegmentRule).where(SegmentRule.code == "general_develop"))
    rule.r_min = 1
    rule.name = "一般客户"
    rule.f_max = 5
    db.session.flush()
    assert nightly_segments(now + timedelta(minutes=6)) == 0  # the ranges did not change
    rule.r_max = 4
    db.session.flush()
    assert nightly_segments(now + timedelta(minutes=7)) == 1
    assert db.session.scalar(select(func.count()).select_from(ValueRun)) == 2

"""Offer rules: proposed to the segment, a deterministic held-out control group, outcomes
recorded, and the repurchase rates compared with confidence intervals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.customers.models import Purchase
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.value.models import Offer, OfferStatus
from crm.value.offers import (
    Rate,
    assign_offers,
    in_control,
    measure,
    newcombe,
    offers_for,
    record_outcome,
    save_rule,
    wilson,
)
from crm.value.rfm import nightly_segments
from tests.factories import make_customer, make_offer_rule, make_user


def test_wilson_and_newcombe_match_the_published_examples() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10.
    low, high = newcombe(Rate(70, 56), Rate(80, 48))
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    low, high = newcombe(Rate(10, 9), Rate(10, 3))
    assert (round(low, 4), round(high, 4)) == (0.1705, 0.8090)
    assert tuple(round(x, 4) for x in wilson(0, 10)) == (0.0, 0.2775)
    assert wilson(0, 0) is None


def test_the_control_group_is_deterministic_and_its_share_as_set() -> None:
    held = [in_control(7, customer, 20) for customer in range(5000)]
    assert held == [in_control(7, customer, 20) for customer in range(5000)]
    assert 0.18 < sum(held) / len(held) < 0.22
    assert not any(in_control(7, customer, 0) for customer in range(500))


def test_offers_go_to_the_segment_the_control_is_held_out_and_the_measure_counts(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    agent = make_user(roles=["agent"])
    with pytest.raises(PermissionDenied):
        make_offer_rule(actor=agent, control_percent=10)
    with pytest.raises(DomainError):
        make_offer_rule(actor=boss, segment="nonsense", control_percent=10)
    rule = make_offer_rule(
        actor=boss,
        name="挽回老客户",
        min_days_since_purchase=200,
        text="回购立减 100 元",
        code="BACK100",
        control_percent=30,
    )
    now = utcnow()
    lapsed = []
    for _ in range(30):
        customer = make_customer(actor=agent)
        db.session.add(
            Purchase(
                customer_id=customer.id,
                product="p",
                amount=Decimal(300),
                purchased_at=now - timedelta(days=400),
            )
        )
        lapsed.append(customer)
    recent = make_customer(actor=agent)
    db.session.add(
        Purchase(
            customer_id=recent.id,
            product="p",
            amount=Decimal(300),
            purchased_at=now - timedelta(days=3),
        )
    )
    db.session.flush()
    nightly_segments(now)
    assert assign_offers(now) == 30
    assert assign_offers(now) == 0
    offers = {o.customer_id: o for o in db.session.scalars(select(Offer))}
    assert recent.id not in offers
    control = [c for c in lapsed if offers[c.id].status == OfferStatus.CONTROL]
    offered = [c for c in lapsed if offers[c.id].status == OfferStatus.PROPOSED]
    assert control and offered
    assert all(offers_for(c) == [] for c in control)
    with pytest.raises(DomainError):
        record_outcome(actor=agent, offer=offers[control[0].id], status="made")
    # Offered: everyone is offered, the first half buy within the validity, one buys too late.
    half = len(offered) // 2
    for n, customer in enumerate(offered):
        record_outcome(
            actor=agent,
            offer=offers_for(customer)[0],
            status="accepted" if n < half else "declined",
        )
        offers[customer.id].made_at = now
        if n < half:
            db.session.add(
                Purchase(
                    customer_id=customer.id,
                    product="p",
                    amount=Decimal(1),
                    purchased_at=now + timedelta(days=5),
                )
            )
    db.session.add(
        Purchase(
            customer_id=offered[-1].id,
            product="p",
            amount=Decimal(1),
            purchased_at=now + timedelta(days=31),
        )
    )
    # Control: one buys within the window.
    db.session.add(
        Purchase(
            customer_id=control[0].id,
            product="p",
            amount=Decimal(1),
            purchased_at=now + timedelta(days=10),
        )
    )
    db.session.flush()
    result = measure(rule)
    assert (result.offered.count, result.offered.repurchased) == (len(offered), half)
    assert (result.control.count, result.control.repurchased) == (len(control), 1)
    assert result.interval == newcombe(result.offered, result.control)
    with pytest.raises(DomainError):
        save_rule(
            actor=boss,
            rule=rule,
            name=rule.name,
            segment=rule.segment,
            min_days_since_purchase=200,
            text=rule.text,
            code=rule.code,
            valid_days=30,
            control_percent=10,
        )

"""Demo customer value: purchase histories rich enough for every segment, last month's and this
month's segments (so the overview shows movement), consent, care dates that fall this week,
two offer rules with offers made, accepted and declined, and their control groups."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from crm.auth.models import User
from crm.customers.models import Customer, Purchase
from crm.database import utcnow
from crm.demo.customers import PRODUCTS
from crm.extensions import db
from crm.timezones import department_today
from crm.value.care import make_care_tasks
from crm.value.models import CareDate, ConsentEvent, Offer, OfferStatus
from crm.value.offers import assign_offers, save_rule
from crm.value.rfm import compute

#: (share of customers, purchases, days back the first one may be, price multiplier)
PROFILES = [
    (0.15, (6, 12), 120, 3),  # regulars who spend: 重要价值
    (0.15, (4, 8), 700, 2),  # used to buy often, quiet for months: 重要挽留 / 流失风险
    (0.25, (1, 3), 60, 1),  # recent, occasional
    (0.15, (1, 2), 700, 1),  # long gone
]
CHANNELS = ("phone", "sms", "email")
SOURCES = ("call", "form", "web", "paper")


def _histories(rng: random.Random, customer_ids: list[int], now: datetime) -> None:
    rows = []
    for customer_id in customer_ids:
        draw, floor = rng.random(), 0.0
        for share, (low, high), back, multiplier in PROFILES:
            floor += share
            if draw < floor:
                quiet = rng.randrange(120, 400) if back == 700 and low >= 4 else 1
                for _ in range(rng.randint(low, high)):
                    product, amount = rng.choice(PRODUCTS)
                    rows.append(
                        {
                            "customer_id": customer_id,
                            "product": product,
                            "amount": Decimal(amount) * multiplier,
                            "purchased_at": now
                            - timedelta(days=rng.randrange(quiet, quiet + back)),
                            "created_at": now,
                        }
                    )
                break
    if rows:
        db.session.execute(insert(Purchase), rows)


def _consent(rng: random.Random, customer_ids: list[int], actor: User, today: date) -> None:
    rows = []
    for customer_id in customer_ids:
        for channel in CHANNELS:
            if rng.random() < 0.6:
                given = today - timedelta(days=rng.randrange(10, 600))
                rows.append(
                    {
                        "customer_id": customer_id,
                        "channel": channel,
                        "granted": rng.random() < 0.75,
                        "source": rng.choice(SOURCES),
                        "given_on": given,
                        "created_by_id": actor.id,
                        "created_at": utcnow(),
                    }
                )
    db.session.execute(insert(ConsentEvent), rows)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _care_dates(rng: random.Random, owner: User, today: date) -> None:
    """A birthday today, one in three days, a warranty and a contract about to end, for
    customers of the demo agent: their care tasks are in that agent's callbacks."""
    owned = db.session.scalars(
        select(Customer.id).where(Customer.owner_id == owner.id).order_by(Customer.id).limit(4)
    ).all()
    kinds = [
        (
            "birthday",
            today.replace(year=today.year - 35)
            if today.month * 100 + today.day != 229
            else date(1988, 2, 29),
        ),
        ("birthday", (today + timedelta(days=3)).replace(year=today.year - 42)),
        ("warranty", today + timedelta(days=rng.randrange(10, 14))),
        ("contract", today + timedelta(days=30)),
    ]
    for customer_id, (kind, on_date) in zip(owned, kinds, strict=False):
        db.session.add(CareDate(customer_id=customer_id, kind=kind, on_date=on_date))
    db.session.flush()


def seed_value(
    *, rng: random.Random, customer_ids: list[int], planner: User, owner: User | None, now: datetime
) -> None:
    """The caller commits."""
    today = department_today(now)
    _histories(rng, customer_ids, now)
    db.session.flush()
    compute(now - timedelta(days=31))
    compute(now)
    _consent(rng, customer_ids, planner, today)
    rules = [
        save_rule(
            actor=planner,
            rule=None,
            name="老客户回购礼",
            segment="churn_risk",
            min_days_since_purchase=120,
            text="回购任意产品立减 200 元",
            code="BACK200",
            valid_days=30,
            control_percent=20,
        ),
        save_rule(
            actor=planner,
            rule=None,
            name="重要价值客户年度礼遇",
            segment="important_value",
            min_days_since_purchase=0,
            text="免费上门保养一次",
            code="VIPCARE",
            valid_days=60,
            control_percent=20,
        ),
    ]
    assign_offers(now - timedelta(days=20))
    offers = db.session.scalars(select(Offer).where(Offer.rule_id.in_([r.id for r in rules]))).all()
    repurchases = []
    for offer in offers:
        rate = 0.12
        if offer.status == OfferStatus.PROPOSED and rng.random() < 0.7:
            offer.status = rng.choice(["made", "accepted", "accepted", "declined"])
            offer.made_at = now - timedelta(days=20)
            offer.actor_id = planner.id
            rate = 0.4 if offer.status == "accepted" else 0.15
        if offer.status != OfferStatus.PROPOSED and rng.random() < rate:
            product, amount = rng.choice(PRODUCTS)
            repurchases.append(
                {
                    "customer_id": offer.customer_id,
                    "product": product,
                    "amount": Decimal(amount),
                    "created_at": now,
                    "purchased_at": now - timedelta(days=rng.randrange(2, 18)),
                }
            )
    if repurchases:
        db.session.execute(insert(Purchase), repurchases)
    compute(now)
    if owner is not None:
        _care_dates(rng, owner, today)
        make_care_tasks(now)

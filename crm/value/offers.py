"""Offer rules (segment + condition → offer), the offers made, and whether they work.

Every customer a rule fits gets a row once: most are proposed to the agent on the customer
page; a fixed share, chosen by a hash of rule and customer (the same every run, in every
process, and nobody can pick who), is held out as the control group and never offered.
A rule's measure compares the repurchase rate of customers who were offered it with that of
its control group, over the offer's validity, with 95% confidence intervals: Wilson's score
interval for each rate and Newcombe's hybrid score interval (his method 10) for the difference.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, exists, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.models import Customer, Purchase
from crm.database import insert_ignoring_duplicates, utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.value.models import CustomerValue, Erasure, Offer, OfferRule, OfferStatus, SegmentRule

Z95 = 1.959964
OUTCOMES = (OfferStatus.MADE, OfferStatus.ACCEPTED, OfferStatus.DECLINED)


def in_control(rule_id: int, customer_id: int, percent: int) -> bool:
    """Whether the customer is held out of the rule's offer: deterministic and uniform."""
    digest = hashlib.sha256(f"offer:{rule_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def save_rule(
    *,
    actor: User,
    rule: OfferRule | None,
    name: str,
    segment: str,
    min_days_since_purchase: int,
    text: str,
    code: str,
    valid_days: int,
    control_percent: int,
    active: bool = True,
) -> OfferRule:
    """Create (``rule`` None) or change an offer rule.

    :raises PermissionDenied: unless the actor manages customers (supervisors).
    :raises DomainError: naming the field at fault.
    """
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors set offer rules."))
    name, text, code = (name or "").strip(), (text or "").strip(), (code or "").strip()
    if not name:
        raise DomainError(_l("Give the rule a name."), field="name")
    if not db.session.scalar(select(SegmentRule.id).where(SegmentRule.code == segment)):
        raise DomainError(_l("Choose a segment from the list."), field="segment")
    if not text:
        raise DomainError(_l("Say what is offered."), field="text")
    if not code:
        raise DomainError(_l("Enter the offer code."), field="code")
    if not 0 <= min_days_since_purchase <= 3650:
        raise DomainError(_l("From 0 to 3650 days."), field="min_days_since_purchase")
    if not 1 <= valid_days <= 366:
        raise DomainError(_l("From 1 to 366 days."), field="valid_days")
    if not 0 <= control_percent <= 50:
        raise DomainError(_l("From 0 to 50 percent."), field="control_percent")
    if rule is None:
        rule = OfferRule(created_by_id=actor.id)
        db.session.add(rule)
    elif rule.control_percent != control_percent and _has_offers(rule):
        # Moving people between the groups after the fact would bias the measure.
        raise DomainError(
            _l("The control share cannot change once offers exist; make a new rule."),
            field="control_percent",
        )
    rule.name, rule.segment, rule.text, rule.code = name[:80], segment, text[:500], code[:40]
    rule.min_days_since_purchase = min_days_since_purchase
    rule.valid_days, rule.control_percent, rule.active = valid_days, control_percent, active
    db.session.flush()
    record(
        action=AuditAction.OFFER_RULE_CHANGED,
        actor=actor,
        object_type="offer_rule",
        object_id=rule.id,
        details={"segment": segment, "code": rule.code, "active": active},
    )
    return rule


def _has_offers(rule: OfferRule) -> bool:
    return bool(db.session.scalar(select(exists().where(Offer.rule_id == rule.id))))


def assign_offers(now: datetime) -> int:
    """The scheduler's job: every customer an active rule now fits gets the rule's offer
    proposed, or a place in its control group; once per rule and customer (UNIQUE)."""
    made = 0
    rules = db.session.scalars(select(OfferRule).where(OfferRule.active.is_(True))).all()
    for rule in rules:
        fits = db.session.scalars(
            select(CustomerValue.customer_id)
            .join(Customer, Customer.id == CustomerValue.customer_id)
            .where(
                CustomerValue.segment == rule.segment,
                CustomerValue.recency_days >= rule.min_days_since_purchase,
                Customer.deleted_at.is_(None),
                ~Customer.id.in_(select(Erasure.customer_id)),
                ~Customer.id.in_(select(Offer.customer_id).where(Offer.rule_id == rule.id)),
            )
        ).all()
        rows = [
            {
                "rule_id": rule.id,
                "customer_id": customer_id,
                "status": (
                    OfferStatus.CONTROL
                    if in_control(rule.id, customer_id, rule.control_percent)
                    else OfferStatus.PROPOSED
                ).value,
                "assigned_at": now,
            }
            for customer_id in fits
        ]
        made += insert_ignoring_duplicates(db.session, Offer, rows)
    return made


def offers_for(customer: Customer) -> list[Offer]:
    """The offers to put to the customer (or already put): active rules, never the control."""
    return list(db.session.scalars(_offers_statement(), {"customer_id": customer.id}))


@cache
def _offers_statement() -> Select:
    """Built once: every customer page runs it."""
    return (
        select(Offer)
        .join(OfferRule, OfferRule.id == Offer.rule_id)
        .where(
            Offer.customer_id == bindparam("customer_id", type_=Integer),
            Offer.status != OfferStatus.CONTROL.value,
            OfferRule.active.is_(True),
        )
        .order_by(Offer.id)
    )


def record_outcome(*, actor: User, offer: Offer, status: str) -> Offer:
    """Record that the offer was made to the customer, or accepted, or declined.

    :raises PermissionDenied: unless the actor edits customers.
    :raises DomainError: for the control group, or an unknown outcome.
    """
    if not actor.can(Permission.CUSTOMERS_EDIT):
        raise PermissionDenied(_l("You may not change this customer."))
    if offer.status == OfferStatus.CONTROL:
        raise DomainError(_l("This customer is in the control group and is not offered it."))
    if status not in {s.value for s in OUTCOMES}:
        raise DomainError(_l("Choose what happened."), field="status")
    now = utcnow()
    offer.made_at = offer.made_at or now
    offer.status = status
    offer.decided_at = now if status != OfferStatus.MADE else None
    offer.actor_id = actor.id
    db.session.flush()
    record(
        action=AuditAction.OFFER_RECORDED,
        actor=actor,
        object_type="customer",
        object_id=offer.customer_id,
        details={"rule": offer.rule_id, "status": status},
    )
    return offer


@dataclass(frozen=True)
class Rate:
    count: int
    repurchased: int

    @property
    def value(self) -> float | None:
        return self.repurchased / self.count if self.count else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.repurchased, self.count)


@dataclass(frozen=True)
class Measure:
    offered: Rate
    control: Rate

    @property
    def difference(self) -> float | None:
        if self.offered.value is None or self.control.value is None:
            return None
        return self.offered.value - self.control.value

    @property
    def interval(self) -> tuple[float, float] | None:
        return newcombe(self.offered, self.control)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for a proportion (sound at small n and near 0 or 1)."""
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(a: Rate, b: Rate) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval for the difference of two independent proportions."""
    if not a.count or not b.count:
        return None
    (l1, u1), (l2, u2) = wilson(a.repurchased, a.count), wilson(b.repurchased, b.count)
    p1, p2 = a.value, b.value
    difference = p1 - p2
    lower = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def measure(rule: OfferRule) -> Measure:
    """Repurchase within the offer's validity: from when it was made (offered group) or from
    when the customer became eligible (control group)."""
    window = timedelta(days=rule.valid_days)

    def rate(statuses: list[str], start: Any) -> Rate:
        # In Python: date arithmetic in SQL differs between SQLite and PostgreSQL.
        starts = dict(
            db.session.execute(
                select(Offer.customer_id, start).where(
                    Offer.rule_id == rule.id, Offer.status.in_(statuses)
                )
            ).all()
        )
        bought: dict[int, list[datetime]] = defaultdict(list)
        for customer_id, at in db.session.execute(
            select(Purchase.customer_id, Purchase.purchased_at).where(
                Purchase.customer_id.in_(
                    select(Offer.customer_id).where(
                        Offer.rule_id == rule.id, Offer.status.in_(statuses)
                    )
                )
            )
        ):
            bought[customer_id].append(at)
        repurchased = sum(
            1
            for customer_id, began in starts.items()
            if any(began < at <= began + window for at in bought[customer_id])
        )
        return Rate(len(starts), repurchased)

    return Measure(
        offered=rate([s.value for s in OUTCOMES], Offer.made_at),
        control=rate([OfferStatus.CONTROL.value], Offer.assigned_at),
    )

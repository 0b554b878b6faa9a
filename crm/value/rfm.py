"""RFM value scores and named segments, recomputed by the scheduler once a day.

Scores run from 1 to 5 against editable thresholds (not quintiles: a customer's score then
does not change because others bought more, and a person can check it by hand):

- R: days since the last purchase; 5 within the first threshold, 1 past the last one;
- F: purchases within the window; 1 below the first threshold, +1 for each one reached;
- M: yuan spent within the window, scored as F.

The segment is the first rule (by position) whose three ranges hold the scores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from crm.customers.models import Customer, Purchase
from crm.database import insert_ignoring_duplicates
from crm.extensions import db
from crm.timezones import department_today
from crm.value.models import CustomerValue, SegmentMonth, SegmentRule, ValueRun, ValueSetting

DEFAULT_THRESHOLDS: dict[str, list[int]] = {
    "recency_days": [30, 90, 180, 365],
    "frequency": [2, 3, 5, 8],
    "monetary": [1000, 5000, 20000, 50000],
}
#: purchases older than this many days count for recency only
DEFAULT_WINDOW_DAYS = 730
#: the segment of a customer who never bought anything (no row in customer_values)
NO_PURCHASES = "none"


@dataclass(frozen=True)
class Thresholds:
    recency_days: tuple[int, ...]
    frequency: tuple[int, ...]
    monetary: tuple[int, ...]
    window_days: int

    def as_json(self) -> dict[str, Any]:
        return {
            "recency_days": list(self.recency_days),
            "frequency": list(self.frequency),
            "monetary": list(self.monetary),
            "window_days": self.window_days,
        }


def thresholds() -> Thresholds:
    stored = db.session.get(ValueSetting, "rfm")
    value = stored.value if stored is not None else {}
    return Thresholds(
        recency_days=tuple(value.get("recency_days", DEFAULT_THRESHOLDS["recency_days"])),
        frequency=tuple(value.get("frequency", DEFAULT_THRESHOLDS["frequency"])),
        monetary=tuple(value.get("monetary", DEFAULT_THRESHOLDS["monetary"])),
        window_days=int(value.get("window_days", DEFAULT_WINDOW_DAYS)),
    )


def r_score(days: int, limits: tuple[int, ...]) -> int:
    return 5 - sum(1 for limit in limits if days > limit)


def up_score(amount: float | int | Decimal, limits: tuple[int, ...]) -> int:
    return 1 + sum(1 for limit in limits if amount >= limit)


def segment_rules() -> list[SegmentRule]:
    return list(db.session.scalars(select(SegmentRule).order_by(SegmentRule.position)))


def segment_of(r: int, f: int, m: int, rules: list[SegmentRule]) -> str:
    for rule in rules:
        if (
            rule.r_min <= r <= rule.r_max
            and rule.f_min <= f <= rule.f_max
            and (rule.m_min <= m <= rule.m_max)
        ):
            return rule.code
    return NO_PURCHASES


def month_of(day: date) -> date:
    return day.replace(day=1)


def compute(now: datetime) -> int:
    """Score every live customer with purchases, replace the stored values and this month's
    segments. Returns how many customers were scored."""
    limits = thresholds()
    rules = segment_rules()
    since = now - timedelta(days=limits.window_days)
    live = select(Customer.id).where(Customer.deleted_at.is_(None))
    last = dict(
        db.session.execute(
            select(Purchase.customer_id, func.max(Purchase.purchased_at))
            .where(Purchase.customer_id.in_(live), Purchase.purchased_at <= now)
            .group_by(Purchase.customer_id)
        ).all()
    )
    windowed = {
        customer_id: (count, total)
        for customer_id, count, total in db.session.execute(
            select(Purchase.customer_id, func.count(), func.sum(Purchase.amount))
            .where(
                Purchase.customer_id.in_(live),
                Purchase.purchased_at > since,
                Purchase.purchased_at <= now,
            )
            .group_by(Purchase.customer_id)
        )
    }
    rows = []
    for customer_id, at in last.items():
        count, total = windowed.get(customer_id, (0, Decimal(0)))
        total = Decimal(total or 0).quantize(Decimal("0.01"))
        days = (now - at).days
        r, f, m = (
            r_score(days, limits.recency_days),
            up_score(count, limits.frequency),
            up_score(total, limits.monetary),
        )
        rows.append(
            {
                "customer_id": customer_id,
                "recency_days": days,
                "frequency": count,
                "monetary": total,
                "r_score": r,
                "f_score": f,
                "m_score": m,
                "segment": segment_of(r, f, m, rules),
                "computed_at": now,
            }
        )
    month = month_of(department_today(now))
    db.session.execute(delete(CustomerValue))
    db.session.execute(delete(SegmentMonth).where(SegmentMonth.month == month))
    if rows:
        db.session.execute(CustomerValue.__table__.insert(), rows)
        db.session.execute(
            SegmentMonth.__table__.insert(),
            [
                {"customer_id": r["customer_id"], "month": month, "segment": r["segment"]}
                for r in rows
            ],
        )
    return len(rows)


def _settings_key() -> str:
    rules = [
        (r.code, r.position, r.r_min, r.r_max, r.f_min, r.f_max, r.m_min, r.m_max)
        for r in segment_rules()
    ]
    blob = json.dumps([thresholds().as_json(), rules], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def nightly_segments(now: datetime) -> int:
    """The scheduler's job: once per department day (and again the same day after the
    thresholds or rules change), recompute every customer's scores. A run is claimed by a
    unique key first, so two schedulers never both compute it."""
    key = f"rfm:{department_today(now).isoformat()}:{_settings_key()}"
    if not insert_ignoring_duplicates(db.session, ValueRun, [{"key": key, "at": now}]):
        return 0
    return compute(now)

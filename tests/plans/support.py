"""A small demo department for the plans tests, and KPIs computed from the raw rows by hand
(not by crm.reports): what the acceptance tests compare the app's figures with."""

from __future__ import annotations

import random
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.cases.models import Case
from crm.database import utcnow
from crm.demo.seed import Sizes, seed_all
from crm.extensions import db
from crm.surveys.models import Survey

SHANGHAI = ZoneInfo("Asia/Shanghai")
SMALL = Sizes(customers=40, interactions=120, cases=160, callbacks=30, reviews=30)


def seed_small_demo() -> None:
    seed_all(SMALL, rng=random.Random(7), now=utcnow())  # noqa: S311
    db.session.commit()


def _in(moment, start: date, end: date) -> bool:
    return moment is not None and start <= moment.astimezone(SHANGHAI).date() < end


def raw_kpi(key: str, start: date, end: date) -> float | None:
    """The KPI over local days [start, end), in display units, straight from the rows."""
    cases = db.session.scalars(select(Case)).all()
    surveys = db.session.scalars(select(Survey)).all()
    if key == "satisfaction":
        answered = [s for s in surveys if _in(s.answered_at, start, end)]
        happy = [s for s in answered if s.attitude + s.efficiency + s.resolution >= 12]
        return 100 * len(happy) / len(answered) if answered else None
    if key == "survey_return":
        sent = [s for s in surveys if _in(s.sent_at, start, end)]
        return 100 * sum(s.answered_at is not None for s in sent) / len(sent) if sent else None
    opened = [c for c in cases if _in(c.opened_at, start, end)]
    if key == "resolution_rate":
        done = [c for c in opened if c.status in ("resolved", "closed")]
        return 100 * len(done) / len(opened) if opened else None
    if key == "first_response_minutes":
        waits = [
            (c.first_response_at - c.opened_at).total_seconds() / 60
            for c in opened
            if c.first_response_at is not None
        ]
        return sum(waits) / len(waits) if waits else None
    if key == "sla_compliance":
        decided = [
            c
            for c in opened
            if c.status in ("resolved", "closed") or c.response_breached or c.resolution_breached
        ]
        kept = [
            c
            for c in decided
            if c.status in ("resolved", "closed")
            and not (c.response_breached or c.resolution_breached)
        ]
        return 100 * len(kept) / len(decided) if decided else None
    raise KeyError(key)


RAW_KEYS = (
    "satisfaction",
    "resolution_rate",
    "sla_compliance",
    "survey_return",
    "first_response_minutes",
)

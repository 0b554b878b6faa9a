"""Demo cases over the last year with their surveys, inserted in bulk (like the demo customers):
enough history for the dashboard's twelve-month trends at any size. The department gets
better month by month (faster answers, fewer breaches, happier customers), so the trends show
the PDCA story the targets ask for."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from crm.auth.models import User
from crm.cases.models import CASE_CATEGORIES, Case, CaseStatus, Department, Priority
from crm.demo.customers import _batches
from crm.extensions import db
from crm.surveys.models import Survey

SUBJECTS = ["无法开机", "退货申请", "发票问题", "物流延迟", "价格咨询", "安装预约", "账号无法登录"]
YEAR = timedelta(days=365)
#: first response minutes, quickest first; older cases draw from all, recent ones from fewer
RESPONSES = [3, 5, 8, 12, 20, 45, 90]
HANDLING_HOURS = [2, 6, 20, 30, 50, 80]


def _progress(moment: datetime, now: datetime) -> float:
    """0 a year ago, 1 now: how far the department has come."""
    return max(0.0, 1 - (now - moment) / YEAR)


def seed_cases(
    count: int, *, rng: random.Random, customer_ids: list[int], agents: list[User], now: datetime
) -> int:
    """Insert ``count`` cases opened over the last year (most resolved, some breached) and a
    survey for most resolved ones; returns how many cases."""
    if not customer_ids or not agents:
        return 0
    for size in _batches(count):
        rows = []
        for _n in range(size):
            opened = now - timedelta(minutes=rng.randrange(48 * 60, 365 * 24 * 60))
            progress = _progress(opened, now)
            category = rng.choice(CASE_CATEGORIES).value
            response = timedelta(minutes=rng.choice(RESPONSES[: 7 - round(3 * progress)]))
            handling = timedelta(hours=rng.choice(HANDLING_HOURS[: 6 - round(progress)]))
            # The open ones are the present's (crm/demo/today.py), not forgotten old ones.
            done = opened + handling < now
            rows.append(
                {
                    "customer_id": rng.choice(customer_ids),
                    "subject": rng.choice(SUBJECTS),
                    "category": category,
                    "priority": rng.choice([p.value for p in Priority]),
                    "department": Department.SERVICE.value,
                    "status": (CaseStatus.CLOSED if done else CaseStatus.IN_PROGRESS).value,
                    "assignee_id": rng.choice(agents).id,
                    "opened_at": opened,
                    "opened_by_id": rng.choice(agents).id,
                    "first_response_minutes": 30,
                    "resolution_minutes": 48 * 60,
                    "business_hours": False,
                    "first_response_due_at": opened + timedelta(minutes=30),
                    "resolution_due_at": opened + timedelta(hours=48),
                    "first_response_at": opened + response,
                    "resolved_at": opened + handling if done else None,
                    "closed_at": opened + handling if done else None,
                    "response_breached": response > timedelta(minutes=30),
                    "resolution_breached": handling > timedelta(hours=48),
                    "reopen_count": 0,
                }
            )
        db.session.execute(insert(Case), rows)
    _seed_surveys(rng, now)
    return count


def _seed_surveys(rng: random.Random, now: datetime) -> None:
    resolved = db.session.execute(
        select(Case.id, Case.customer_id, Case.resolved_at).where(
            Case.resolved_at.is_not(None),
            ~select(Survey.id).where(Survey.case_id == Case.id).exists(),
        )
    ).all()
    rows = []
    for case_id, customer_id, resolved_at in resolved:
        if rng.random() > 0.7:
            continue
        sent = resolved_at + timedelta(hours=1)
        answered = rng.random() < 0.8 and sent + timedelta(days=1) < now
        # Mostly content customers, a few unhappy ones, fewer as the months go by.
        happier = round(15 * _progress(resolved_at, now))
        weights = [50 + happier, 30, 10, 6 - happier // 4, 4 - happier // 4]
        ratings = [rng.choices([5, 4, 3, 2, 1], weights=weights)[0] for _r in range(3)]
        rows.append(
            {
                "case_id": case_id,
                "customer_id": customer_id,
                "sent_at": sent,
                "expires_at": sent + timedelta(days=7),
                "answered_at": sent + timedelta(hours=rng.randrange(1, 24)) if answered else None,
                "channel": "phone",
                "attitude": ratings[0] if answered else None,
                "efficiency": ratings[1] if answered else None,
                "resolution": ratings[2] if answered else None,
            }
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Survey), rows[start : start + 5000])

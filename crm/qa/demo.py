"""Demo QA history: last month's sample drawn and scored the way reviewers would."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from crm.auth.models import User
from crm.extensions import db
from crm.qa.models import Review, Scorecard
from crm.qa.sampling import draw_sample
from crm.qa.scoring import fails, value_range
from crm.qa.services import save_scores
from crm.timezones import department_today

FAULT_NOTES = ["未使用规范问候语", "打断客户陈述", "解释不够清楚", "未确认客户需求", "信息有误"]
#: months back the demo draws samples from, at most
MONTHS = 12


def seed_quality(*, rng: random.Random, reviewer: User, now: datetime, count: int) -> int:
    """Draw monthly samples with the default scorecard, last month first and further back
    until ``count`` reviews are drawn (or a year), and submit ``count`` of them as reviewers
    would; the rest wait in the reviewers' queue. Returns how many were scored."""
    scorecard = db.session.scalar(select(Scorecard).order_by(Scorecard.id))
    month_end = department_today(now).replace(day=1)
    for _month in range(MONTHS):
        day = month_end - timedelta(days=1)
        draw_sample(actor=reviewer, day=day, scorecard=scorecard, now=now, seed=rng.getrandbits(32))
        month_end = day.replace(day=1)
        drawn = db.session.scalar(
            select(func.count()).select_from(Review).where(Review.reviewer_id.is_not(None))
        )
        if drawn >= count:
            break
    reviews = list(
        db.session.scalars(
            select(Review).where(Review.reviewer_id.is_not(None)).order_by(Review.id).limit(count)
        )
    )
    for review in reviews:
        values, comments = {}, {}
        for criterion in review.scorecard_version.criteria:
            scale = value_range(criterion)
            # Mostly good service, sometimes a fault; forbidden phrases are rare.
            good = rng.random() < (0.98 if criterion.critical else 0.85)
            value = scale[-1] if good else rng.choice(list(scale))
            values[criterion.id] = value
            if fails(criterion, value):
                comments[criterion.id] = rng.choice(FAULT_NOTES)
        save_scores(
            actor=review.reviewer,
            review=review,
            values=values,
            comments=comments,
            submit=True,
            now=now,
        )
    return len(reviews)

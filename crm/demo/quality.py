"""Demo QA history and present: a year of monthly samples scored the way reviewers would, the
training rules that turn faults into training, last month's reviews waiting for the agents
(one disputed), this month's sample in the reviewer's queue and a calibration session."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from crm.auth.models import User
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.notifications.models import Notification
from crm.qa.calibration import create_session as create_calibration
from crm.qa.disputes import open_dispute
from crm.qa.models import Review, ReviewStatus, SampleDraw, Scorecard
from crm.qa.rules import add_rule
from crm.qa.sampling import draw_sample
from crm.qa.scoring import fails, value_range
from crm.qa.services import save_scores
from crm.timezones import department_bounds_utc, department_today
from crm.training.models import TrainingTopic

FAULT_NOTES = ["未使用规范问候语", "打断客户陈述", "解释不够清楚", "未确认客户需求", "信息有误"]
#: months back the demo draws samples from, at most
MONTHS = 12
#: of last month's sample, this many wait for the reviewer still
HELD_BACK = 6
#: criterion code -> (threshold %, training topic): the faults that send an agent to training
RULES = {
    "patience": (60, "服务意识"),
    "accuracy": (60, "专业技能"),
    "forbidden_words": (100, "投诉处理技巧"),
}


def _add_rules(reviewer: User) -> None:
    topics = dict(db.session.execute(select(TrainingTopic.name, TrainingTopic.id)).all())
    for code, (below, topic) in RULES.items():
        if topic in topics:
            add_rule(
                actor=reviewer,
                criterion_code=code,
                below_percent=Decimal(below),
                topic_id=topics[topic],
            )


def _score(rng: random.Random, review: Review, reviewer: User, now: datetime) -> None:
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
        actor=reviewer, review=review, values=values, comments=comments, submit=True, now=now
    )


def seed_quality(*, rng: random.Random, reviewer: User, now: datetime, count: int) -> int:
    """Draw monthly samples with the default scorecard, last month first and further back
    until ``count`` reviews and a few are drawn (or a year); score up to ``count`` of them,
    oldest first, a few days after their month, keeping the last few of last month's for the
    reviewer. The agents have acknowledged all but last month's. Returns how many scored."""
    _add_rules(reviewer)
    scorecard = db.session.scalar(select(Scorecard).order_by(Scorecard.id))
    today = department_today(now)
    month_end = today.replace(day=1)
    for _month in range(MONTHS):
        day = month_end - timedelta(days=1)
        draw_sample(actor=reviewer, day=day, scorecard=scorecard, now=now, seed=rng.getrandbits(32))
        month_end = day.replace(day=1)
        drawn = db.session.scalar(
            select(func.count()).select_from(Review).where(Review.reviewer_id.is_not(None))
        )
        if drawn >= count + HELD_BACK:
            break
    past = db.session.execute(
        select(Review, SampleDraw.period_end)
        .join(SampleDraw, SampleDraw.id == Review.draw_id)
        .where(Review.reviewer_id.is_not(None))
        .order_by(SampleDraw.period_start, Review.id)
    ).all()
    chosen = past[: max(0, min(count, len(past) - HELD_BACK))]
    month_start = department_bounds_utc(today.replace(day=1), today)[0]
    for review, end_day in chosen:
        period_end = department_bounds_utc(end_day, today)[0]
        if period_end >= month_start:
            # Last month's: scored over the last days, so the agents may still dispute them.
            lag = (now - period_end).total_seconds()
            submitted = now - timedelta(seconds=rng.uniform(min(3600, lag / 2), max(lag, 3600)))
            submitted = min(max(submitted, period_end), now)
            _score(rng, review, reviewer, submitted)
        else:
            submitted = period_end + timedelta(hours=rng.uniform(2, 72))
            _score(rng, review, reviewer, submitted)
            # Read and accepted by the agent long ago (only last month's still wait).
            review.status = ReviewStatus.ACKNOWLEDGED.value
            review.acknowledged_at = submitted + timedelta(days=1)
    scored = [review for review, _end in chosen]
    _read_old_news(now)
    _dispute_one(scored, now)
    # This month's sample: the reviewer's queue, due by the month's end.
    draw_sample(actor=reviewer, day=today, scorecard=scorecard, now=now, seed=rng.getrandbits(32))
    _calibrate(reviewer, scorecard, now)
    return len(scored)


def _read_old_news(now: datetime) -> None:
    """The agents read (and were e-mailed) the news of the reviews they acknowledged long ago;
    only last month's stay unread."""
    acknowledged = select(Review.id).where(Review.status == ReviewStatus.ACKNOWLEDGED.value)
    db.session.flush()
    db.session.execute(
        update(Notification)
        .where(Notification.subject_type == "qa_review", Notification.subject_id.in_(acknowledged))
        .values(read_at=now, emailed_at=now)
        .execution_options(synchronize_session=False)
    )


def _dispute_one(scored: list[Review], now: datetime) -> None:
    """The agent of the lowest-scored review still open to an answer disputes it."""
    waiting = [review for review in scored if review.status == ReviewStatus.SUBMITTED]
    if not waiting:
        return
    review = min(waiting, key=lambda r: (r.final_score or 0, -r.id))
    criterion = review.scorecard_version.criteria[0]
    open_dispute(
        actor=review.agent,
        review=review,
        items={criterion.id: "客户当时情绪激动，我已按流程先安抚再核实，请复核录音。"},
        now=now,
    )


def _calibrate(reviewer: User, scorecard: Scorecard, now: datetime) -> None:
    """A calibration session on a recent interaction, for the reviewer and the administrator
    (the only other account allowed to score)."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        return
    interaction = db.session.scalar(
        select(Interaction)
        .where(
            Interaction.agent_id.not_in([reviewer.id, admin.id]),
            Interaction.deleted_at.is_(None),
            Interaction.occurred_at < now,
        )
        .order_by(Interaction.occurred_at.desc())
        .limit(1)
    )
    if interaction is None:
        return
    create_calibration(
        actor=reviewer,
        title="本月校准：投诉来电评分尺度",
        interaction=interaction,
        scorecard=scorecard,
        reviewers=[reviewer, admin],
        now=now,
    )

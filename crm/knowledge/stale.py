"""Articles past their review-by date: the owner's list, and the scheduler job that tells the
owner once per article and review-by date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.knowledge.models import Article
from crm.notifications.services import notify
from crm.timezones import department_today

#: the notice kind (crm.notifications.kinds names it on the settings page)
STALE_KIND = "knowledge.stale"


def stale_articles(owner: User, today: date) -> list[Article]:
    """The owner's articles whose review-by day has passed, the longest overdue first."""
    return list(
        db.session.scalars(
            select(Article)
            .where(Article.owner_id == owner.id, Article.review_by < today)
            .order_by(Article.review_by, Article.id)
        )
    )


def notify_stale_articles(now: datetime) -> int:
    """Tell each owner about every article past its review-by day. The review-by day is the
    notice's period, so a repeated run adds nothing while a new review-by day, once it has
    passed too, notifies again."""
    today = department_today(now)
    rows = db.session.execute(
        select(Article.id, Article.owner_id, Article.title, Article.review_by).where(
            Article.review_by < today
        )
    ).all()
    return notify(
        {
            "user_id": owner_id,
            "kind": STALE_KIND,
            "subject_type": "article",
            "subject_id": article_id,
            "period": review_by.isoformat(),
            "payload": {"title": title, "date": review_by.isoformat()},
        }
        for article_id, owner_id, title, review_by in rows
    )

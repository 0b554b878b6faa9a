"""What the knowledge base is worth, per article, and what to write or fix next (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select

from crm.cases.models import Case, CaseStatus
from crm.extensions import db
from crm.knowledge.models import Article, ArticleStatus, ArticleUse


@dataclass(frozen=True)
class ArticleFigures:
    article: Article
    uses: int
    #: cases the article was used on that are now resolved or closed
    resolved_cases: int
    helpful_yes: int
    helpful_no: int


def article_figures(limit: int = 100) -> list[ArticleFigures]:
    """Published articles, the most used first, with their helpful votes and resolved cases."""
    resolved = (
        select(ArticleUse.article_id, func.count(distinct(ArticleUse.case_id)).label("n"))
        .join(Case, Case.id == ArticleUse.case_id)
        .where(Case.status.in_([CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value]))
        .group_by(ArticleUse.article_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Article, func.coalesce(resolved.c.n, 0))
        .outerjoin(resolved, resolved.c.article_id == Article.id)
        .where(Article.status == ArticleStatus.PUBLISHED.value)
        .order_by(Article.use_count.desc(), Article.id.desc())
        .limit(limit)
    ).all()
    return [ArticleFigures(a, a.use_count, n, a.helpful_yes, a.helpful_no) for a, n in rows]


def to_fix(today: date, limit: int = 50) -> list[Article]:
    """Articles past their review-by date, and published ones more readers found unhelpful
    than helpful: the owner's list of articles to fix, the most overdue first."""
    return list(
        db.session.scalars(
            select(Article)
            .where(
                (Article.review_by < today)
                | (
                    (Article.status == ArticleStatus.PUBLISHED.value)
                    & (Article.helpful_no > Article.helpful_yes)
                )
            )
            .order_by(Article.review_by.is_(None), Article.review_by, Article.id)
            .limit(limit)
        )
    )

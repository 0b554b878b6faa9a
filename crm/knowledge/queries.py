"""Read-only lists of the knowledge base."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.extensions import db
from crm.knowledge.models import Article, ArticleStatus, Audience, SearchGap


def latest_articles(
    *,
    include_drafts: bool,
    public: bool = False,
    category: str | None = None,
    subcategory_id: int | None = None,
    limit: int = 50,
) -> list[Article]:
    """Articles newest first: published ones (public only for the help centre), and every
    draft and pending one first for editors."""
    statement = select(Article)
    if not include_drafts:
        statement = statement.where(Article.status == ArticleStatus.PUBLISHED.value)
    if public:
        statement = statement.where(Article.audience == Audience.PUBLIC.value)
    if category:
        statement = statement.where(Article.category == category)
    if subcategory_id is not None:
        statement = statement.where(Article.subcategory_id == subcategory_id)
    waiting = (Article.status == ArticleStatus.PUBLISHED.value).asc() if include_drafts else None
    order = [waiting] if waiting is not None else []
    return list(
        db.session.scalars(statement.order_by(*order, Article.updated_at.desc()).limit(limit))
    )


def title_matches(query: str, limit: int = 50) -> list[Article]:
    """Editors' find-by-title over every article, drafts included."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        db.session.scalars(
            select(Article)
            .where(func.lower(Article.title).like(pattern.lower(), escape="\\"))
            .order_by(Article.updated_at.desc())
            .limit(limit)
        )
    )


def gaps(limit: int = 20) -> list[tuple[str, int]]:
    """The queries that most often found nothing: articles to write."""
    count = func.count(SearchGap.id)
    return [
        (query, n)
        for query, n in db.session.execute(
            select(SearchGap.query, count)
            .group_by(SearchGap.query)
            .order_by(count.desc(), SearchGap.query)
            .limit(limit)
        )
    ]

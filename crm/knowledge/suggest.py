"""Articles an agent may need on a case: its category's, those whose title shares words with
the subject first, then the most used."""

from __future__ import annotations

import re

from sqlalchemy import select

from crm.cases.models import Case
from crm.extensions import db
from crm.knowledge.models import Article, ArticleKind, ArticleStatus

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
#: published articles of the category read before ranking by the subject
CANDIDATES = 200


def pairs(text: str) -> set[str]:
    """Every two-character run of Chinese characters in ``text``."""
    return {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


def suggestions(case: Case, limit: int = 5) -> list[Article]:
    """Published articles (internal or public) for ``case``: those of its category whose title
    shares the most two-character words with the subject, then by use."""
    candidates = list(
        db.session.scalars(
            select(Article)
            .where(
                Article.status == ArticleStatus.PUBLISHED.value,
                Article.category == case.category,
                Article.kind == ArticleKind.ARTICLE.value,
            )
            .order_by(Article.use_count.desc(), Article.id.desc())
            .limit(CANDIDATES)
        )
    )
    subject = pairs(f"{case.subject} {case.description or ''}")

    def shared(article: Article) -> int:
        return len(pairs(article.title) & subject)

    # sorted() is stable: equal scores keep the by-use order of the query.
    return sorted(candidates, key=shared, reverse=True)[:limit]


def script_for(category: str) -> Article | None:
    """The call script (话术) of ``category``, the most used if there are several."""
    return db.session.scalar(
        select(Article)
        .where(
            Article.status == ArticleStatus.PUBLISHED.value,
            Article.category == category,
            Article.kind == ArticleKind.SCRIPT.value,
        )
        .order_by(Article.use_count.desc(), Article.id.desc())
        .limit(1)
    )

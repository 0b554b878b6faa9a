"""An article's history: its versions, and what changed from one to another."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select

from crm.extensions import db
from crm.knowledge.models import (
    Article,
    ArticleVersion,
)


def version_of(article: Article, number: int) -> ArticleVersion | None:
    return db.session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id, ArticleVersion.number == number
        )
    )


def versions(article: Article) -> list[ArticleVersion]:
    return list(
        db.session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article.id)
            .order_by(ArticleVersion.number.desc())
        )
    )


@dataclass(frozen=True)
class DiffLine:
    #: "+" added, "-" removed, " " unchanged, "@" a hunk's heading
    kind: str
    text: str


def diff(old: ArticleVersion, new: ArticleVersion) -> list[DiffLine]:
    """The lines that changed from ``old`` to ``new`` (title first), with two lines of context.
    Plain text: the template escapes it."""
    before = [f"# {old.title}", "", *old.body.splitlines()]
    after = [f"# {new.title}", "", *new.body.splitlines()]
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = "@" if line.startswith("@@") else line[:1]
        lines.append(DiffLine(kind, line if kind == "@" else line[1:]))
    return lines

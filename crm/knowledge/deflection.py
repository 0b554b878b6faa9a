"""The public contact form's suggestions, and what they saved: a contact counts as deflected
only when a visitor opened a suggested article and said it solved the problem. Visitors who
read a suggestion and simply leave are not counted (they cannot be told from those who give
up), so the figure is a floor, not an estimate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from crm.cases.models import Case, CaseOrigin
from crm.extensions import db
from crm.knowledge.models import (
    KB_CATEGORIES,
    Article,
    ArticleKind,
    ArticleStatus,
    Audience,
    ContactEvent,
    ContactSuggestionEvent,
)
from crm.knowledge.suggest import pairs

#: public articles read before ranking by the visitor's words
CANDIDATES = 300


def for_contact(text: str, category: str | None, limit: int = 3) -> list[Article]:
    """Published public articles whose title shares two-character words (or a whole word of
    Latin letters) with what the visitor typed; the category's first. Never an internal one."""
    words = pairs(text) | {w for w in text.lower().split() if len(w) > 2 and w.isascii()}
    if not words:
        return []
    candidates = db.session.scalars(
        select(Article)
        .where(
            Article.status == ArticleStatus.PUBLISHED.value,
            Article.audience == Audience.PUBLIC.value,
            Article.kind == ArticleKind.ARTICLE.value,
        )
        .order_by(Article.use_count.desc(), Article.id.desc())
        .limit(CANDIDATES)
    )
    wanted = category if category in KB_CATEGORIES else None
    scored = []
    for article in candidates:
        title = article.title.lower()
        shared = len(pairs(article.title) & words) + sum(
            1 for w in words if w.isascii() and w in title
        )
        if shared:
            scored.append((shared, article.category == wanted, article))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [article for *_score, article in scored[:limit]]


def record_event(article: Article, event: ContactEvent) -> None:
    db.session.add(ContactSuggestionEvent(article_id=article.id, event=event.value))
    db.session.flush()


def record_view(article: Article) -> None:
    """One reading of ``article`` (by staff or in /help), counted without reading the row."""
    db.session.execute(
        update(Article).where(Article.id == article.id).values(view_count=Article.view_count + 1)
    )


@dataclass(frozen=True)
class Deflection:
    #: suggested articles opened from the contact form
    opened: int
    #: ... after which the visitor said the problem was solved
    solved: int
    #: contact forms sent (cases that came in through the web form)
    submitted: int

    @property
    def share(self) -> float | None:
        """Deflected contacts among all that reached a decision: solved / (solved + sent)."""
        total = self.solved + self.submitted
        return self.solved / total if total else None


def deflection_since(start: datetime) -> Deflection:
    counts = dict(
        db.session.execute(
            select(ContactSuggestionEvent.event, func.count())
            .where(ContactSuggestionEvent.at >= start)
            .group_by(ContactSuggestionEvent.event)
        ).all()
    )
    submitted = db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.origin == CaseOrigin.WEB.value, Case.opened_at >= start)
    )
    return Deflection(
        opened=counts.get(ContactEvent.OPENED.value, 0),
        solved=counts.get(ContactEvent.SOLVED.value, 0),
        submitted=submitted or 0,
    )

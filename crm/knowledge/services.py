"""The rules of the knowledge base: saving (every save a version), approval, restore, and what
readers do (views, helpful votes, uses in replies). Each takes its actor and flushes; the
caller commits. Reading the versions: ``history.py``; filling placeholders:
``placeholders.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, update

from crm.audit.services import AuditAction, changed_fields, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.knowledge.history import version_of
from crm.knowledge.models import (
    KB_CATEGORIES,
    Article,
    ArticleKind,
    ArticleStatus,
    ArticleUse,
    ArticleVersion,
    Audience,
    Subcategory,
    Synonym,
)
from crm.knowledge.search import search_fields

TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = 10


@dataclass(frozen=True)
class ArticleText:
    """What an editor types: the fields a version keeps."""

    title: str
    body: str
    category: str
    audience: str
    tags: tuple[str, ...] = ()
    kind: str = ArticleKind.ARTICLE.value


def _checked(text: ArticleText) -> ArticleText:
    title = " ".join((text.title or "").split())
    body = (text.body or "").replace("\r\n", "\n").strip("\n")
    if not title:
        raise DomainError(_l("Give the article a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("The title is too long."), field="title")
    if not body.strip():
        raise DomainError(_l("Write the article's text."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(_l("The text is too long."), field="body")
    if text.category not in KB_CATEGORIES:
        raise DomainError(_l("Choose a category."), field="category")
    if text.audience not in {a.value for a in Audience}:
        raise DomainError(_l("Choose who may read the article."), field="audience")
    if text.kind not in {k.value for k in ArticleKind}:
        raise DomainError(_l("Choose a kind."), field="kind")
    if text.kind == ArticleKind.SCRIPT and text.audience != Audience.INTERNAL:
        raise DomainError(_l("Call scripts are for staff only."), field="audience")
    tags = tuple(dict.fromkeys(t.strip()[:30] for t in text.tags if t.strip()))[:TAGS_MAX]
    return ArticleText(title, body, text.category, text.audience, tags, text.kind)


def _require(actor: User, permission: Permission) -> None:
    if not actor.can(permission):
        raise PermissionDenied(_l("You may not change the knowledge base."))


def _snapshot(article: Article) -> dict[str, object]:
    return {
        "title": article.title,
        "category": article.category,
        "audience": article.audience,
        "tags": list(article.tags or []),
        "review_by": article.review_by,
        "subcategory": article.subcategory.name if article.subcategory else "",
        "article_status": article.status,
    }


def save_article(
    *,
    actor: User,
    article: Article | None,
    text: ArticleText,
    review_by: date | None = None,
    subcategory: Subcategory | None = None,
    note: str = "",
) -> Article:
    """Create an article (``article`` None) or change one; either way a new version keeps the
    text whole. A published article changed by someone who may not approve goes back to
    waiting for approval, so readers never see unapproved text.

    :raises DomainError: for a missing title, text, category or audience, or a subcategory
        of another category.
    """
    _require(actor, Permission.KNOWLEDGE_EDIT)
    text = _checked(text)
    if subcategory is not None and subcategory.category != text.category:
        raise DomainError(
            _l("Choose a subcategory of the article's category."), field="subcategory"
        )
    if article is None:
        article = Article(owner_id=actor.id, version=0, status=ArticleStatus.DRAFT.value)
        db.session.add(article)
        before: dict[str, object] = {}
    else:
        before = _snapshot(article)
    article.title, article.body = text.title, text.body
    article.category, article.audience, article.tags = text.category, text.audience, list(text.tags)
    article.kind = text.kind
    article.review_by = review_by
    article.subcategory = subcategory
    for column, value in search_fields(text.title, text.body).items():
        setattr(article, column, value)
    if article.status == ArticleStatus.PUBLISHED.value and not actor.can(
        Permission.KNOWLEDGE_APPROVE
    ):
        article.status = ArticleStatus.PENDING.value
    article.version += 1
    db.session.flush()
    db.session.add(
        ArticleVersion(
            article_id=article.id,
            number=article.version,
            title=text.title,
            body=text.body,
            category=text.category,
            audience=text.audience,
            tags=list(text.tags),
            note=note[:200],
            created_by_id=actor.id,
        )
    )
    details = changed_fields(before, _snapshot(article))
    details["version"] = [article.version - 1 or None, article.version]
    record(
        action=AuditAction.ARTICLE_SAVED,
        actor=actor,
        object_type="article",
        object_id=article.id,
        details=details,
    )
    db.session.flush()
    return article


def submit_for_approval(*, actor: User, article: Article) -> None:
    """Ask a supervisor to publish a draft."""
    _require(actor, Permission.KNOWLEDGE_EDIT)
    if article.status != ArticleStatus.DRAFT.value:
        raise DomainError(_l("Only a draft can be sent for approval."))
    article.status = ArticleStatus.PENDING.value
    record(
        action=AuditAction.ARTICLE_SUBMITTED,
        actor=actor,
        object_type="article",
        object_id=article.id,
        details={"version": article.version},
    )


def publish(*, actor: User, article: Article) -> None:
    """Approve the article's newest version: from now on readers see it.

    :raises PermissionDenied: unless the actor may approve articles.
    """
    if not actor.can(Permission.KNOWLEDGE_APPROVE):
        raise PermissionDenied(_l("Only supervisors publish articles."))
    if article.status == ArticleStatus.PUBLISHED.value:
        raise DomainError(_l("The article is already published."))
    article.status = ArticleStatus.PUBLISHED.value
    article.approved_by_id = actor.id
    article.published_at = utcnow()
    record(
        action=AuditAction.ARTICLE_PUBLISHED,
        actor=actor,
        object_type="article",
        object_id=article.id,
        details={"version": article.version},
    )
    db.session.flush()


def restore_version(*, actor: User, article: Article, number: int) -> Article:
    """Make version ``number``'s text the newest again (as a new version: nothing is lost)."""
    old = version_of(article, number)
    if old is None:
        raise DomainError(_l("There is no such version."))
    restored = ArticleText(
        old.title, old.body, old.category, old.audience, tuple(old.tags), article.kind
    )
    save_article(
        actor=actor,
        article=article,
        text=restored,
        review_by=article.review_by,
        # The subcategory is not versioned: kept while it still fits the restored category.
        subcategory=article.subcategory
        if article.subcategory and article.subcategory.category == old.category
        else None,
        note=f"← v{number}",
    )
    record(
        action=AuditAction.ARTICLE_RESTORED,
        actor=actor,
        object_type="article",
        object_id=article.id,
        details={"restored": number, "version": article.version},
    )
    return article


def vote(article: Article, *, helpful: bool) -> None:
    """Count a "was this helpful?" answer from the help centre."""
    column = Article.helpful_yes if helpful else Article.helpful_no
    db.session.execute(
        update(Article).where(Article.id == article.id).values({column.key: column + 1})
    )


def record_use(*, actor: User, article: Article, case_id: int) -> None:
    """An agent put ``article`` into a reply or note of case ``case_id``."""
    db.session.add(ArticleUse(article_id=article.id, case_id=case_id, user_id=actor.id))
    db.session.execute(
        update(Article).where(Article.id == article.id).values(use_count=Article.use_count + 1)
    )
    db.session.flush()


def save_synonyms(*, actor: User, lines: str) -> list[str]:
    """Replace the synonym list by ``lines``: one group per line, words separated by spaces
    (a line of one word is left out).

    :returns: the groups kept.
    """
    _require(actor, Permission.KNOWLEDGE_APPROVE)
    wanted: dict[str, None] = {}
    for line in (lines or "").splitlines():
        words = list(dict.fromkeys(line.lower().split()))
        if len(words) > 1:
            wanted[" ".join(words)[:400]] = None
    db.session.execute(delete(Synonym))
    db.session.add_all(Synonym(words=words) for words in wanted)
    record(
        action=AuditAction.SYNONYMS_CHANGED,
        actor=actor,
        object_type="synonyms",
        details={"synonyms": list(wanted)},
    )
    db.session.flush()
    return list(wanted)

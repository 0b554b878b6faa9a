"""Articles, their versions, and what readers do with them (views, votes, uses, searches that
found nothing)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.cases.models import CASE_CATEGORIES
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class Audience(StrEnum):
    #: staff only
    INTERNAL = "internal"
    #: also in the public help centre (/help)
    PUBLIC = "public"


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    #: waiting for a supervisor's approval
    PENDING = "pending"
    PUBLISHED = "published"


class ArticleKind(StrEnum):
    ARTICLE = "article"
    #: a call script (话术): steps from the opening to the closing, for staff only
    SCRIPT = "script"


KIND_LABELS = {ArticleKind.ARTICLE: _l("Article"), ArticleKind.SCRIPT: _l("Call script")}
AUDIENCE_LABELS = {Audience.INTERNAL: _l("Internal"), Audience.PUBLIC: _l("Public")}
ARTICLE_STATUS_LABELS = {
    ArticleStatus.DRAFT: _l("Draft"),
    ArticleStatus.PENDING: _l("Waiting for approval"),
    ArticleStatus.PUBLISHED: _l("Published"),
}
KB_CATEGORIES = tuple(c.value for c in CASE_CATEGORIES)


class Article(db.Model):
    """A knowledge-base article; its text is the newest version's. Readers (agents, /help) see
    only published articles; an edit by someone who may not approve sends it back for
    approval."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint(column("audience").in_([a.value for a in Audience]), name="audience"),
        CheckConstraint(column("status").in_([s.value for s in ArticleStatus]), name="status"),
        CheckConstraint(column("category").in_(KB_CATEGORIES), name="category"),
        CheckConstraint(column("kind").in_([k.value for k in ArticleKind]), name="kind"),
        Index("ix_kb_articles_status_category", "status", "category"),
        # Covers the title and pinyin search and its ranking: an index scan, never the bodies.
        Index("ix_kb_articles_titles", "status", "audience", "title", "title_pinyin", "use_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, rendered through crm.knowledge.render (sanitised) and nowhere else
    body: Mapped[str] = mapped_column(Text)
    #: the service category (咨询 / 技术支持 / 售后服务 / 投诉) the article answers for
    category: Mapped[str] = mapped_column(String(20))
    #: an article, or a call script shown beside the case page
    kind: Mapped[str] = mapped_column(String(10), default=ArticleKind.ARTICLE.value)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(10), default=Audience.INTERNAL.value)
    status: Mapped[str] = mapped_column(String(10), default=ArticleStatus.DRAFT.value)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the second level of the category tree (售后服务 › 退款), always under ``category``
    subcategory_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_subcategories.id"), index=True
    )
    #: after this day the article is flagged to its owner as due for review
    review_by: Mapped[date | None] = mapped_column(Date)
    #: the number of the newest version (the text above)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: lower-cased title and body, what the search indexes read (FTS5 trigram / pg_trgm)
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: every CJK character pair of the title and body, for queries too short for trigrams
    search_grams: Mapped[str] = mapped_column(Text, default="")
    #: the title's full pinyin and initials (退款流程 -> tuikuanliucheng tklc)
    title_pinyin: Mapped[str] = mapped_column(String(400), default="")
    #: times inserted into a reply or note: ranks useful articles higher
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_yes: Mapped[int] = mapped_column(Integer, default=0)
    helpful_no: Mapped[int] = mapped_column(Integer, default=0)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    subcategory: Mapped[Subcategory | None] = relationship()


class Subcategory(db.Model):
    """The second level of the category tree, named by editors under one of the four service
    categories (the first level, which case suggestions and call scripts go by). Its parent is
    always a service category, which has no parent: a cycle or a third level cannot be stored."""

    __tablename__ = "kb_subcategories"
    __table_args__ = (
        CheckConstraint(column("category").in_(KB_CATEGORIES), name="category"),
        # No two siblings share a name (the services also compare case-insensitively).
        UniqueConstraint("category", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))


class ArticleVersion(db.Model):
    """The article as one save left it, kept whole so a restore gives exactly this text."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(10))
    #: what the editor said about the change ("restored version 2" for a restore)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()


class Synonym(db.Model):
    """A group of words that mean the same to a searcher (退款 退钱 退费): a query for one finds
    articles with any."""

    __tablename__ = "kb_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the words, lower-cased, separated by single spaces
    words: Mapped[str] = mapped_column(String(400), unique=True)


class SearchGap(db.Model):
    """A search that found nothing: the list of articles to write."""

    __tablename__ = "kb_search_gaps"
    __table_args__ = (Index("ix_kb_search_gaps_searched_at", "searched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the query as typed (trimmed, at most 200 characters)
    query: Mapped[str] = mapped_column(String(200))
    #: whether it came from the public help centre
    public: Mapped[bool] = mapped_column(default=False)
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleUse(db.Model):
    """An article inserted into a case's reply or note."""

    __tablename__ = "kb_article_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CriterionArticle(db.Model):
    """An article that defines the standard a QA criterion checks. Keyed by the criterion's
    code, which stays the same across scorecard versions."""

    __tablename__ = "kb_criterion_articles"

    criterion_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), primary_key=True)


class TopicArticle(db.Model):
    """An article that is material for a training topic."""

    __tablename__ = "kb_topic_articles"

    topic_id: Mapped[int] = mapped_column(ForeignKey("training_topics.id"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), primary_key=True)


class ContactEvent(StrEnum):
    #: a visitor of the contact form opened a suggested article
    OPENED = "opened"
    #: ... and said it solved the problem: a deflected contact
    SOLVED = "solved"


class ContactSuggestionEvent(db.Model):
    """What a visitor of the public contact form did with a suggested article (no visitor is
    identified)."""

    __tablename__ = "kb_contact_events"
    __table_args__ = (
        CheckConstraint(column("event").in_([e.value for e in ContactEvent]), name="event"),
        Index("ix_kb_contact_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"))
    event: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Articles tied to quality and training: the article that defines a QA criterion's standard,
a training topic's material, and what a failed criterion's assigned training should read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, select

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.knowledge.models import Article, ArticleStatus, CriterionArticle, TopicArticle
from crm.qa.models import Criterion, TrainingAssignment
from crm.training.models import TrainingTopic

_PUBLISHED = Article.status == ArticleStatus.PUBLISHED.value


def standards_for(codes: Iterable[str]) -> dict[str, list[Article]]:
    """Criterion code -> the published articles that define its standard."""
    rows = db.session.execute(
        select(CriterionArticle.criterion_code, Article)
        .join(Article, Article.id == CriterionArticle.article_id)
        .where(CriterionArticle.criterion_code.in_(list(codes)), _PUBLISHED)
        .order_by(Article.title)
    ).all()
    found: dict[str, list[Article]] = defaultdict(list)
    for code, article in rows:
        found[code].append(article)
    return dict(found)


def material_for(topic_ids: Iterable[int]) -> dict[int, list[Article]]:
    """Training topic id -> its published material."""
    rows = db.session.execute(
        select(TopicArticle.topic_id, Article)
        .join(Article, Article.id == TopicArticle.article_id)
        .where(TopicArticle.topic_id.in_(list(topic_ids)), _PUBLISHED)
        .order_by(Article.title)
    ).all()
    found: dict[int, list[Article]] = defaultdict(list)
    for topic_id, article in rows:
        found[topic_id].append(article)
    return dict(found)


def assigned_reading(user: User) -> list[tuple[str, str, list[Article]]]:
    """``user``'s open QA training assignments as (topic name, criterion code, articles): the
    failed criterion's own articles first, then the topic's material."""
    rows = db.session.execute(
        select(TrainingTopic.id, TrainingTopic.name, TrainingAssignment.criterion_code)
        .join(TrainingAssignment, TrainingAssignment.topic_id == TrainingTopic.id)
        .where(
            TrainingAssignment.agent_id == user.id,
            TrainingAssignment.session_id.is_(None),
            TrainingAssignment.withdrawn_at.is_(None),
        )
        .distinct()
        .order_by(TrainingTopic.name, TrainingAssignment.criterion_code)
    ).all()
    standards = standards_for({code for _id, _name, code in rows})
    material = material_for({topic_id for topic_id, _name, _code in rows})
    reading = []
    for topic_id, name, code in rows:
        articles = list(standards.get(code, []))
        articles += [a for a in material.get(topic_id, []) if a not in articles]
        reading.append((name, code, articles))
    return reading


def criterion_choices() -> list[tuple[str, str]]:
    """(code, "code · name") of every criterion code, named as its newest version names it."""
    rows = db.session.execute(
        select(Criterion.code, Criterion.name).order_by(Criterion.code, Criterion.id)
    ).all()
    return [(code, f"{code} · {name}") for code, name in dict(rows).items()]


def topic_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(TrainingTopic.id, TrainingTopic.name)
        .where(TrainingTopic.active.is_(True))
        .order_by(TrainingTopic.name)
    ).all()
    return [(topic_id, name) for topic_id, name in rows]


def links_of(article: Article) -> tuple[list[str], list[int]]:
    """The criterion codes and topic ids ``article`` is linked to."""
    codes = db.session.scalars(
        select(CriterionArticle.criterion_code).where(CriterionArticle.article_id == article.id)
    )
    topics = db.session.scalars(
        select(TopicArticle.topic_id).where(TopicArticle.article_id == article.id)
    )
    return sorted(codes), sorted(topics)


def set_links(
    *, actor: User, article: Article, codes: Iterable[str], topic_ids: Iterable[int]
) -> None:
    """Make ``article`` the standard of exactly ``codes`` and material of ``topic_ids`` (only
    known codes and active topics are kept)."""
    if not actor.can(Permission.KNOWLEDGE_EDIT):
        raise PermissionDenied(_l("You may not change the knowledge base."))
    known_codes = {code for code, _label in criterion_choices()}
    known_topics = {topic_id for topic_id, _label in topic_choices()}
    db.session.execute(delete(CriterionArticle).where(CriterionArticle.article_id == article.id))
    db.session.execute(delete(TopicArticle).where(TopicArticle.article_id == article.id))
    db.session.add_all(
        CriterionArticle(criterion_code=code, article_id=article.id)
        for code in set(codes) & known_codes
    )
    db.session.add_all(
        TopicArticle(topic_id=topic_id, article_id=article.id)
        for topic_id in set(topic_ids) & known_topics
    )
    db.session.flush()

"""Fetch-and-authorize: the one way views load an article."""

from __future__ import annotations

from flask import abort

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.extensions import db
from crm.knowledge.models import Article, ArticleStatus, Audience


def article_for(actor: User | None, article_id: int) -> Article:
    """The article if ``actor`` may read it, else 404: drafts only for editors, and for
    someone not signed in (the help centre) only published public articles."""
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404)
    if actor is not None and actor.can(Permission.KNOWLEDGE_EDIT):
        return article
    if article.status != ArticleStatus.PUBLISHED.value:
        abort(404)
    if actor is None and article.audience != Audience.PUBLIC.value:
        abort(404)
    return article

"""The demo's knowledge base: about 30 articles and scripts, some public, one script per
category, and its search finds what an agent would type."""

from __future__ import annotations

import random

from sqlalchemy import select

from crm.demo.knowledge import seed_knowledge
from crm.extensions import db
from crm.knowledge.models import KB_CATEGORIES, Article
from crm.knowledge.search import search_articles
from tests.factories import make_user


def test_the_demo_knowledge_base(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    made = seed_knowledge(rng=random.Random(1), editor=boss, authors=[boss])  # noqa: S311
    articles = list(db.session.scalars(select(Article)))
    assert made == len(articles) >= 28
    assert {a.category for a in articles if a.kind == "script"} == set(KB_CATEGORIES)
    assert sum(a.audience == "public" and a.status == "published" for a in articles) >= 10
    assert "退款流程" in [hit.article.title for hit in search_articles("tk", public=False)]
    assert search_articles("退钱", public=True)  # through the demo's synonyms

"""Articles for the knowledge-base tests, made through the services."""

from __future__ import annotations

from typing import Any

from crm.auth.models import User
from crm.knowledge.models import Article
from crm.knowledge.services import ArticleText, publish, save_article


def make_article(
    *, actor: User, published: bool = True, approver: User | None = None, **fields: Any
) -> Article:
    text = ArticleText(
        title=fields.pop("title", "退款流程"),
        body=fields.pop("body", "客户申请退款时，先核对订单。"),
        category=fields.pop("category", "after_sales"),
        audience=fields.pop("audience", "internal"),
        tags=tuple(fields.pop("tags", ())),
        kind=fields.pop("kind", "article"),
    )
    article = save_article(actor=actor, article=None, text=text, **fields)
    if published:
        publish(actor=approver or actor, article=article)
    return article

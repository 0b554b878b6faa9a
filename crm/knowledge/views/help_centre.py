"""The public help centre (/help): no sign-in, public published articles only, in the reader's
language; a search, and "was this helpful?" (CSRF-protected, rate-limited per address)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.database import utcnow
from crm.extensions import db
from crm.i18n import gettext as _
from crm.interactions.models import CATEGORY_LABELS
from crm.knowledge import categories, deflection, queries, services
from crm.knowledge.access import article_for
from crm.knowledge.models import ContactEvent
from crm.knowledge.render import render_markdown
from crm.knowledge.search import search_articles
from crm.knowledge.views.blueprint import public
from crm.ratelimit import allow

#: votes per address and hour
VOTE_LIMIT = 30
#: public articles the help centre's tree lists at most
HELP_LIST_LIMIT = 500
#: counted views per address and hour
VIEW_LIMIT = 300


@public.get("/")
def index() -> str:
    query = request.args.get("q", "").strip()[:100]
    hits = search_articles(query, public=True) if query else []
    if query:
        db.session.commit()  # a search that found nothing is kept as a gap
    articles = (
        []
        if query
        else queries.latest_articles(include_drafts=False, public=True, limit=HELP_LIST_LIMIT)
    )
    # The tree with its articles: those of a service category directly, then each subcategory's.
    tree = [
        (
            branch.category,
            CATEGORY_LABELS[branch.category],
            [a for a in articles if a.category == branch.category and a.subcategory_id is None],
            [
                (sub, [a for a in articles if a.subcategory_id == sub.id])
                for sub, _n in branch.children
            ],
        )
        for branch in ([] if query else categories.tree(public=True))
    ]
    return render_template("knowledge/help/index.html", query=query, hits=hits, tree=tree)


@public.get("/<int:article_id>")
def article(article_id: int) -> str:
    item = article_for(None, article_id)
    return render_template(
        "knowledge/help/article.html",
        article=item,
        category_name=CATEGORY_LABELS[item.category],
        html=render_markdown(item.body),
        # Opened from the contact form's suggestions: ask whether it spared the message.
        from_contact=request.args.get("from") == "contact",
    )


def _within(kind: str, limit: int) -> None:
    """Per-address limit on what anonymous readers may count (views, votes, deflections)."""
    if not allow(
        f"{kind}:{request.remote_addr}", limit=limit, window=timedelta(hours=1), now=utcnow()
    ):
        db.session.commit()
        abort(429)


@public.post("/<int:article_id>/viewed")
def viewed(article_id: int) -> tuple[str, int]:
    """Counts a reading (the page posts it when loaded: a GET never writes); from the contact
    form's suggestions it is also counted as a suggestion opened."""
    item = article_for(None, article_id)
    _within("kb-view", VIEW_LIMIT)
    deflection.record_view(item)
    if request.form.get("from") == "contact":
        deflection.record_event(item, ContactEvent.OPENED)
    db.session.commit()
    return "", 204


@public.post("/<int:article_id>/solved")
def solved(article_id: int) -> BaseResponse:
    """The visitor came from the contact form and this article solved the problem: a
    deflected contact."""
    item = article_for(None, article_id)
    _within("kb-vote", current_app.config.get("KB_VOTE_RATE_LIMIT", VOTE_LIMIT))
    deflection.record_event(item, ContactEvent.SOLVED)
    db.session.commit()
    flash(_("Glad it helped. There is no need to send the contact form."), "success")
    return redirect(url_for("help.article", article_id=item.id))


@public.get("/suggest")
def suggest_for_contact() -> str:
    """The contact form's suggestions while the visitor types (htmx, debounced): public
    articles only; nothing is written."""
    text = request.args.get("message", "")[:500]
    articles = deflection.for_contact(text, request.args.get("category"))
    return render_template("knowledge/help/_contact_suggestions.html", articles=articles)


@public.post("/<int:article_id>/vote")
def vote(article_id: int) -> BaseResponse:
    item = article_for(None, article_id)
    _within("kb-vote", current_app.config.get("KB_VOTE_RATE_LIMIT", VOTE_LIMIT))
    services.vote(item, helpful=request.form.get("helpful") == "yes")
    db.session.commit()
    flash(_("Thank you for your answer."), "success")
    return redirect(url_for("help.article", article_id=item.id))

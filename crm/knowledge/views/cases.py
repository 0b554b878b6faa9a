"""The knowledge base where agents work: on the case page suggested articles, a search, and
one click that puts an article into the reply box (and counts the use); beside the customer
page's log form the call script of the category being logged."""

from __future__ import annotations

from flask import render_template, request

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.access import case_for, case_to_change
from crm.channels.forms import MessageForm
from crm.customers.access import customer_for
from crm.extensions import db
from crm.knowledge import placeholders, services
from crm.knowledge.access import article_for
from crm.knowledge.models import KB_CATEGORIES
from crm.knowledge.render import render_filled
from crm.knowledge.search import search_articles
from crm.knowledge.suggest import script_for, suggestions
from crm.knowledge.views.blueprint import bp


@bp.get("/cases/<int:case_id>/suggestions")
@permission_required(Permission.CASES_WORK)
def case_suggestions(case_id: int) -> str:
    """The case page's panel (htmx loads it): the category's articles, or those a search
    found."""
    actor = signed_in_user()
    case = case_for(actor, case_id)
    query = request.args.get("q", "").strip()[:100]
    script = script_for(case.category)
    articles = (
        [hit.article for hit in search_articles(query, public=False, log_gap=False)]
        if query
        else suggestions(case)
    )
    return render_template(
        "knowledge/_case_suggestions.html",
        case=case,
        articles=articles[:8],
        query=query,
        script=script,
        # Filled after rendering, escaped: the customer's name is text, never Markdown.
        script_html=render_filled(script.body, placeholders.case_values(case, actor))
        if script
        else None,
    )


@bp.post("/cases/<int:case_id>/insert/<int:article_id>")
@permission_required(Permission.CASES_WORK)
def insert(case_id: int, article_id: int) -> str:
    """The reply box with the article's text added after what was typed (htmx swaps it in);
    the use is counted."""
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    article = article_for(actor, article_id)
    typed = (request.form.get("body") or "").rstrip()
    added = placeholders.text_for_case(article, case, actor)
    form = MessageForm(formdata=None)
    form.body.data = f"{typed}\n\n{added}" if typed else added
    services.record_use(actor=actor, article=article, case_id=case.id)
    db.session.commit()
    return render_template("channels/_body_field.html", form=form)


@bp.get("/customers/<int:customer_id>/script")
@permission_required(Permission.INTERACTIONS_LOG)
def log_script(customer_id: int) -> str:
    """The call script of the category chosen in the customer page's log form (htmx loads it
    again when the category changes), filled from that customer."""
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    category = request.args.get("category", "")
    script = script_for(category) if category in KB_CATEGORIES else None
    values = placeholders.placeholder_values(customer_name=customer.name, agent=actor)
    return render_template(
        "knowledge/_log_script.html",
        script=script,
        script_html=render_filled(script.body, values) if script else None,
    )

"""Staff pages: the list and search, an article, the editor, versions, approval, synonyms."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.interactions.models import CATEGORY_LABELS
from crm.knowledge import categories, deflection, history, links, queries, services
from crm.knowledge.access import article_for
from crm.knowledge.analytics import article_figures, to_fix
from crm.knowledge.forms import ArticleForm, SynonymsForm
from crm.knowledge.models import (
    ARTICLE_STATUS_LABELS,
    AUDIENCE_LABELS,
    KB_CATEGORIES,
    KIND_LABELS,
    ArticleKind,
    Synonym,
)
from crm.knowledge.render import render_markdown
from crm.knowledge.search import search_articles
from crm.knowledge.stale import stale_articles
from crm.knowledge.views.blueprint import bp
from crm.timezones import department_today

_TAG_SPLIT = re.compile(r"[\s,，、]+")


def _script_outline() -> str:
    """The steps a new call script starts from, in the editor's language."""
    steps = [
        (_("Opening"), _("Hello, this is {agent_name}. How can I help you?")),
        (_("Identity check"), _("Am I speaking with {customer_name}?")),
        (_("Questions"), ""),
        (_("Answer"), ""),
        (_("Complaint de-escalation"), _("I understand; we will take care of this.")),
        (_("Closing"), _("Thank you for calling; your case number is #{case_number}.")),
    ]
    return "\n\n".join(f"## {heading}\n{line}" for heading, line in steps)


def _labels() -> dict[str, object]:
    return {
        "category_names": {c: CATEGORY_LABELS[c] for c in CATEGORY_LABELS if c in KB_CATEGORIES},
        "audience_names": AUDIENCE_LABELS,
        "status_names": ARTICLE_STATUS_LABELS,
        "kind_names": KIND_LABELS,
    }


@bp.get("/")
@permission_required(Permission.KNOWLEDGE_VIEW)
def index() -> str:
    actor = signed_in_user()
    query = request.args.get("q", "").strip()[:100]
    category = request.args.get("category")
    category = category if category in KB_CATEGORIES else None
    topic = request.args.get("topic", type=int)
    editor = actor.can(Permission.KNOWLEDGE_EDIT)
    hits = search_articles(query, public=False) if query else []
    if query:
        db.session.commit()  # a search that found nothing is kept as a gap
    return render_template(
        "knowledge/index.html",
        query=query,
        category=category,
        topic=topic,
        tree=categories.tree(include_drafts=editor),
        hits=hits,
        drafts=queries.title_matches(query.lower()) if query and editor else [],
        articles=[]
        if query
        else queries.latest_articles(
            include_drafts=editor, category=category, subcategory_id=topic
        ),
        gaps=queries.gaps() if editor and not query else [],
        stale=[] if query else stale_articles(actor, department_today(utcnow())),
        **_labels(),
    )


@bp.get("/<int:article_id>")
@permission_required(Permission.KNOWLEDGE_VIEW)
def article(article_id: int) -> str:
    actor = signed_in_user()
    item = article_for(actor, article_id)
    today = department_today(utcnow())
    return render_template(
        "knowledge/article.html",
        article=item,
        html=render_markdown(item.body),
        stale=item.review_by is not None and item.review_by < today,
        linked=links.links_of(item),
        criterion_choices=links.criterion_choices(),
        topic_choices=links.topic_choices(),
        **_labels(),
    )


#: the period the contact-form deflection figures cover
DEFLECTION_DAYS = 30


@bp.post("/<int:article_id>/viewed")
@permission_required(Permission.KNOWLEDGE_VIEW)
def viewed(article_id: int) -> tuple[str, int]:
    """Counts a reading: the article page posts it when loaded, since a GET never writes."""
    deflection.record_view(article_for(signed_in_user(), article_id))
    db.session.commit()
    return "", 204


def _choices(form: ArticleForm) -> None:
    labels = _labels()
    form.category.choices = list(labels["category_names"].items())  # type: ignore[attr-defined]
    form.audience.choices = list(AUDIENCE_LABELS.items())
    form.kind.choices = list(KIND_LABELS.items())
    names = labels["category_names"]
    form.subcategory.choices = [(None, "—")] + [
        (sub.id, f"{names[branch.category]} › {sub.name}")  # type: ignore[index]
        for branch in categories.tree(include_drafts=True)
        for sub, _n in branch.children
    ]


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.KNOWLEDGE_EDIT)
def edit(article_id: int | None = None) -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    item = article_for(actor, article_id) if article_id is not None else None
    form = ArticleForm(obj=item)
    _choices(form)
    if request.method == "GET" and item is not None:
        form.tags.data = " ".join(item.tags or [])
        form.subcategory.data = item.subcategory_id
    if request.method == "GET" and item is None and request.args.get("kind") == "script":
        form.kind.data = ArticleKind.SCRIPT.value
        form.body.data = _script_outline()
    if form.validate_on_submit():
        text = services.ArticleText(
            title=form.title.data,
            body=form.body.data,
            category=form.category.data,
            audience=form.audience.data,
            tags=tuple(_TAG_SPLIT.split(form.tags.data or "")),
            kind=form.kind.data,
        )
        try:
            item = services.save_article(
                actor=actor,
                article=item,
                text=text,
                review_by=form.review_by.data,
                subcategory=categories.subcategory_for(text.category, form.subcategory.data),
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Article saved as version %(number)s.", number=item.version), "success")
            return redirect(url_for("knowledge.article", article_id=item.id))
    status = 400 if form.is_submitted() else 200
    return render_template("knowledge/edit.html", form=form, article=item), status


@bp.get("/<int:article_id>/versions")
@permission_required(Permission.KNOWLEDGE_EDIT)
def versions(article_id: int) -> str:
    item = article_for(signed_in_user(), article_id)
    all_versions = history.versions(item)
    shown = request.args.get("v", type=int) or item.version
    new = next((v for v in all_versions if v.number == shown), None)
    if new is None:
        abort(404)
    old = next((v for v in all_versions if v.number < new.number), None)
    return render_template(
        "knowledge/versions.html",
        article=item,
        versions=all_versions,
        new=new,
        old=old,
        lines=history.diff(old, new) if old else [],
    )


def _act(article_id: int, action: str) -> BaseResponse:
    actor = signed_in_user()
    item = article_for(actor, article_id)
    try:
        if action == "submit":
            services.submit_for_approval(actor=actor, article=item)
            message = _("Sent to a supervisor for approval.")
        elif action == "publish":
            services.publish(actor=actor, article=item)
            message = _("Article published.")
        else:
            number = request.form.get("number", type=int) or 0
            services.restore_version(actor=actor, article=item, number=number)
            message = _(
                "Version %(number)s restored as version %(new)s.", number=number, new=item.version
            )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("knowledge.article", article_id=article_id))


@bp.post("/<int:article_id>/submit")
@permission_required(Permission.KNOWLEDGE_EDIT)
def submit(article_id: int) -> BaseResponse:
    return _act(article_id, "submit")


@bp.post("/<int:article_id>/publish")
@permission_required(Permission.KNOWLEDGE_APPROVE)
def publish(article_id: int) -> BaseResponse:
    return _act(article_id, "publish")


@bp.post("/<int:article_id>/restore")
@permission_required(Permission.KNOWLEDGE_EDIT)
def restore(article_id: int) -> BaseResponse:
    return _act(article_id, "restore")


@bp.route("/synonyms", methods=["GET", "POST"])
@permission_required(Permission.KNOWLEDGE_APPROVE)
def synonyms() -> str | BaseResponse:
    form = SynonymsForm()
    groups = list(db.session.scalars(select(Synonym.words).order_by(Synonym.words)))
    if request.method == "GET":
        form.words.data = "\n".join(groups)
    if form.validate_on_submit():
        services.save_synonyms(actor=signed_in_user(), lines=form.words.data or "")
        db.session.commit()
        flash(_("Synonyms saved."), "success")
        return redirect(url_for("knowledge.synonyms"))
    return render_template("knowledge/synonyms.html", form=form)


@bp.get("/analytics")
@permission_required(Permission.KNOWLEDGE_EDIT)
def analytics() -> str:
    return render_template(
        "knowledge/analytics.html",
        figures=article_figures(),
        fix=to_fix(department_today(utcnow())),
        gaps=queries.gaps(50),
        deflection=deflection.deflection_since(utcnow() - timedelta(days=DEFLECTION_DAYS)),
        deflection_days=DEFLECTION_DAYS,
        **_labels(),
    )

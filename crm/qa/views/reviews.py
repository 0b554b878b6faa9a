"""One review: scoring beside the interaction, the agent's answer, the supervisor's decision;
the agent's own list and the open disputes."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases import queries as case_queries
from crm.cases.models import Case
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import Form, apply_domain_error
from crm.i18n import gettext as _
from crm.knowledge.links import standards_for
from crm.qa import disputes as dispute_rules
from crm.qa import queries, services
from crm.qa.access import review_for
from crm.qa.forms import decision_form, dispute_form, parse_value, scoring_form, value_label
from crm.qa.models import (
    DISPUTE_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    Review,
)
from crm.qa.scoring import credit, fails, value_range
from crm.qa.views.blueprint import bp
from crm.surveys.models import Survey


def _forms(actor: User, review: Review) -> dict[str, Form | None]:
    criteria = review.scorecard_version.criteria
    scores = services.scores_of(review)
    scoring = None
    if services.may_score(actor, review):
        data: dict[str, Any] = {}
        for criterion_id, row in scores.items():
            data[f"c{criterion_id}"] = "na" if row.value is None else str(row.value)
            data[f"comment{criterion_id}"] = row.comment or ""
        scoring = scoring_form(criteria, formdata=None, data=data)
    answer = (
        dispute_form(criteria, formdata=None)
        if dispute_rules.may_dispute(actor, review, utcnow())
        else None
    )
    decision = None
    dispute = dispute_rules.dispute_of(review)
    if dispute is not None and dispute_rules.may_decide(actor, dispute):
        disputed = [item.criterion for item in dispute.items]
        current = {
            f"v{c.id}": "na" if scores[c.id].value is None else str(scores[c.id].value)
            for c in disputed
            if c.id in scores
        }
        decision = decision_form(disputed, formdata=None, data=current)
    return {"scoring": scoring, "answer": answer, "decision": decision}


def _render(review: Review, status: int = 200, **forms: Form) -> tuple[str, int]:
    actor = signed_in_user()
    interaction = review.interaction
    case = db.session.scalar(
        select(Case).where(Case.interaction_id == interaction.id).order_by(Case.id).limit(1)
    )
    survey = db.session.scalar(select(Survey).where(Survey.case_id == case.id)) if case else None
    revisions = services.revisions_of(review)
    scores_by_revision = {r.revision: services.scores_of(review, r.revision) for r in revisions}
    html = render_template(
        "qa/review.html",
        review=review,
        interaction=interaction,
        case=case,
        case_events=case_queries.events(case) if case else [],
        survey=survey,
        criteria=review.scorecard_version.criteria,
        standards=standards_for(c.code for c in review.scorecard_version.criteria),
        sections=[
            (section, list(items))
            for section, items in groupby(review.scorecard_version.criteria, attrgetter("section"))
        ],
        scores=services.scores_of(review),
        revisions=revisions,
        scores_by_revision=scores_by_revision,
        dispute=dispute_rules.dispute_of(review),
        deadline=dispute_rules.dispute_deadline(review) if review.submitted_at else None,
        forms={**_forms(actor, review), **forms},
        value_label=value_label,
        credit=credit,
        fails=fails,
        value_range=value_range,
        status_labels=STATUS_LABELS,
        reason_labels=REASON_LABELS,
        dispute_labels=DISPUTE_LABELS,
    )
    return html, status


@bp.get("/reviews/<int:review_id>")
@login_required
def show(review_id: int) -> tuple[str, int]:
    return _render(review_for(signed_in_user(), review_id))


@bp.post("/reviews/<int:review_id>/claim")
@permission_required(Permission.QA_REVIEW)
def claim(review_id: int) -> BaseResponse:
    actor = signed_in_user()
    review = review_for(actor, review_id)
    try:
        services.claim(actor=actor, review=review)
    except DomainError as error:
        abort(403, error.message)
    db.session.commit()
    return redirect(url_for("qa.show", review_id=review.id))


@bp.post("/reviews/<int:review_id>/score")
@permission_required(Permission.QA_REVIEW)
def score(review_id: int) -> BaseResponse | tuple[str, int]:
    actor = signed_in_user()
    review = review_for(actor, review_id)
    if not services.may_score(actor, review):
        abort(403)
    criteria = review.scorecard_version.criteria
    form = scoring_form(criteria)
    if not form.validate_on_submit():
        return _render(review, 400, scoring=form)
    values: dict[int, int | None] = {}
    for criterion in criteria:
        given, value = parse_value(form[f"c{criterion.id}"].data)
        if given:
            values[criterion.id] = value
    comments = {c.id: form[f"comment{c.id}"].data or "" for c in criteria}
    submit = request.form.get("action") == "submit"
    try:
        services.save_scores(
            actor=actor,
            review=review,
            values=values,
            comments=comments,
            submit=submit,
            now=utcnow(),
        )
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return _render(review_for(actor, review_id), 400, scoring=form)
    db.session.commit()
    if not submit:
        flash(_("Draft saved."), "success")
        return redirect(url_for("qa.show", review_id=review.id))
    flash(_("Review submitted: %(score)s points.", score=review.final_score), "success")
    return redirect(url_for("qa.queue"))


@bp.post("/reviews/<int:review_id>/acknowledge")
@login_required
def acknowledge(review_id: int) -> BaseResponse:
    actor = signed_in_user()
    review = review_for(actor, review_id)
    if review.agent_id != actor.id:
        abort(403)
    try:
        services.acknowledge(actor=actor, review=review, now=utcnow())
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("qa.show", review_id=review.id))
    db.session.commit()
    flash(_("Review acknowledged."), "success")
    return redirect(url_for("qa.mine"))


@bp.post("/reviews/<int:review_id>/dispute")
@login_required
def dispute(review_id: int) -> BaseResponse | tuple[str, int]:
    actor = signed_in_user()
    review = review_for(actor, review_id)
    if review.agent_id != actor.id:
        abort(403)
    criteria = review.scorecard_version.criteria
    form = dispute_form(criteria)
    if not form.validate_on_submit():
        return _render(review, 400, answer=form)
    items = {c.id: form[f"comment{c.id}"].data or "" for c in criteria if form[f"d{c.id}"].data}
    try:
        dispute_rules.open_dispute(actor=actor, review=review, items=items, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return _render(review_for(actor, review_id), 400, answer=form)
    db.session.commit()
    flash(_("Your dispute was sent to the supervisors."), "success")
    return redirect(url_for("qa.show", review_id=review.id))


@bp.post("/reviews/<int:review_id>/decide")
@permission_required(Permission.QA_DECIDE)
def decide(review_id: int) -> BaseResponse | tuple[str, int]:
    actor = signed_in_user()
    review = review_for(actor, review_id)
    dispute = dispute_rules.dispute_of(review)
    if dispute is None:
        abort(404)
    disputed = [item.criterion for item in dispute.items]
    form = decision_form(disputed)
    if not form.validate_on_submit():
        return _render(review, 400, decision=form)
    accept = form.decision.data == "accept"
    new_values = {}
    if accept:
        for criterion in disputed:
            _given, new_values[criterion.id] = parse_value(form[f"v{criterion.id}"].data)
    try:
        dispute_rules.decide_dispute(
            actor=actor,
            dispute=dispute,
            accept=accept,
            new_values=new_values,
            note=form.note.data,
            now=utcnow(),
        )
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return _render(review_for(actor, review_id), 400, decision=form)
    db.session.commit()
    flash(_("Dispute decided."), "success")
    return redirect(url_for("qa.disputes"))


@bp.get("/disputes")
@permission_required(Permission.QA_DECIDE)
def disputes() -> str:
    return render_template("qa/disputes.html", disputes=queries.open_disputes())


@bp.get("/mine")
@login_required
def mine() -> str:
    return render_template(
        "qa/mine.html",
        reviews=queries.reviews_of_agent(signed_in_user()),
        status_labels=STATUS_LABELS,
        reason_labels=REASON_LABELS,
    )

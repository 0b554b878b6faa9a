"""Scorecards with their versions, and the rules that assign training after a failed criterion."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error, flash_form_errors
from crm.i18n import gettext as _
from crm.qa import rules as rules_service
from crm.qa import scorecards
from crm.qa.forms import ScorecardForm, TrainingRuleForm
from crm.qa.models import (
    SCALE_LABELS,
    STYLE_LABELS,
    Criterion,
    Scorecard,
    TrainingRule,
)
from crm.qa.views.blueprint import bp
from crm.training.models import TrainingTopic

#: empty criterion rows offered below the existing ones
SPARE_ROWS = 2


@bp.get("/scorecards")
@permission_required(Permission.QA_VIEW)
def scorecard_list() -> str:
    cards = list(db.session.scalars(select(Scorecard).order_by(Scorecard.id)))
    return render_template("qa/scorecards.html", scorecards=cards, style_labels=STYLE_LABELS)


@bp.get("/scorecards/<int:scorecard_id>")
@permission_required(Permission.QA_VIEW)
def scorecard(scorecard_id: int) -> str:
    card = db.get_or_404(Scorecard, scorecard_id)
    number = request.args.get("version", type=int)
    version = next((v for v in card.versions if v.version == number), card.current)
    return render_template(
        "qa/scorecard.html",
        scorecard=card,
        version=version,
        style_labels=STYLE_LABELS,
        scale_labels=SCALE_LABELS,
    )


def _render_form(form: ScorecardForm, card: Scorecard | None, status: int) -> tuple[str, int]:
    return render_template("qa/scorecard_form.html", form=form, scorecard=card), status


@bp.route("/scorecards/new", methods=["GET", "POST"])
@permission_required(Permission.QA_MANAGE)
def new_scorecard() -> BaseResponse | tuple[str, int]:
    form = ScorecardForm()
    if request.method == "GET":
        for _spare in range(SPARE_ROWS):
            form.criteria.append_entry()
    if form.validate_on_submit():
        try:
            card = scorecards.create_scorecard(
                actor=signed_in_user(),
                name=form.name.data,
                style=form.style.data,
                pass_mark=form.pass_mark.data,
                criteria=form.criteria_inputs(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Scorecard saved."), "success")
            return redirect(url_for("qa.scorecard", scorecard_id=card.id))
    return _render_form(form, None, 400 if form.is_submitted() else 200)


@bp.route("/scorecards/<int:scorecard_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.QA_MANAGE)
def edit_scorecard(scorecard_id: int) -> BaseResponse | tuple[str, int]:
    card = db.get_or_404(Scorecard, scorecard_id)
    current = card.current
    if request.method == "GET":
        form = ScorecardForm(
            formdata=None,
            name=card.name,
            style=current.style,
            pass_mark=current.pass_mark,
            criteria=[_criterion_data(c) for c in current.criteria],
        )
        for _spare in range(SPARE_ROWS):
            form.criteria.append_entry()
        return _render_form(form, card, 200)
    form = ScorecardForm()
    form.name.data = card.name  # renaming is not part of a revision
    if form.validate_on_submit():
        try:
            version = scorecards.revise_scorecard(
                actor=signed_in_user(),
                scorecard=card,
                style=form.style.data,
                pass_mark=form.pass_mark.data,
                criteria=form.criteria_inputs(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            if version.id == current.id:
                flash(_("Scorecard saved."), "success")
            else:
                flash(
                    _(
                        "The scorecard was in use: saved as version %(version)d. Reviews keep "
                        "the version they were scored on.",
                        version=version.version,
                    ),
                    "success",
                )
            return redirect(url_for("qa.scorecard", scorecard_id=card.id))
    return _render_form(form, card, 400)


def _criterion_data(criterion: Criterion) -> dict:
    return {
        "section": criterion.section,
        "code": criterion.code,
        "name": criterion.name,
        "definition": criterion.definition,
        "examples": criterion.examples or "",
        "weight": criterion.weight,
        "scale": criterion.scale,
        "max_points": criterion.max_points,
        "allow_na": criterion.allow_na,
        "critical": criterion.critical,
    }


@bp.post("/scorecards/<int:scorecard_id>/active")
@permission_required(Permission.QA_MANAGE)
def scorecard_active(scorecard_id: int) -> BaseResponse:
    card = db.get_or_404(Scorecard, scorecard_id)
    scorecards.set_active(
        actor=signed_in_user(), scorecard=card, active=request.form.get("active") == "1"
    )
    db.session.commit()
    return redirect(url_for("qa.scorecard_list"))


def _rule_form() -> TrainingRuleForm:
    form = TrainingRuleForm()
    codes = {}
    for card in scorecards.active_scorecards():
        for criterion in card.current.criteria:
            codes.setdefault(criterion.code, f"{criterion.name} ({criterion.code})")
    form.criterion_code.choices = [SelectChoice(code, label) for code, label in codes.items()]
    topics = db.session.scalars(
        select(TrainingTopic).where(TrainingTopic.active.is_(True)).order_by(TrainingTopic.name)
    )
    form.topic_id.choices = [SelectChoice(t.id, t.name) for t in topics]
    return form


@bp.route("/rules", methods=["GET", "POST"])
@permission_required(Permission.QA_MANAGE)
def rules() -> BaseResponse | tuple[str, int]:
    form = _rule_form()
    if form.validate_on_submit():
        try:
            rules_service.add_rule(
                actor=signed_in_user(),
                criterion_code=form.criterion_code.data,
                below_percent=form.below_percent.data,
                topic_id=form.topic_id.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Rule added."), "success")
            return redirect(url_for("qa.rules"))
    elif form.is_submitted():
        flash_form_errors(form)
    rows = db.session.execute(
        select(TrainingRule, TrainingTopic.name)
        .join(TrainingTopic, TrainingTopic.id == TrainingRule.topic_id)
        .order_by(TrainingRule.criterion_code, TrainingRule.id)
    ).all()
    html = render_template("qa/rules.html", form=form, rules=rows)
    return html, 400 if form.is_submitted() else 200


@bp.post("/rules/<int:rule_id>/active")
@permission_required(Permission.QA_MANAGE)
def rule_active(rule_id: int) -> BaseResponse:
    rule = db.get_or_404(TrainingRule, rule_id)
    rules_service.set_rule_active(
        actor=signed_in_user(), rule=rule, active=request.form.get("active") == "1"
    )
    db.session.commit()
    return redirect(url_for("qa.rules"))

"""Improvement action pages: the list, a new action, one action with its comments, status
and outcome, and the KPI before and after."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error, flash_form_errors
from crm.i18n import gettext as _
from crm.plans import actions as services
from crm.plans.blueprint import bp
from crm.plans.forms import ActionForm, CommentForm, OutcomeForm
from crm.plans.labels import DECISION_LABELS, SOURCE_LABELS, STAGE_LABELS, STATUS_LABELS
from crm.plans.models import ImprovementAction
from crm.reports.labels import KPI_LABELS, UNIT_SUFFIX, format_value
from crm.reports.scope import KPI_KEYS, UNITS
from crm.timezones import department_today

LIST_SIZE = 200


def _labels() -> dict:
    return {
        "kpi_labels": KPI_LABELS,
        "source_labels": SOURCE_LABELS,
        "status_labels": STATUS_LABELS,
        "stage_labels": STAGE_LABELS,
        "decision_labels": DECISION_LABELS,
        "format_value": format_value,
        "units": UNITS,
        "unit_suffix": UNIT_SUFFIX,
        "stage": services.stage,
        "today": department_today(utcnow()),
    }


def _action_or_404(action_id: int) -> ImprovementAction:
    """The action, if the signed-in user may see it (a supervisor, or its owner)."""
    action = db.session.get(ImprovementAction, action_id)
    if action is None or not services.may_see(signed_in_user(), action):
        abort(404)
    return action


@bp.get("/actions")
@permission_required(Permission.REPORTS_VIEW)
def actions() -> str:
    key = request.args.get("kpi")
    query = select(ImprovementAction).order_by(
        ImprovementAction.due_date.desc(), ImprovementAction.id.desc()
    )
    if key in KPI_KEYS:
        query = query.where(ImprovementAction.kpi_key == key)
    rows = list(db.session.scalars(query.limit(LIST_SIZE)))
    return render_template("plans/actions.html", rows=rows, kpi=key, **_labels())


def _owner_choices() -> list[tuple[int, str]]:
    return [
        (user_id, name)
        for user_id, name in db.session.execute(
            select(User.id, User.display_name).where(User.active).order_by(User.display_name)
        )
    ]


@bp.route("/actions/new", methods=["GET", "POST"])
@permission_required(Permission.REPORTS_VIEW)
def new_action() -> tuple[str, int] | BaseResponse:
    form = ActionForm()
    form.source.choices = list(SOURCE_LABELS.items())
    form.kpi_key.choices = [("", _("None"))] + [(key, KPI_LABELS[key]) for key in KPI_KEYS]
    form.owner_id.choices = _owner_choices()
    if request.method == "GET":
        today = department_today(utcnow())
        form.kpi_key.data = request.args.get("kpi") if request.args.get("kpi") in KPI_KEYS else ""
        form.source.data = request.args.get("source", "kpi")
        form.source_ref.data = request.args.get("ref", "")[:200]
        form.owner_id.data = signed_in_user().id
        form.start_date.data = today
        form.due_date.data = today + timedelta(days=30)
    status = 200
    if form.validate_on_submit():
        data = services.ActionInput(
            title=form.title.data,
            details=form.details.data or "",
            source=form.source.data,
            source_ref=form.source_ref.data or "",
            kpi_key=form.kpi_key.data or None,
            expected_change=form.expected_change.data,
            owner_id=form.owner_id.data,
            start_date=form.start_date.data,
            due_date=form.due_date.data,
        )
        try:
            action = services.create_action(actor=signed_in_user(), data=data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Improvement action created."), "success")
            return redirect(url_for("plans.action", action_id=action.id))
    if request.method == "POST":
        status = 400
    return render_template("plans/action_form.html", form=form, **_labels()), status


@bp.get("/actions/<int:action_id>")
@login_required
def action(action_id: int) -> str:
    item = _action_or_404(action_id)
    outcome_form = OutcomeForm(formdata=None)
    outcome_form.decision.choices = list(DECISION_LABELS.items())
    return render_template(
        "plans/action.html",
        action=item,
        effect=services.effect(item),
        may_manage=services.may_manage(signed_in_user()),
        comment_form=CommentForm(formdata=None),
        outcome_form=outcome_form,
        **_labels(),
    )


def _back(action_id: int) -> BaseResponse:
    return redirect(url_for("plans.action", action_id=action_id))


@bp.post("/actions/<int:action_id>/status")
@permission_required(Permission.REPORTS_VIEW)
def action_status(action_id: int) -> BaseResponse:
    item = _action_or_404(action_id)
    try:
        services.set_status(
            actor=signed_in_user(), action=item, status=request.form.get("status", "")
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Status changed."), "success")
    return _back(action_id)


@bp.post("/actions/<int:action_id>/comments")
@login_required
def action_comment(action_id: int) -> BaseResponse:
    item = _action_or_404(action_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(action_id)
    try:
        services.add_comment(actor=signed_in_user(), action=item, body=form.body.data, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Comment added."), "success")
    return _back(action_id)


@bp.post("/actions/<int:action_id>/outcome")
@login_required
def action_outcome(action_id: int) -> BaseResponse:
    item = _action_or_404(action_id)
    form = OutcomeForm()
    form.decision.choices = list(DECISION_LABELS.items())
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(action_id)
    try:
        services.record_outcome(
            actor=signed_in_user(),
            action=item,
            outcome=form.outcome.data,
            decision=form.decision.data,
            now=utcnow(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Outcome recorded."), "success")
    return _back(action_id)

"""Service plan pages: the list, a plan's version (page, DOCX, PDF), editing, approval and the
end-of-period review."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.core.ids import parse_id
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.plans import services
from crm.plans.blueprint import bp
from crm.plans.compose import PERIOD, following
from crm.plans.document import document_context
from crm.plans.models import PlanVersion, ServicePlan
from crm.plans.output import FORMATS, render_output
from crm.timezones import department_today

#: lines offered on the edit page beyond those already entered
SPARE_BUDGET_LINES = 3


def _plan_or_404(period: str) -> ServicePlan:
    plan = services.find_plan(period) if PERIOD.match(period) else None
    if plan is None:
        abort(404)
    return plan


def _version(plan: ServicePlan) -> PlanVersion:
    number = parse_id(request.args.get("version"))
    if number is None:
        return plan.latest
    for version in plan.versions:
        if version.number == number:
            return version
    abort(404)


@bp.get("/")
@permission_required(Permission.REPORTS_VIEW)
def plans() -> str:
    rows = list(db.session.scalars(db.select(ServicePlan).order_by(ServicePlan.period.desc())))
    return render_template(
        "plans/plans.html", rows=rows, suggestion=str(department_today(utcnow()).year + 1)
    )


@bp.post("/")
@permission_required(Permission.REPORTS_VIEW)
def create() -> BaseResponse:
    label = (request.form.get("period") or "").strip().upper()
    try:
        plan = services.create_plan(actor=signed_in_user(), label=label, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("plans.plans"))
    db.session.commit()
    flash(_("The plan was generated from today's figures."), "success")
    return redirect(url_for("plans.plan", period=plan.period))


@bp.get("/<period>")
@permission_required(Permission.REPORTS_VIEW)
def plan(period: str) -> str:
    item = _plan_or_404(period)
    version = _version(item)
    return render_template("plans/plan.html", **document_context(item, version))


@bp.get("/<period>/export")
@permission_required(Permission.REPORTS_VIEW)
def export(period: str) -> BaseResponse:
    item = _plan_or_404(period)
    version = _version(item)
    kind = request.args.get("format", "pdf")
    lang = request.args.get("lang", "zh")
    if kind not in FORMATS or lang not in ("zh", "en"):
        abort(404)
    data = render_output(item, version, kind, lang)
    name = f"service-plan-{item.period}-v{version.number}-{lang}.{kind}"
    return send_file(data, mimetype=FORMATS[kind], as_attachment=True, download_name=name)


def _budget_from_form() -> list[services.BudgetLine]:
    items = request.form.getlist("item")
    amounts = request.form.getlist("amount")
    notes = request.form.getlist("note")
    return [
        services.BudgetLine(item, amount, note)
        for item, amount, note in zip(items, amounts, notes, strict=False)
    ]


@bp.route("/<period>/edit", methods=["GET", "POST"])
@permission_required(Permission.REPORTS_VIEW)
def edit(period: str) -> tuple[str, int] | BaseResponse:
    item = _plan_or_404(period)
    version = item.latest
    narratives, budget = dict(version.narratives), list(version.budget)
    status = 200
    if request.method == "POST":
        narratives = {key: request.form.get(key, "") for key in services.SECTIONS}
        lines = _budget_from_form()
        budget = [{"item": b.item, "amount": b.amount, "note": b.note} for b in lines]
        try:
            saved = services.save_plan(
                actor=signed_in_user(), plan=item, narratives=narratives, budget=lines, now=utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = 400
        else:
            db.session.commit()
            flash(
                _("Version %(num)d saved; its figures were computed again.", num=saved.number),
                "success",
            )
            return redirect(url_for("plans.plan", period=item.period))
    blank = {"item": "", "amount": "", "note": ""}
    html = render_template(
        "plans/edit.html",
        narratives=narratives,
        budget=budget + [blank] * SPARE_BUDGET_LINES,
        sections=services.SECTIONS,
        **document_context(item, version),
    )
    return html, status


@bp.post("/<period>/approve")
@permission_required(Permission.REPORTS_VIEW)
def approve(period: str) -> BaseResponse:
    item = _plan_or_404(period)
    try:
        version = services.approve_plan(actor=signed_in_user(), plan=item, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Version %(num)d approved: its figures are frozen.", num=version.number), "success")
    return redirect(url_for("plans.plan", period=item.period))


@bp.get("/<period>/review")
@permission_required(Permission.REPORTS_VIEW)
def review(period: str) -> str:
    item = _plan_or_404(period)
    today = department_today(utcnow())
    return render_template(
        "plans/review.html",
        review=services.review(item, today),
        next_label=following(item.period),
        next_exists=services.find_plan(following(item.period)) is not None,
        **document_context(item, item.approved or item.latest),
    )

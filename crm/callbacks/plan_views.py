"""Callback plan pages: the supervisors' list of key-account plans, a new plan, one plan with
its tasks, ending a plan."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.callbacks import plans as planning
from crm.callbacks.forms import EndPlanForm, PlanForm
from crm.callbacks.models import TASK_STATUS_LABELS, CallbackPlan, CallbackTask
from crm.callbacks.views import _agent_choices, _today, bp
from crm.core.ids import arg_id
from crm.customers.access import customer_for
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error, flash_form_errors
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.pagination import paginate


@bp.get("/plans")
@permission_required(Permission.CALLBACKS_PLAN)
def plans() -> str:
    query = select(CallbackPlan).order_by(CallbackPlan.active.desc(), CallbackPlan.id.desc())
    page = paginate(query, page=request.args.get("page", 1, type=int), sort="id", filters={})
    return render_template("callbacks/plans.html", page=page)


def _plan_form() -> PlanForm:
    form = PlanForm()
    form.assignee_id.choices = _agent_choices()
    form.fallback_id.choices = _agent_choices(empty=_("None"))
    return form


@bp.route("/plans/new", methods=["GET", "POST"])
@permission_required(Permission.CALLBACKS_PLAN)
def new_plan() -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, arg_id("customer") or 0)
    form = _plan_form()
    if request.method == "GET":
        form.start_date.data = _today()
    if form.validate_on_submit():
        try:
            plan = planning.create_plan(
                actor=actor,
                customer=customer,
                purpose=form.purpose.data,
                script=form.script.data,
                cadence=form.cadence.data,
                interval_weeks=form.interval_weeks.data or 1,
                day_of_month=int(form.day_of_month.data) if form.day_of_month.data else None,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                assignee=db.session.get(User, int(form.assignee_id.data)),
                fallback=db.session.get(User, int(form.fallback_id.data))
                if form.fallback_id.data
                else None,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Callbacks planned; the scheduler adds the dated calls."), "success")
            return redirect(url_for("callbacks.plan", plan_id=plan.id))
    status = 400 if form.is_submitted() else 200
    return render_template("callbacks/plan_form.html", form=form, customer=customer), status


@bp.get("/plans/<int:plan_id>")
@permission_required(Permission.CALLBACKS_PLAN)
def plan(plan_id: int) -> str:
    plan = db.session.get(CallbackPlan, plan_id) or abort(404)
    tasks = db.session.scalars(
        select(CallbackTask)
        .where(CallbackTask.plan_id == plan.id)
        .order_by(CallbackTask.due_date.desc(), CallbackTask.id.desc())
        .limit(100)
    ).all()
    end_form = EndPlanForm(formdata=None, last_day=_today())
    return render_template(
        "callbacks/plan.html",
        plan=plan,
        tasks=tasks,
        end_form=end_form,
        statuses=TASK_STATUS_LABELS,
    )


@bp.post("/plans/<int:plan_id>/end")
@permission_required(Permission.CALLBACKS_PLAN)
def end_plan(plan_id: int) -> BaseResponse:
    plan = db.session.get(CallbackPlan, plan_id) or abort(404)
    form = EndPlanForm()
    if form.validate_on_submit():
        cancelled = planning.end_plan(
            actor=signed_in_user(), plan=plan, last_day=form.last_day.data
        )
        db.session.commit()
        flash(
            ngettext(
                "Plan ended; %(num)d later callback cancelled.",
                "Plan ended; %(num)d later callbacks cancelled.",
                cancelled,
            ),
            "success",
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("callbacks.plan", plan_id=plan.id))

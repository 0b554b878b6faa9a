"""Case pages: my cases, the team queue, opening a case, and working one."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.access import may_change_case
from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.cases import queries, services
from crm.cases.access import case_for, case_to_change
from crm.cases.complaints import record_complaint_closure
from crm.cases.forms import CaseForm, ClosureForm, TransferForm
from crm.cases.home import register_home_sections
from crm.cases.models import (
    DEPARTMENT_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    Case,
    CaseStatus,
    Department,
)
from crm.cases.providers import register_providers
from crm.cases.sla import sla_state
from crm.channels import linking, thread
from crm.channels.forms import MessageForm
from crm.core.ids import arg_id
from crm.core.limits import megabytes
from crm.customers.access import customer_for
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error, flash_form_errors
from crm.i18n import gettext as _
from crm.interactions.models import Interaction
from crm.surveys.models import Survey
from crm.teams.scope import case_filter, scope_for
from crm.timezones import local_now, local_to_utc

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.record_once(register_providers)
bp.record_once(register_home_sections)


def _assignees(empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(str(uid), name) for uid, name in active_agents()
    ]


def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "department_labels": DEPARTMENT_LABELS,
    }


@bp.get("/")
@permission_required(Permission.CASES_WORK)
def mine() -> str:
    rows = queries.my_open_cases(signed_in_user(), utcnow())
    return render_template(
        "cases/list.html", rows=rows, title=_("My open cases"), queue=False, **_labels()
    )


@bp.get("/queue")
@permission_required(Permission.CASES_SUPERVISE)
def queue() -> str:
    state = request.args.get("state", "")
    department = request.args.get("department", "")
    department = department if department in {d.value for d in Department} else None
    after = request.args.get("after") or None
    scope = scope_for(signed_in_user())
    page = queries.team_queue(
        utcnow(), state=state, department=department, after=after, scope=case_filter(scope)
    )
    return render_template(
        "cases/list.html",
        rows=page.rows,
        next_after=page.next_after,
        after=after,
        title=_("Team queue"),
        queue=True,
        state=state,
        department=department,
        scope=scope,
        **_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.CASES_WORK)
def new() -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, arg_id("customer") or 0)
    interaction = None
    if interaction_id := arg_id("interaction"):
        interaction = db.session.get(Interaction, interaction_id)
        if interaction is None or interaction.customer_id != customer.id:
            abort(404)
    form = CaseForm()
    form.assignee_id.choices = _assignees(_("Nobody yet"))
    if request.method == "GET":
        form.assignee_id.data = str(actor.id)
        if interaction is not None:
            form.subject.data = interaction.summary
            form.category.data = (
                interaction.category if interaction.category != "callback" else "inquiry"
            )
    if form.validate_on_submit():
        try:
            case = services.open_case(
                actor=actor,
                customer=customer,
                subject=form.subject.data,
                category=form.category.data,
                priority=form.priority.data,
                description=form.description.data,
                assignee=db.session.get(User, int(form.assignee_id.data))
                if form.assignee_id.data
                else None,
                interaction=interaction,
                channel=form.channel.data,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Case #%(id)d opened.", id=case.id), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "cases/form.html", form=form, customer=customer, from_interaction=interaction is not None
    ), status


@bp.get("/<int:case_id>")
@permission_required(Permission.CASES_WORK)
def show(case_id: int) -> str:
    return render_case(case_for(signed_in_user(), case_id))


def render_case(
    case: Case, *, message_form: MessageForm | None = None, message_kind: str = "reply"
) -> str:
    """The case page; a reply or note the rules refused comes back in its box, as typed."""
    actor = signed_in_user()
    transfer_form = TransferForm(
        formdata=None, department=case.department, assignee_id=str(case.assignee_id or "")
    )
    transfer_form.assignee_id.choices = _assignees(_("Nobody yet"))
    closure_form = ClosureForm(
        formdata=None,
        root_cause=case.root_cause,
        corrective_action=case.corrective_action,
        confirmation_method=case.confirmation_method,
        confirmed_by=case.confirmed_by,
        confirmed_at=local_now(),
    )
    return render_template(
        "cases/show.html",
        case=case,
        may_change=may_change_case(actor, case),
        survey=db.session.scalar(select(Survey).where(Survey.case_id == case.id)),
        sla=sla_state(case, utcnow()),
        items=thread.thread(case),
        mails=thread.mail_states(case),
        reply_to=thread.reply_address(case),
        templates=thread.active_templates(),
        candidates=linking.candidates(case) if case.customer_id is None else [],
        message_form=message_form or MessageForm(formdata=None),
        message_kind=message_kind,
        attachment_limit=megabytes(current_app.config["ATTACHMENT_MAX_BYTES"]),
        next_statuses=sorted(
            services.TRANSITIONS[CaseStatus(case.status)], key=list(CaseStatus).index
        ),
        transfer_form=transfer_form,
        closure_form=closure_form,
        **_labels(),
    )


@bp.post("/<int:case_id>/status")
@permission_required(Permission.CASES_WORK)
def change_status(case_id: int) -> BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    status = request.form.get("status", "")
    if status not in {s.value for s in CaseStatus}:
        abort(400)
    try:
        services.change_status(
            actor=actor, case=case, status=status, now=utcnow(), note=request.form.get("note")
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Status: %(status)s.", status=STATUS_LABELS[CaseStatus(case.status)]), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/<int:case_id>/transfer")
@permission_required(Permission.CASES_WORK)
def transfer(case_id: int) -> BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    form = TransferForm()
    form.assignee_id.choices = _assignees("")
    if form.validate_on_submit():
        try:
            services.transfer(
                actor=actor,
                case=case,
                department=form.department.data,
                assignee=db.session.get(User, int(form.assignee_id.data))
                if form.assignee_id.data
                else None,
                note=form.note.data,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Case transferred."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/<int:case_id>/closure")
@permission_required(Permission.CASES_WORK)
def closure(case_id: int) -> BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            record_complaint_closure(
                actor=actor,
                case=case,
                root_cause=form.root_cause.data,
                corrective_action=form.corrective_action.data,
                confirmation_method=form.confirmation_method.data,
                confirmed_by=form.confirmed_by.data,
                confirmed_at=local_to_utc(form.confirmed_at.data),
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Closing records saved; the complaint can be closed."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("cases.show", case_id=case.id))

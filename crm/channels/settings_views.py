"""Supervisors' settings of the conversation: reply templates, and how each department's new
cases are handed out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.cases.models import DEPARTMENT_LABELS, Department
from crm.cases.routing import routing_settings, set_routing
from crm.cases.routing_models import MODE_LABELS
from crm.channels.forms import ReplyTemplateForm
from crm.channels.models import ReplyTemplate
from crm.channels.reply_templates import save_template
from crm.core.ids import parse_id
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _

bp = Blueprint("case_settings", __name__, url_prefix="/cases/settings")


@bp.get("/templates")
@permission_required(Permission.CASES_SUPERVISE)
def templates() -> str:
    rows = db.session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.name)).all()
    return render_template("channels/templates.html", rows=rows)


@bp.route("/templates/new", methods=["GET", "POST"])
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@permission_required(Permission.CASES_SUPERVISE)
def edit_template(template_id: int | None = None) -> str | tuple[str, int] | BaseResponse:
    template = None
    if template_id is not None:
        template = db.session.get(ReplyTemplate, template_id)
        if template is None:
            abort(404)
    form = ReplyTemplateForm(obj=template)
    if form.validate_on_submit():
        try:
            save_template(
                actor=signed_in_user(),
                template=template,
                name=form.name.data,
                body=form.body.data,
                active=form.active.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Template saved."), "success")
            return redirect(url_for("case_settings.templates"))
    status = 400 if form.is_submitted() else 200
    return render_template("channels/template_form.html", form=form, template=template), status


@bp.get("/routing")
@permission_required(Permission.CASES_SUPERVISE)
def routing() -> str:
    return render_template(
        "channels/routing.html",
        settings=routing_settings(),
        agents=active_agents(),
        department_labels=DEPARTMENT_LABELS,
        mode_labels=MODE_LABELS,
    )


@bp.post("/routing/<department>")
@permission_required(Permission.CASES_SUPERVISE)
def save_routing(department: str) -> BaseResponse:
    if department not in {d.value for d in Department}:
        abort(404)
    agent_ids = {parse_id(raw) for raw in request.form.getlist("agent_id")} - {None}
    try:
        set_routing(
            actor=signed_in_user(),
            department=department,
            mode=request.form.get("mode", ""),
            agent_ids=agent_ids,
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(
            _("Routing of %(department)s saved.", department=DEPARTMENT_LABELS[department]),
            "success",
        )
    return redirect(url_for("case_settings.routing"))

"""The contingency page: the switch (admins), the incident in force and the log."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.models import DEPARTMENT_LABELS
from crm.contingency import services
from crm.contingency.forms import EndForm, StartForm, UpdateForm
from crm.contingency.queries import active_incident, incidents_with_log
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import Form, apply_domain_error
from crm.i18n import gettext as _
from crm.teams.duty import call_in_list

bp = Blueprint("contingency", __name__, url_prefix="/contingency")
#: incidents listed with their logs, newest first
HISTORY_SIZE = 20


def _page(form: Form | None = None, status: int = 200) -> tuple[str, int]:
    """The page, with ``form`` (as posted, with its errors) in place of its blank twin."""
    forms = {
        "start_form": StartForm(formdata=None),
        "end_form": EndForm(formdata=None),
        "update_form": UpdateForm(formdata=None),
    }
    forms.update({name: form for name, blank in forms.items() if type(blank) is type(form)})
    html = render_template(
        "contingency/index.html",
        incident=active_incident(),
        incidents=incidents_with_log(HISTORY_SIZE),
        call_in=call_in_list(utcnow()),
        department_labels=DEPARTMENT_LABELS,
        **forms,
    )
    return html, status


def _submit(
    form: Form, action: Callable[[Form], object], success: str
) -> tuple[str, int] | BaseResponse:
    """Run ``action`` on a valid form and commit, or show the page again with the errors."""
    if form.validate_on_submit():
        try:
            action(form)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("contingency.index"))
    return _page(form, status=400)


@bp.get("/")
@permission_required(Permission.CONTINGENCY_VIEW)
def index() -> tuple[str, int]:
    return _page()


@bp.post("/start")
@permission_required(Permission.CONTINGENCY_MANAGE)
def start() -> tuple[str, int] | BaseResponse:
    return _submit(
        StartForm(),
        lambda form: services.start_incident(
            actor=signed_in_user(), reason=form.reason.data, now=utcnow()
        ),
        _("Contingency mode is on: every user sees the banner and SLA clocks are stopped."),
    )


@bp.post("/end")
@permission_required(Permission.CONTINGENCY_MANAGE)
def end() -> tuple[str, int] | BaseResponse:
    return _submit(
        EndForm(),
        lambda form: services.end_incident(
            actor=signed_in_user(), note=form.note.data, now=utcnow()
        ),
        _("Contingency mode is off: SLA clocks run again, due times moved on by the pause."),
    )


@bp.post("/updates")
@permission_required(Permission.CONTINGENCY_VIEW)
def add_update() -> tuple[str, int] | BaseResponse:
    return _submit(
        UpdateForm(),
        lambda form: services.log_update(actor=signed_in_user(), body=form.body.data, now=utcnow()),
        _("Update added to the incident log."),
    )

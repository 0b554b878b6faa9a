"""List tools: saved filters and exports."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.audit.services import AuditAction, record
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.customers import saved_filters
from crm.customers.blueprint import bp
from crm.customers.forms import SavedFilterForm
from crm.customers.queries import DEFAULT_SORT, CustomerFilters, export_rows
from crm.errors import DomainError
from crm.exports import csv_response, xlsx_response
from crm.extensions import db
from crm.forms import flash_form_errors
from crm.i18n import gettext as _
from crm.timezones import local_now


@bp.post("/saved-filters")
@permission_required(Permission.CUSTOMERS_VIEW)
def save_filter() -> BaseResponse:
    form = SavedFilterForm()
    params = dict(parse_qsl(form.params.data or "", keep_blank_values=False))
    if form.validate_on_submit():
        try:
            saved_filters.save_filter(actor=signed_in_user(), name=form.name.data, params=params)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Filter saved."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("customers.index", **params))


@bp.post("/saved-filters/<int:filter_id>/delete")
@permission_required(Permission.CUSTOMERS_VIEW)
def delete_saved_filter(filter_id: int) -> BaseResponse:
    if not saved_filters.delete_filter(actor=signed_in_user(), filter_id=filter_id):
        abort(404)
    db.session.commit()
    flash(_("Filter deleted."), "success")
    return redirect(url_for("customers.index"))


EXPORT_FORMATS = {"csv": csv_response, "xlsx": xlsx_response}


@bp.post("/export")
@permission_required(Permission.CUSTOMERS_EXPORT)
def export() -> BaseResponse:
    """The filtered list as CSV or XLSX; a POST because every export is written to the audit
    log (personal data leaving the system)."""
    actor = signed_in_user()
    writer = EXPORT_FORMATS.get(request.form.get("format", ""))
    if writer is None:
        abort(400)
    shown = dict(parse_qsl(request.form.get("params", "")))
    filters = CustomerFilters.from_args(shown)
    filters.deleted = False
    sort = shown.get("sort", DEFAULT_SORT)
    header, rows, count = export_rows(filters, sort=sort)
    record(
        action=AuditAction.CUSTOMERS_EXPORTED,
        actor=actor,
        details={
            "filters": filters.as_args(),
            "sort": sort[:30],
            "rows": count,
            "format": request.form["format"],
        },
    )
    db.session.commit()
    stamp = local_now().strftime("%Y%m%d-%H%M")
    basename = _("customers")
    return writer(f"{basename}-{stamp}.{request.form['format']}", header, rows)

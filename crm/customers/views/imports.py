"""Import pages: upload, map columns and dry run, commit, undo."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.core.limits import megabytes
from crm.customers import imports
from crm.customers.models import ImportBatch, ImportMode, ImportStatus
from crm.errors import DomainError
from crm.exports import csv_response
from crm.extensions import db
from crm.i18n import gettext as _

bp = Blueprint("imports", __name__, url_prefix="/customers/import")
REPORT_LIMIT = 1000


def batch_or_404(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def _redirect(target: str) -> BaseResponse:
    """A redirect that htmx (which uploads with a progress bar) follows as a page load."""
    response = redirect(target)
    if request.headers.get("HX-Request"):
        response.status_code = 204
        response.headers["HX-Redirect"] = target
    return response


@bp.get("/")
@permission_required(Permission.CUSTOMERS_MANAGE)
def upload() -> str:
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20))
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    return render_template(
        "customers/import_upload.html",
        batches=list(batches),
        max_bytes=max_bytes,
        upload_limit=megabytes(max_bytes),
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
    )


@bp.post("/")
@permission_required(Permission.CUSTOMERS_MANAGE)
def receive() -> BaseResponse | tuple[str, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to upload."), "danger")
        return _redirect(url_for("imports.upload"))
    try:
        batch, _table = imports.start_import(
            actor=signed_in_user(), filename=upload.filename, data=upload.stream
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _redirect(url_for("imports.upload"))
    db.session.commit()
    return _redirect(url_for("imports.show", batch_id=batch.id))


def _render(batch: ImportBatch, plans: list[imports.RowPlan] | None = None, status: int = 200):  # noqa: ANN202
    table = imports.batch_table(batch) if batch.content is not None else None
    shown = None
    if plans is not None:
        rejected = [p for p in plans if p.action in ("reject", "conflict", "duplicate")]
        others = [p for p in plans if p.action in ("create", "update", "unchanged")][:100]
        shown = (rejected[:REPORT_LIMIT], others, len(rejected) > REPORT_LIMIT)
    html = render_template(
        "customers/import_batch.html",
        batch=batch,
        table=table,
        fields=imports.FIELDS,
        modes=list(ImportMode),
        report=shown,
        statuses=ImportStatus,
    )
    return html, status


@bp.get("/<int:batch_id>")
@permission_required(Permission.CUSTOMERS_MANAGE)
def show(batch_id: int) -> tuple[str, int]:
    return _render(batch_or_404(batch_id))


@bp.post("/<int:batch_id>/check")
@permission_required(Permission.CUSTOMERS_MANAGE)
def check(batch_id: int) -> tuple[str, int]:
    batch = batch_or_404(batch_id)
    mapping = {
        key.removeprefix("column-"): value
        for key, value in request.form.items()
        if key.startswith("column-") and value in imports.FIELDS
    }
    mode = request.form.get("mode", "")
    if mode not in {m.value for m in ImportMode}:
        mode = ImportMode.ALL_OR_NOTHING.value
    try:
        plans = imports.dry_run(actor=signed_in_user(), batch=batch, mapping=mapping, mode=mode)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _render(batch, status=400)
    db.session.commit()
    return _render(batch, plans)


@bp.get("/<int:batch_id>/report.csv")
@permission_required(Permission.CUSTOMERS_MANAGE)
def report(batch_id: int) -> BaseResponse:
    """The rows not applied (rejected, conflicts, duplicates in the file) with their line and
    reason, as a CSV whose cells cannot run as formulas."""
    batch = batch_or_404(batch_id)
    outcomes = {
        "reject": _("Rejected"),
        "conflict": _("Conflict"),
        "duplicate": _("Duplicate in the file"),
    }
    rows = (
        [
            row["line"],
            outcomes.get(row["action"], row["action"]),
            row["name"],
            row["reason"],
            row["message"],
            row["customer_id"],
        ]
        for row in imports.report_rows(batch)
    )
    header = [_("Line"), _("Outcome"), _("Name"), _("Reason"), _("Why"), _("Customer")]
    return csv_response(f"import-{batch.id}-report.csv", header, rows)


@bp.post("/<int:batch_id>/commit")
@permission_required(Permission.CUSTOMERS_MANAGE)
def commit(batch_id: int) -> BaseResponse:
    batch = batch_or_404(batch_id)
    try:
        imports.commit_import(actor=signed_in_user(), batch=batch)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(
            _(
                "Imported: %(created)d new customers, %(updated)d updated.",
                created=batch.created_count,
                updated=batch.updated_count,
            ),
            "success",
        )
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.post("/<int:batch_id>/undo")
@permission_required(Permission.CUSTOMERS_MANAGE)
def undo(batch_id: int) -> BaseResponse:
    batch = batch_or_404(batch_id)
    try:
        result = imports.undo_import(actor=signed_in_user(), batch=batch)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(
            _(
                "Import undone: %(deleted)d new customers deleted, %(restored)d restored, "
                "%(skipped)d edited since and left as they are.",
                deleted=result["deleted"],
                restored=result["restored"],
                skipped=len(result["refused"]),
            ),
            "success",
        )
    return redirect(url_for("imports.show", batch_id=batch.id))

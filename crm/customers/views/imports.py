"""Import pages: upload, map columns (or a saved template), dry run, commit, undo.

The pages queue the dry run, the commit and the undo as background jobs and poll their progress
(htmx); the web worker never plans or commits a file itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.core.ids import parse_id
from crm.core.limits import megabytes
from crm.customers import import_jobs, imports
from crm.customers.import_models import (
    ImportBatch,
    ImportMode,
    ImportRow,
    ImportStatus,
    ImportTemplate,
)
from crm.customers.import_store import has_file
from crm.database import utcnow
from crm.errors import DomainError
from crm.exports import csv_response
from crm.extensions import db
from crm.i18n import current_language
from crm.i18n import gettext as _
from crm.jobs.models import BackgroundJob
from crm.pagination import Page

bp = Blueprint("imports", __name__, url_prefix="/customers/import")
#: the outcomes the dry run's preview lists, in this order
OUTCOMES = ("create", "update", "unchanged", "duplicate", "conflict", "reject")
PER_PAGE = 50


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


def _templates() -> list[ImportTemplate]:
    return list(db.session.scalars(select(ImportTemplate).order_by(ImportTemplate.name)))


@bp.get("/")
@permission_required(Permission.CUSTOMERS_MANAGE)
def upload() -> str:
    batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20))
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    return render_template(
        "customers/import_upload.html",
        batches=list(batches),
        templates=_templates(),
        max_bytes=max_bytes,
        upload_limit=megabytes(max_bytes),
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
    )


@bp.post("/")
@permission_required(Permission.CUSTOMERS_MANAGE)
def receive() -> BaseResponse:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to upload."), "danger")
        return _redirect(url_for("imports.upload"))
    template_id = parse_id(request.form.get("template", ""))
    template = db.session.get(ImportTemplate, template_id) if template_id else None
    try:
        batch, _table = imports.start_import(
            actor=signed_in_user(), filename=upload.filename, data=upload.stream, template=template
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _redirect(url_for("imports.upload"))
    db.session.commit()
    return _redirect(url_for("imports.show", batch_id=batch.id))


def _outcome_page(batch: ImportBatch, outcome: str, page_number: int) -> Page[Any]:
    rows = ImportRow.__table__
    where = (rows.c.batch_id == batch.id, rows.c.action == outcome)
    total = db.session.scalar(select(func.count()).select_from(rows).where(*where)) or 0
    page_number = max(1, min(page_number, max(1, -(-total // PER_PAGE))))
    items = db.session.execute(
        select(rows)
        .where(*where)
        .order_by(rows.c.line)
        .limit(PER_PAGE)
        .offset((page_number - 1) * PER_PAGE)
    ).all()
    return Page(items, page_number, PER_PAGE, total, "", {"batch_id": batch.id, "outcome": outcome})


def _render(batch: ImportBatch, status: int = 200) -> tuple[str, int]:
    busy = batch.job is not None and batch.job.is_open
    table = None
    # Once a commit has begun (even one that failed part-way) the mapping is fixed.
    if not busy and not batch.committed_through and has_file(batch):
        table = imports.batch_table(batch)
    outcome = request.args.get("outcome", "")
    if outcome not in OUTCOMES:
        counts = batch.summary or {}
        keys = {"create": "new", "update": "updated", "unchanged": "unchanged"}
        keys |= {"duplicate": "duplicates_in_file", "conflict": "conflicts", "reject": "rejected"}
        # Open on what needs a person first: rejected rows, conflicts, then the rest.
        outcome = next((o for o in reversed(OUTCOMES) if counts.get(keys[o])), "create")
    preview = None
    if batch.status in (ImportStatus.CHECKED, ImportStatus.COMMITTED) and not busy:
        preview = _outcome_page(batch, outcome, request.args.get("page", 1, type=int))
    html = render_template(
        "customers/import_batch.html",
        batch=batch,
        job=batch.job,
        busy=busy,
        table=table,
        templates=_templates(),
        fields=imports.FIELDS,
        modes=list(ImportMode),
        outcomes=OUTCOMES,
        outcome=outcome,
        preview=preview,
        pace=_pace(batch.job) if busy else None,
        statuses=ImportStatus,
    )
    return html, status


@bp.get("/<int:batch_id>")
@permission_required(Permission.CUSTOMERS_MANAGE)
def show(batch_id: int) -> tuple[str, int]:
    return _render(batch_or_404(batch_id))


def _pace(job: BackgroundJob) -> dict[str, Any]:
    """Rows per second and the time left, humanised in the reader's language."""
    elapsed = ((job.heartbeat_at or utcnow()) - (job.started_at or utcnow())).total_seconds()
    rate = job.done / elapsed if elapsed > 0 and job.done else 0.0
    left = (job.total - job.done) / rate if rate else None
    locale = current_language().locale
    return {
        "percent": int(100 * job.done / job.total) if job.total else 0,
        "rate": round(rate),
        "eta": None
        if left is None
        else format_timedelta(timedelta(seconds=left), threshold=1.5, locale=locale),
    }


@bp.get("/<int:batch_id>/progress")
@permission_required(Permission.CUSTOMERS_MANAGE)
def progress(batch_id: int) -> BaseResponse | str:
    """The job's progress for the page's polling; once the job ends, the page reloads."""
    batch = batch_or_404(batch_id)
    if batch.job is None or not batch.job.is_open:
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
        return response
    return render_template(
        "customers/_import_progress.html", batch=batch, job=batch.job, pace=_pace(batch.job)
    )


def _mapping_from_form() -> dict[str, str]:
    return {
        key.removeprefix("column-"): value
        for key, value in request.form.items()
        if key.startswith("column-") and value in imports.FIELDS
    }


@bp.post("/<int:batch_id>/check")
@permission_required(Permission.CUSTOMERS_MANAGE)
def check(batch_id: int) -> BaseResponse | tuple[str, int]:
    batch = batch_or_404(batch_id)
    mapping = _mapping_from_form()
    mode = request.form.get("mode", "")
    if mode not in {m.value for m in ImportMode}:
        mode = ImportMode.ALL_OR_NOTHING.value
    actor = signed_in_user()
    try:
        if request.form.get("template_name", "").strip():
            imports.save_template(
                actor=actor,
                name=request.form["template_name"],
                source=request.form.get("template_source", ""),
                header=imports.batch_table(batch).header,
                mapping=mapping,
            )
        import_jobs.queue_check(actor=actor, batch=batch, mapping=mapping, mode=mode)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _render(batch, status=400)
    db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))


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
            row.line,
            outcomes.get(row.action, row.action),
            row.name,
            row.reason,
            row.message,
            row.customer_id,
        ]
        for row in stream_with_context(imports.report_rows(batch))
    )
    header = [_("Line"), _("Outcome"), _("Name"), _("Reason"), _("Why"), _("Customer")]
    return csv_response(f"import-{batch.id}-report.csv", header, rows)


@bp.post("/<int:batch_id>/commit")
@permission_required(Permission.CUSTOMERS_MANAGE)
def commit(batch_id: int) -> BaseResponse:
    batch = batch_or_404(batch_id)
    try:
        import_jobs.queue_commit(actor=signed_in_user(), batch=batch)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.post("/<int:batch_id>/undo")
@permission_required(Permission.CUSTOMERS_MANAGE)
def undo(batch_id: int) -> BaseResponse:
    batch = batch_or_404(batch_id)
    try:
        import_jobs.queue_undo(actor=signed_in_user(), batch=batch)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))

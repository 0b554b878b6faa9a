"""One training session: its attendance and results grids, results from a file or a paste, its
marks."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.access import may_change_training_result
from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.core.ids import parse_id
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import flash_form_errors
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.timezones import department_today
from crm.training import attendance as attendance_rules
from crm.training import queries, services
from crm.training.forms import MarksForm
from crm.training.models import (
    ATTENDANCE_LABELS,
    KIND_LABELS,
    Attendance,
    ExamAttempt,
    TrainingSession,
)
from crm.training.paste import preview_paste
from crm.training.results_import import read_results
from crm.training.views.blueprint import bp, target


def _session_or_404(session_id: int) -> TrainingSession:
    return db.session.get(TrainingSession, session_id) or abort(404)


def _owns(actor: User, session: TrainingSession) -> bool:
    return may_change_training_result(actor, session)


def _owned_session(session_id: int) -> TrainingSession:
    """The session if the signed-in trainer runs it (or is an administrator), else 403."""
    session = _session_or_404(session_id)
    if not _owns(signed_in_user(), session):
        abort(403)
    return session


def _exam_day(session: TrainingSession) -> date:
    """The day results are dated by default: the session's own day, so that results typed in
    later for a past session are not dated the day they were typed; today for one ahead."""
    today = department_today(utcnow())
    return min(today, department_today(session.starts_at))


def _render_session(
    session: TrainingSession,
    *,
    row_errors: dict[int, str] | None = None,
    typed: dict | None = None,
    import_report: list | None = None,
    status: int = 200,
) -> tuple[str, int]:
    attempts: dict[int, list[ExamAttempt]] = {}
    for attempt in db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.session_id == session.id)
        .order_by(ExamAttempt.attempt_no)
    ):
        attempts.setdefault(attempt.user_id, []).append(attempt)
    actor = signed_in_user()
    invited = {p.user_id for p in session.participants}
    strays = [uid for uid in (row_errors or {}) if uid not in invited]
    names = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(strays))).all()
    )
    html = render_template(
        "training/session.html",
        stray_errors=[(names.get(uid, f"#{uid}"), row_errors[uid]) for uid in strays],
        import_report=import_report,
        session=session,
        participants=sorted(session.participants, key=lambda p: p.user.display_name),
        attempts=attempts,
        rates=queries.rates_for([session.id]),
        month_rates=queries.rates_for([s.id for s in queries.sessions_in(session.month)]),
        target=target(),
        can_edit=_owns(actor, session),
        row_errors=row_errors or {},
        typed=typed or {},
        attendance_labels=ATTENDANCE_LABELS,
        kind_labels=KIND_LABELS,
        marks_form=MarksForm(
            formdata=None, max_score=session.max_score, pass_mark=session.pass_mark
        ),
        exam_day=_exam_day(session),
        max_attempts=current_app.config["TRAINING_MAX_ATTEMPTS"],
    )
    return html, status


@bp.get("/sessions/<int:session_id>")
@permission_required(Permission.TRAINING_VIEW)
def session(session_id: int) -> tuple[str, int]:
    return _render_session(_session_or_404(session_id))


@bp.post("/sessions/<int:session_id>/attendance")
@permission_required(Permission.TRAINING_MANAGE)
def attendance(session_id: int) -> tuple[str, int] | BaseResponse:
    session = _owned_session(session_id)
    marks = {
        p.user_id: (
            request.form.get(f"attendance-{p.user_id}", Attendance.INVITED.value),
            request.form.get(f"reason-{p.user_id}"),
        )
        for p in session.participants
    }
    try:
        attendance_rules.record_attendance(actor=signed_in_user(), session=session, marks=marks)
    except services.RowErrors as refused:
        db.session.rollback()
        flash(refused.message, "danger")
        return _render_session(session, row_errors=refused.errors, status=400)
    except DomainError as error:
        db.session.rollback()
        abort(403) if error.__class__.__name__ == "PermissionDenied" else flash(
            error.message, "danger"
        )
    db.session.commit()
    flash(_("Attendance saved."), "success")
    return redirect(url_for("training.session", session_id=session.id) + "#attendance")


@bp.post("/sessions/<int:session_id>/attendance/all-present")
@permission_required(Permission.TRAINING_MANAGE)
def all_present(session_id: int) -> BaseResponse:
    session = _owned_session(session_id)
    marked = attendance_rules.mark_all_present(actor=signed_in_user(), session=session)
    db.session.commit()
    flash(
        ngettext("%(num)d person marked present.", "%(num)d people marked present.", marked),
        "success",
    )
    # On to the scores, the cursor in the first one: the next thing a trainer does.
    return redirect(url_for("training.session", session_id=session.id, focus="results"))


@bp.post("/sessions/<int:session_id>/results")
@permission_required(Permission.TRAINING_MANAGE)
def results(session_id: int) -> tuple[str, int] | BaseResponse:
    session = _owned_session(session_id)
    try:
        taken_on = date.fromisoformat(request.form.get("taken_on", ""))
    except ValueError:
        taken_on = _exam_day(session)
    typed = {
        p.user_id: (request.form.get(f"score-{p.user_id}") or "").strip()
        for p in session.participants
    }
    extra = {
        user_id: value.strip()
        for key, value in request.form.items()
        if key.startswith("score-")
        and (user_id := parse_id(key.removeprefix("score-"))) is not None
        and user_id not in typed
        and value.strip()
    }
    entries = [
        services.ScoreEntry(user_id, value, taken_on)
        for user_id, value in {**typed, **extra}.items()
        if value
    ]
    if not entries:
        flash(_("Type at least one score."), "warning")
        return redirect(url_for("training.session", session_id=session.id) + "#results")
    try:
        services.record_scores(actor=signed_in_user(), session=session, entries=entries)
    except services.RowErrors as refused:
        db.session.rollback()
        flash(refused.message, "danger")
        return _render_session(session, row_errors=refused.errors, typed=typed, status=400)
    db.session.commit()
    flash(ngettext("%(num)d result saved.", "%(num)d results saved.", len(entries)), "success")
    return redirect(url_for("training.session", session_id=session.id) + "#results")


@bp.post("/sessions/<int:session_id>/results/import")
@permission_required(Permission.TRAINING_MANAGE)
def import_results(session_id: int) -> tuple[str, int] | BaseResponse:
    """The dry run of a results file: the grid comes back filled in, with each line's problem;
    the trainer saves it as usual (all rows or none)."""
    session = _owned_session(session_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to upload."), "danger")
        return redirect(url_for("training.session", session_id=session.id) + "#results")
    try:
        lines = read_results(
            session,
            filename=upload.filename,
            data=upload.read(),
            taken_on=_exam_day(session),
        )
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("training.session", session_id=session.id) + "#results")
    problems = [line for line in lines if line.message]
    flash(
        _("Dry run: nothing is saved yet. Check the scores below, then save them.")
        if not problems
        else ngettext(
            "Dry run: %(num)d line has problems; nothing is saved.",
            "Dry run: %(num)d lines have problems; nothing is saved.",
            len(problems),
        ),
        "warning" if problems else "info",
    )
    typed = {line.user_id: line.score for line in lines if line.user_id}
    return _render_session(
        session, typed=typed, import_report=lines, status=400 if problems else 200
    )


@bp.post("/sessions/<int:session_id>/results/paste")
@permission_required(Permission.TRAINING_MANAGE)
def paste_results(session_id: int) -> tuple[str, int]:
    """The preview of a paste into the grid (called by score-grid.js): who gets which score,
    or why the paste is refused. Nothing is saved."""
    session = _owned_session(session_id)
    preview = preview_paste(session, request.form.get("text", ""), taken_on=_exam_day(session))
    html = render_template("training/_paste_preview.html", preview=preview)
    return html, 422 if preview.error else 200


@bp.post("/sessions/<int:session_id>/marks")
@permission_required(Permission.TRAINING_MANAGE)
def marks(session_id: int) -> BaseResponse:
    session = _owned_session(session_id)
    form = MarksForm()
    if form.validate_on_submit():
        try:
            services.change_exam_marks(
                actor=signed_in_user(),
                session=session,
                max_score=form.max_score.data,
                pass_mark=form.pass_mark.data,
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("The new marks apply to results entered from now on."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("training.session", session_id=session.id))

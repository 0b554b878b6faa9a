"""Training pages: the trainers' overview, sessions with their grids, topics, records."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.access import may_change_training_result
from crm.auth.models import User, UserRole
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.core.ids import parse_id
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error, flash_form_errors
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.timezones import department_today, local_now, local_to_utc, month_from_arg
from crm.training import queries, services
from crm.training.forms import MarksForm, SessionForm, TopicForm
from crm.training.models import (
    ATTENDANCE_LABELS,
    KIND_LABELS,
    Attendance,
    ExamAttempt,
    TrainingSession,
    TrainingTopic,
)
from crm.training.paste import preview_paste
from crm.training.queue import assigned_queue
from crm.training.results_import import read_results

bp = Blueprint("training", __name__, url_prefix="/training")


def _target() -> float:
    return current_app.config["TRAINING_PASS_TARGET"]


@bp.get("/")
@permission_required(Permission.TRAINING_VIEW)
def overview() -> str:
    month = month_from_arg(request.args.get("month"), utcnow(), closed=True)
    sessions = queries.sessions_in(month)
    return render_template(
        "training/overview.html",
        month=month,
        sessions=[(s, queries.rates_for([s.id])) for s in sessions],
        month_rates=queries.rates_for([s.id for s in sessions]),
        breakdowns={
            "kind": queries.breakdown(sessions, "kind"),
            "topic": queries.breakdown(sessions, "topic"),
            "trainer": queries.breakdown(sessions, "trainer"),
        },
        trend=queries.trend(month),
        target=_target(),
        kind_labels=KIND_LABELS,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required(Permission.TRAINING_MANAGE)
def new_session() -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    form = SessionForm()
    trainers = [SelectChoice(str(uid), name) for uid, name in active_agents(Role.TRAINER)]
    form.trainer_id.choices = trainers or [SelectChoice(str(actor.id), actor.display_name)]
    topics = list(db.session.scalars(select(TrainingTopic).where(TrainingTopic.active.is_(True))))
    form.topics.choices = [SelectChoice(t.id, t.name) for t in topics]
    form.invited.choices = [SelectChoice(uid, name) for uid, name in active_agents()]
    if request.method == "GET":
        form.trainer_id.data = str(actor.id)
        form.starts_at.data = local_now()
        form.month.data = local_now().strftime("%Y-%m")
        # "Plan a session for these people", from the queue of QA's assignments.
        topic = request.args.get("topic", type=int)
        if topic in {t.id for t in topics}:
            form.topics.data = [topic]
            form.title.data = next(t.name for t in topics if t.id == topic)
            form.invited.data = request.args.getlist("invite", type=int)
    if form.validate_on_submit():
        try:
            month = datetime.strptime(form.month.data, "%Y-%m").date()
        except ValueError:
            form.month.errors = [_("Choose the month.")]
        else:
            try:
                session = services.create_session(
                    actor=actor,
                    title=form.title.data,
                    kind=form.kind.data,
                    trainer=db.session.get(User, int(form.trainer_id.data)),
                    starts_at=local_to_utc(form.starts_at.data),
                    duration_minutes=form.duration_minutes.data,
                    location=form.location.data,
                    month=month,
                    topics=[t for t in topics if t.id in form.topics.data],
                    invited=db.session.scalars(select(User).where(User.id.in_(form.invited.data))),
                    max_score=form.max_score.data,
                    pass_mark=form.pass_mark.data,
                )
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("Session planned."), "success")
                return redirect(url_for("training.session", session_id=session.id))
    status = 400 if form.is_submitted() else 200
    return render_template("training/session_form.html", form=form), status


@bp.get("/queue")
@permission_required(Permission.TRAINING_MANAGE)
def queue() -> str:
    """Who QA assigned to each topic and no session covers yet."""
    return render_template("training/queue.html", queue=assigned_queue())


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
        target=_target(),
        can_edit=_owns(actor, session),
        row_errors=row_errors or {},
        typed=typed or {},
        attendance_labels=ATTENDANCE_LABELS,
        kind_labels=KIND_LABELS,
        marks_form=MarksForm(
            formdata=None, max_score=session.max_score, pass_mark=session.pass_mark
        ),
        today=department_today(utcnow()),
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
        services.record_attendance(actor=signed_in_user(), session=session, marks=marks)
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


@bp.post("/sessions/<int:session_id>/results")
@permission_required(Permission.TRAINING_MANAGE)
def results(session_id: int) -> tuple[str, int] | BaseResponse:
    session = _owned_session(session_id)
    try:
        taken_on = date.fromisoformat(request.form.get("taken_on", ""))
    except ValueError:
        taken_on = department_today(utcnow())
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
            taken_on=department_today(utcnow()),
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
    preview = preview_paste(
        session, request.form.get("text", ""), taken_on=department_today(utcnow())
    )
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


@bp.route("/topics", methods=["GET", "POST"])
@permission_required(Permission.TRAINING_MANAGE)
def topics() -> str | tuple[str, int] | BaseResponse:
    form = TopicForm()
    if form.validate_on_submit():
        try:
            services.add_topic(actor=signed_in_user(), name=form.name.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Topic added."), "success")
            return redirect(url_for("training.topics"))
    listed = db.session.scalars(
        select(TrainingTopic).order_by(TrainingTopic.active.desc(), TrainingTopic.name)
    )
    status = 400 if form.is_submitted() else 200
    return render_template("training/topics.html", form=form, topics=list(listed)), status


@bp.post("/topics/<int:topic_id>/active")
@permission_required(Permission.TRAINING_MANAGE)
def topic_active(topic_id: int) -> BaseResponse:
    topic = db.session.get(TrainingTopic, topic_id) or abort(404)
    services.set_topic_active(
        actor=signed_in_user(), topic=topic, active=request.form.get("active") == "1"
    )
    db.session.commit()
    return redirect(url_for("training.topics"))


def _render_record(user: User) -> str:
    return render_template(
        "training/record.html",
        person=user,
        record=queries.training_record(user),
        certificate=queries.latest_certificate(user.id),
        attendance_labels=ATTENDANCE_LABELS,
        max_attempts=current_app.config["TRAINING_MAX_ATTEMPTS"],
    )


@bp.get("/me")
@login_required
def my_record() -> str:
    return _render_record(signed_in_user())


@bp.get("/people/<int:user_id>")
@permission_required(Permission.TRAINING_VIEW)
def record(user_id: int) -> str:
    return _render_record(db.session.get(User, user_id) or abort(404))


@bp.get("/certificates")
@permission_required(Permission.TRAINING_VIEW)
def certificates() -> str:
    agents = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.AGENT.value, User.active.is_(True))
            .order_by(User.display_name)
        )
    )
    overview = queries.certification_overview(
        agents, department_today(utcnow()), current_app.config["TRAINING_REMINDER_DAYS"]
    )
    return render_template("training/certificates.html", overview=overview)

"""Training pages: the trainers' overview, planning sessions, the queue of QA's assignments,
topics."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.auth.models import User
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.knowledge.links import material_for
from crm.timezones import local_now, local_to_utc, month_from_arg
from crm.training import queries, services
from crm.training.forms import SessionForm, TopicForm
from crm.training.models import (
    KIND_LABELS,
    TrainingTopic,
)
from crm.training.queue import assigned_queue
from crm.training.views.blueprint import bp, target


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
            "team": queries.by_team([s.id for s in sessions]),
        },
        trend=queries.trend(month),
        target=target(),
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
    listed = list(listed)
    material = material_for(t.id for t in listed)
    return render_template(
        "training/topics.html", form=form, topics=listed, material=material
    ), status


@bp.post("/topics/<int:topic_id>/active")
@permission_required(Permission.TRAINING_MANAGE)
def topic_active(topic_id: int) -> BaseResponse:
    topic = db.session.get(TrainingTopic, topic_id) or abort(404)
    services.set_topic_active(
        actor=signed_in_user(), topic=topic, active=request.form.get("active") == "1"
    )
    db.session.commit()
    return redirect(url_for("training.topics"))

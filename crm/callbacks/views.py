"""Callback pages: the agent's worklist, a task's actions and the supervisors' board (plans in
``plan_views``, bulk planning in ``bulk_views``)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.access import may_read_task
from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.callbacks import queries, services
from crm.callbacks.forms import (
    CompleteForm,
    ReassignForm,
    RescheduleForm,
    SkipForm,
)
from crm.callbacks.home import register_home_sections
from crm.callbacks.models import TASK_STATUS_LABELS, CallbackTask, TaskStatus
from crm.callbacks.providers import register_providers
from crm.core.ids import arg_id
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import flash_form_errors
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.teams.scope import DEPARTMENT, may_see_person, people_filter, scope_for
from crm.timezones import department_today, month_from_arg

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
bp.record_once(register_providers)
bp.record_once(register_home_sections)


def _today() -> date:
    return department_today(utcnow())


def _agent_choices(empty: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(str(uid), name) for uid, name in active_agents()]
    return ([SelectChoice("", empty)] if empty is not None else []) + choices


def task_for(actor: User, task_id: int) -> CallbackTask:
    """The task if the actor works it or plans callbacks for its assignee (a team leader: their
    team's, as on the board); 404 otherwise."""
    task = db.session.get(CallbackTask, task_id)
    if task is None or not may_read_task(actor, task):
        abort(404)
    if not may_see_person(actor, task.assignee_id):
        abort(404)
    return task


@bp.get("/")
@permission_required(Permission.CALLBACKS_WORK)
def worklist() -> str:
    today = _today()
    return render_template(
        "callbacks/worklist.html", worklist=queries.worklist(signed_in_user(), today), today=today
    )


@bp.get("/more")
@permission_required(Permission.CALLBACKS_WORK)
def worklist_more() -> str:
    """The next tasks of one section of the worklist, appended by htmx in place of its "More"
    button."""
    section = request.args.get("section", "")
    if section not in queries.SECTIONS:
        abort(404)
    today = _today()
    page = queries.worklist_section(
        signed_in_user(), today, section, after=request.args.get("after")
    )
    return render_template(
        "callbacks/_worklist_tasks.html", section=section, page=page, today=today
    )


@bp.get("/tasks/<int:task_id>")
@permission_required(Permission.CALLBACKS_WORK)
def task_actions(task_id: int) -> str:
    """Recording, rescheduling or skipping one call: fetched when the agent opens the task in
    the worklist, and a page of its own when followed as a link (scripts off)."""
    task = task_for(signed_in_user(), task_id)
    if request.headers.get("HX-Request"):
        return render_template("callbacks/_task_actions.html", task=task)
    return render_template("callbacks/task.html", task=task, today=_today())


def _back() -> BaseResponse:
    target = request.form.get("back", "")
    return redirect(target if target.startswith("/callbacks/") else url_for("callbacks.worklist"))


@bp.post("/tasks/<int:task_id>/complete")
@permission_required(Permission.CALLBACKS_WORK)
def complete(task_id: int) -> BaseResponse:
    actor = signed_in_user()
    task = task_for(actor, task_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back()
    try:
        retry = services.complete_task(
            actor=actor,
            task=task,
            reached=form.reached.data == "yes",
            notes=form.notes.data or "",
            satisfaction=form.satisfaction.data,
            today=_today(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back()
    db.session.commit()
    if retry is not None:
        flash(_("Not reached: another try is planned for %(date)s.", date=retry.due_date), "info")
    else:
        flash(_("Callback recorded on %(name)s's history.", name=task.customer.name), "success")
    return _back()


@bp.post("/tasks/<int:task_id>/skip")
@permission_required(Permission.CALLBACKS_WORK)
def skip(task_id: int) -> BaseResponse:
    actor = signed_in_user()
    task = task_for(actor, task_id)
    form = SkipForm()
    if form.validate_on_submit():
        try:
            services.skip_task(
                actor=actor, task=task, reason=form.reason.data, note=form.note.data or ""
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Callback skipped."), "info")
    else:
        flash_form_errors(form)
    return _back()


@bp.post("/tasks/<int:task_id>/reschedule")
@permission_required(Permission.CALLBACKS_WORK)
def reschedule(task_id: int) -> BaseResponse:
    actor = signed_in_user()
    task = task_for(actor, task_id)
    form = RescheduleForm()
    if form.validate_on_submit():
        try:
            services.reschedule_task(
                actor=actor,
                task=task,
                new_date=form.new_date.data,
                today=_today(),
                reason=form.reason.data,
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Callback moved to %(date)s.", date=form.new_date.data), "info")
    else:
        flash_form_errors(form)
    return _back()


@bp.get("/board")
@permission_required(Permission.CALLBACKS_PLAN)
def board() -> str:
    month = month_from_arg(request.args.get("month"), utcnow())
    agent_id = arg_id("agent")
    status = request.args.get("status") if request.args.get("status") in set(TaskStatus) else None
    form = ReassignForm(formdata=None)
    form.assignee_id.choices = _agent_choices()
    scope = scope_for(signed_in_user())
    return render_template(
        "callbacks/board.html",
        scope=scope,
        month=month,
        agent_id=agent_id,
        status=status,
        page=queries.board(
            month=month,
            agent_id=agent_id,
            status=status,
            page=request.args.get("page", 1, type=int),
            scope=scope,
        ),
        counts=queries.calendar_counts(month=month, agent_id=agent_id, scope=scope),
        figures=queries.agent_figures(month=month, today=_today(), scope=scope),
        agents=_agent_choices(),
        statuses=TASK_STATUS_LABELS,
        reassign_form=form,
        today=_today(),
    )


@bp.post("/board/reassign")
@permission_required(Permission.CALLBACKS_PLAN)
def reassign() -> BaseResponse:
    form = ReassignForm()
    form.assignee_id.choices = _agent_choices()
    if form.validate_on_submit():
        # A team leader moves only the callbacks of the people they may see (team scope).
        allowed = people_filter(scope_for(signed_in_user(), DEPARTMENT), CallbackTask.assignee_id)
        tasks = db.session.scalars(
            select(CallbackTask).where(CallbackTask.id.in_(form.task_ids.data or []), allowed)
        ).all()
        try:
            moved = services.reassign_tasks(
                actor=signed_in_user(),
                tasks=tasks,
                assignee=db.session.get(User, int(form.assignee_id.data)),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(
                ngettext("%(num)d callback reassigned.", "%(num)d callbacks reassigned.", moved),
                "success",
            )
    else:
        flash_form_errors(form)
    return redirect(request.form.get("back") or url_for("callbacks.board"))


# The plan pages and the bulk planning pages live in their own modules; importing them adds
# their routes to ``bp``.
from crm.callbacks import bulk_views, plan_views  # noqa: E402, F401

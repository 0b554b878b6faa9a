"""Team pages: the teams of the departments one manages, one team's members, and the switch
between one's teams and the whole department."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.models import DEPARTMENT_LABELS
from crm.cases.supervisors import supervisor_choices
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error, flash_form_errors
from crm.i18n import gettext as _
from crm.security import is_safe_next
from crm.teams import services
from crm.teams.forms import MembersForm, ScopeForm, TeamForm, TeamSettingsForm
from crm.teams.models import SHIFT_LABELS, RosterEntry, Team
from crm.teams.people import agent_choices, managed_departments
from crm.teams.scope import choose_scope
from crm.timezones import department_zone

bp = Blueprint("teams", __name__, url_prefix="/teams")


@bp.app_template_global()
def shift_label(shift: str) -> str:
    """A shift's name in the reader's language (早班, 休息 ...)."""
    return str(SHIFT_LABELS.get(shift, ""))


@bp.app_template_global()
def shift_span(entry: RosterEntry) -> str:
    """A roster row's hours in the department's zone, e.g. "16:00–00:00" ("" for a day off)."""
    if entry.starts_at is None or entry.ends_at is None:
        return ""
    zone = department_zone()
    return f"{entry.starts_at.astimezone(zone):%H:%M}–{entry.ends_at.astimezone(zone):%H:%M}"


def team_for(actor: User, team_id: int) -> Team:
    """The team if ``actor`` manages it, else 404 (another department's teams stay unseen)."""
    team = db.session.get(Team, team_id)
    if team is None or not services.may_manage_team(actor, team.department, team):
        abort(404)
    return team


def _team_form(actor: User, formdata: object = None, team: Team | None = None) -> TeamForm:
    """The new-team form, or with ``team`` the team's settings (with its QA quota)."""
    kind = TeamForm if team is None else TeamSettingsForm
    form = kind(formdata=formdata) if formdata is not None else kind(formdata=None)
    form.set_departments(managed_departments(actor))
    form.leader_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(str(uid), name) for uid, name in supervisor_choices()
    ]
    if team is not None and formdata is None:
        form.name.data, form.leader_id.data = team.name, str(team.leader_id)
        form.qa_quota.data = team.qa_quota
    return form


def _leader(form: TeamForm) -> User | None:
    return db.session.get(User, int(form.leader_id.data)) if form.leader_id.data else None


def _index(form: TeamForm, status: int = 200) -> tuple[str, int]:
    actor = signed_in_user()
    departments = managed_departments(actor)
    teams = [
        team
        for team in services.teams_in(departments or [""])
        if services.may_manage_team(actor, team.department, team)
    ]
    html = render_template(
        "teams/index.html",
        teams=teams,
        form=form,
        departments=departments,
        department_labels=DEPARTMENT_LABELS,
    )
    return html, status


@bp.get("/")
@permission_required(Permission.CASES_SUPERVISE)
def index() -> tuple[str, int]:
    return _index(_team_form(signed_in_user()))


@bp.post("/")
@permission_required(Permission.CASES_SUPERVISE)
def create() -> tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    form = _team_form(actor, request.form)
    if form.validate_on_submit():
        try:
            team = services.create_team(
                actor=actor,
                department=form.department.data,
                name=form.name.data,
                leader=_leader(form),
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Team %(name)s created.", name=team.name), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _index(form, 400)


def _show(
    team: Team, form: TeamForm, members_form: MembersForm, status: int = 200
) -> tuple[str, int]:
    html = render_template(
        "teams/show.html",
        team=team,
        form=form,
        members_form=members_form,
        department_labels=DEPARTMENT_LABELS,
    )
    return html, status


def _members_form(team: Team, formdata: object = None) -> MembersForm:
    form = MembersForm(formdata=formdata) if formdata is not None else MembersForm(formdata=None)
    current = {m.user_id for m in team.members}
    form.members.choices = [
        SelectChoice(uid, name) for uid, name in agent_choices() if uid not in current
    ]
    return form


@bp.get("/<int:team_id>")
@permission_required(Permission.CASES_SUPERVISE)
def show(team_id: int) -> tuple[str, int]:
    actor = signed_in_user()
    team = team_for(actor, team_id)
    return _show(team, _team_form(actor, team=team), _members_form(team))


@bp.post("/<int:team_id>")
@permission_required(Permission.CASES_SUPERVISE)
def update(team_id: int) -> tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    team = team_for(actor, team_id)
    form = _team_form(actor, request.form, team)
    form.department.validators = []
    form.department.choices = [SelectChoice(team.department, DEPARTMENT_LABELS[team.department])]
    form.department.data = team.department
    if form.validate_on_submit():
        try:
            services.update_team(
                actor=actor,
                team=team,
                name=form.name.data,
                leader=_leader(form),
                qa_quota=form.qa_quota.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Team saved."), "success")
            return redirect(url_for("teams.show", team_id=team.id))
    return _show(team, form, _members_form(team), 400)


def _save_members(actor: User, team: Team, user_ids: set[int], message: str) -> BaseResponse:
    try:
        services.set_members(actor=actor, team=team, user_ids=user_ids)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("teams.show", team_id=team.id))


@bp.post("/<int:team_id>/members")
@permission_required(Permission.CASES_SUPERVISE)
def add_members(team_id: int) -> BaseResponse:
    actor = signed_in_user()
    team = team_for(actor, team_id)
    form = _members_form(team, request.form)
    if not form.validate_on_submit() or not form.members.data:
        flash_form_errors(form)
        if not form.errors:
            flash(_("Tick the agents to add."), "warning")
        return redirect(url_for("teams.show", team_id=team.id))
    wanted = {m.user_id for m in team.members} | set(form.members.data)
    return _save_members(actor, team, wanted, _("Members added."))


@bp.post("/<int:team_id>/members/<int:user_id>/remove")
@permission_required(Permission.CASES_SUPERVISE)
def remove_member(team_id: int, user_id: int) -> BaseResponse:
    actor = signed_in_user()
    team = team_for(actor, team_id)
    form = MembersForm()
    current = {m.user_id for m in team.members}
    if not form.validate_on_submit() or user_id not in current:
        abort(404 if user_id not in current else 400)
    return _save_members(actor, team, current - {user_id}, _("Member removed from the team."))


@bp.post("/<int:team_id>/delete")
@permission_required(Permission.CASES_SUPERVISE)
def delete(team_id: int) -> BaseResponse:
    actor = signed_in_user()
    team = team_for(actor, team_id)
    if not MembersForm().validate_on_submit():
        abort(400)
    services.delete_team(actor=actor, team=team)
    db.session.commit()
    flash(_("Team removed; its members are in no team now."), "success")
    return redirect(url_for("teams.index"))


@bp.post("/scope")
@permission_required(Permission.CASES_SUPERVISE)
def switch_scope() -> BaseResponse:
    form = ScopeForm()
    if not form.validate_on_submit():
        abort(400)
    choose_scope(actor=signed_in_user(), kind=form.scope.data)
    db.session.commit()
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("cases.queue"))


from crm.teams import roster_views  # noqa: E402, F401 - adds the roster's routes to ``bp``

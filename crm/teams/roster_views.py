"""The duty roster pages: a week grid per department, and the spreadsheet import."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.models import DEPARTMENT_LABELS
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import Form
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.teams.models import SHIFT_HOURS, SHIFT_LABELS, Shift
from crm.teams.people import Group, department_groups, managed_departments
from crm.teams.roster import Change, apply_changes, week_of
from crm.teams.roster_import import RosterFileError, import_roster, usernames
from crm.teams.views import bp
from crm.timezones import department_today, parse_day

#: the largest roster file read (a department's month is a few hundred rows)
MAX_FILE_BYTES = 2 * 1024 * 1024


def _department(actor: User) -> str:
    departments = managed_departments(actor)
    if not departments:
        abort(404)
    wanted = request.values.get("department", "")
    return wanted if wanted in departments else departments[0]


def _monday() -> date:
    try:
        day = parse_day(request.values.get("week", ""))
    except ValueError:
        day = department_today(utcnow())
    return day - timedelta(days=day.weekday())


def _people(groups: list[Group]) -> dict[int, User]:
    return {user.id: user for group in groups for user in group.people}


def _page(
    department: str, monday: date, status: int = 200, rows: list | None = None
) -> tuple[str, int]:
    actor = signed_in_user()
    groups = department_groups(actor, department)
    days = [monday + timedelta(days=i) for i in range(7)]
    html = render_template(
        "teams/roster.html",
        department=department,
        departments=managed_departments(actor),
        department_labels=DEPARTMENT_LABELS,
        groups=groups,
        days=days,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        today=department_today(utcnow()),
        shifts=week_of(_people(groups).keys(), monday),
        shift_labels=SHIFT_LABELS,
        shift_hours=SHIFT_HOURS,
        shift_order=[s.value for s in Shift],
        bad_rows=rows or [],
        form=Form(),
    )
    return html, status


@bp.get("/roster")
@permission_required(Permission.CASES_SUPERVISE)
def roster() -> tuple[str, int]:
    return _page(_department(signed_in_user()), _monday())


def _back(department: str, monday: date) -> BaseResponse:
    return redirect(url_for("teams.roster", department=department, week=monday.isoformat()))


@bp.post("/roster")
@permission_required(Permission.CASES_SUPERVISE)
def save_roster() -> tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    department, monday = _department(actor), _monday()
    if not Form().validate_on_submit():
        abort(400)
    people = _people(department_groups(actor, department))
    valid = {s.value for s in Shift} | {""}
    changes = []
    for user_id in people:
        for offset in range(7):
            day = monday + timedelta(days=offset)
            key = f"shift-{user_id}-{day.isoformat()}"
            if key not in request.form:
                continue
            value = request.form[key]
            if value not in valid:
                flash(_("Choose a shift from the list."), "danger")
                return _page(department, monday, 400)
            changes.append(Change(user_id, day, value))
    try:
        count = apply_changes(actor=actor, changes=changes)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _page(department, monday, 400)
    db.session.commit()
    flash(ngettext("%(num)d day changed.", "%(num)d days changed.", count), "success")
    return _back(department, monday)


@bp.post("/roster/import")
@permission_required(Permission.CASES_SUPERVISE)
def import_file() -> tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    department, monday = _department(actor), _monday()
    if not Form().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a .csv or .xlsx file."), "danger")
        return _page(department, monday, 400)
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        flash(_("The file is too large for a roster."), "danger")
        return _page(department, monday, 400)
    people = usernames(set(_people(department_groups(actor, department))))
    try:
        count = import_roster(actor=actor, filename=upload.filename, data=data, people=people)
    except RosterFileError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _page(department, monday, 400, error.rows)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _page(department, monday, 400)
    db.session.commit()
    flash(ngettext("%(num)d day imported.", "%(num)d days imported.", count), "success")
    return _back(department, monday)

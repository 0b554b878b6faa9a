"""The administrator's page for SLA policies and holidays."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases import settings, supervisors
from crm.cases.models import (
    CASE_CATEGORIES,
    DEPARTMENT_LABELS,
    PRIORITY_LABELS,
    Holiday,
    Priority,
    SlaPolicy,
)
from crm.core.ids import parse_id
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.timezones import department_today, parse_day

bp = Blueprint("sla", __name__, url_prefix="/admin/sla")


@bp.get("/")
@permission_required(Permission.SLA_MANAGE)
def index() -> str:
    policies = db.session.scalars(
        select(SlaPolicy).order_by(SlaPolicy.category, SlaPolicy.priority)
    ).all()
    holidays = db.session.scalars(
        select(Holiday)
        .where(Holiday.day >= department_today(utcnow()).replace(month=1, day=1))
        .order_by(Holiday.day)
    ).all()
    return render_template(
        "cases/sla.html",
        policies=policies,
        holidays=holidays,
        categories=[c.value for c in CASE_CATEGORIES],
        priorities=list(Priority),
        priority_labels=PRIORITY_LABELS,
        department_labels=DEPARTMENT_LABELS,
        supervisor_choices=supervisors.supervisor_choices(),
        named_supervisors=supervisors.named_supervisors(),
    )


@bp.post("/supervisors")
@permission_required(Permission.SLA_MANAGE)
def save_supervisors() -> BaseResponse:
    # a value that cannot name a row names nobody
    ids = {parse_id(raw) for raw in request.form.getlist("user_id")} - {None}
    try:
        supervisors.set_department_supervisors(
            actor=signed_in_user(),
            department=request.form.get("department", ""),
            users=db.session.scalars(select(User).where(User.id.in_(ids))).all(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Department supervisors saved."), "success")
    return redirect(url_for("sla.index"))


@bp.post("/policies")
@permission_required(Permission.SLA_MANAGE)
def save_policy() -> BaseResponse:
    try:
        settings.save_policy(
            actor=signed_in_user(),
            category=request.form.get("category", ""),
            priority=request.form.get("priority") or None,
            first_response_minutes=request.form.get("first_response_minutes", ""),
            resolution_minutes=request.form.get("resolution_minutes", ""),
            business_hours=request.form.get("business_hours") == "1",
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("SLA policy saved; it applies to cases opened from now on."), "success")
    return redirect(url_for("sla.index"))


@bp.post("/holidays")
@permission_required(Permission.SLA_MANAGE)
def save_holiday() -> BaseResponse:
    try:
        day = parse_day(request.form.get("day", ""))
        settings.set_holiday(
            actor=signed_in_user(),
            day=day,
            name=request.form.get("name", ""),
            working=request.form.get("working") == "1",
        )
    except ValueError:
        flash(_("Enter a date."), "danger")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Calendar saved."), "success")
    return redirect(url_for("sla.index"))


@bp.post("/holidays/<day>/delete")
@permission_required(Permission.SLA_MANAGE)
def delete_holiday(day: str) -> BaseResponse:
    try:
        settings.remove_holiday(actor=signed_in_user(), day=parse_day(day))
    except ValueError:
        flash(_("Enter a date."), "danger")
    else:
        db.session.commit()
    return redirect(url_for("sla.index"))

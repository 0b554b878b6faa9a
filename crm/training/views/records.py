"""Training records: a person's own record and the certification overview."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import login_required
from sqlalchemy import select

from crm.auth.models import User, UserRole
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.extensions import db
from crm.knowledge.links import assigned_reading
from crm.timezones import department_today
from crm.training import queries
from crm.training.models import (
    ATTENDANCE_LABELS,
)
from crm.training.views.blueprint import bp


def _render_record(user: User) -> str:
    return render_template(
        "training/record.html",
        person=user,
        record=queries.training_record(user),
        certificate=queries.latest_certificate(user.id),
        attendance_labels=ATTENDANCE_LABELS,
        max_attempts=current_app.config["TRAINING_MAX_ATTEMPTS"],
        reading=assigned_reading(user),
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

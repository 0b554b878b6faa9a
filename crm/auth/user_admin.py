"""Admin pages for accounts: list, create, change roles, deactivate, reset passwords."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth import lockout, queries, services, two_factor
from crm.auth.forms import UserCreateForm, UserEditForm
from crm.auth.home import register_home_sections
from crm.auth.models import User
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.sessions import signed_in_user
from crm.core.links import register_object_page
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _

bp = Blueprint("users", __name__, url_prefix="/admin/users")
bp.record_once(register_home_sections)
bp.record_once(
    lambda _state: register_object_page("user", lambda id_: url_for("users.edit", user_id=id_))
)


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/")
@permission_required(Permission.USERS_MANAGE)
def index() -> str:
    listing = queries.user_listing(
        search=request.args.get("q", ""),
        role=request.args.get("role", ""),
        status=request.args.get("status", ""),
        sort=request.args.get("sort", "username"),
        page=request.args.get("page", 1, type=int),
    )
    waiting = lockout.waiting_usernames([user.username for user in listing.items], utcnow())
    return render_template("users/list.html", listing=listing, roles=list(Role), waiting=waiting)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.USERS_MANAGE)
def create() -> str | tuple[str, int]:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                actor=signed_in_user(),
                username=form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                roles=form.roles.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            return render_template("users/password.html", user=user, password=password, new=True)
    status = 400 if form.is_submitted() else 200
    return render_template("users/form.html", form=form, user=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@permission_required(Permission.USERS_MANAGE)
def edit(user_id: int) -> str | tuple[str, int] | BaseResponse:
    user = _get_user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
    if form.validate_on_submit():
        try:
            changes = services.update_user(
                actor=signed_in_user(),
                user=user,
                display_name=form.display_name.data,
                email=form.email.data,
                roles=form.roles.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("The changes to %(name)s are saved.", name=user.display_name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("users.edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    failures = lockout.failures_for(user, utcnow())
    return render_template("users/form.html", form=form, user=user, failures=failures), status


@bp.post("/<int:user_id>/password")
@permission_required(Permission.USERS_MANAGE)
def reset_password(user_id: int) -> str:
    user = _get_user_or_404(user_id)
    password = services.reset_password(actor=signed_in_user(), user=user)
    db.session.commit()
    return render_template("users/password.html", user=user, password=password, new=False)


@bp.post("/<int:user_id>/two-factor")
@permission_required(Permission.USERS_MANAGE)
def reset_two_factor(user_id: int) -> BaseResponse:
    user = _get_user_or_404(user_id)
    two_factor.reset_for(actor=signed_in_user(), user=user)
    db.session.commit()
    flash(_("Two-factor sign-in of %(name)s is reset.", name=user.display_name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/throttle")
@permission_required(Permission.USERS_MANAGE)
def clear_throttle(user_id: int) -> BaseResponse:
    user = _get_user_or_404(user_id)
    lockout.clear_failures(actor=signed_in_user(), user=user)
    db.session.commit()
    flash(_("The failed sign-ins of %(name)s are cleared.", name=user.display_name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/active")
@permission_required(Permission.USERS_MANAGE)
def set_active(user_id: int) -> BaseResponse:
    user = _get_user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(actor=signed_in_user(), user=user, active=active)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        message = (
            _("%(name)s can sign in again.", name=user.display_name)
            if active
            else _("%(name)s is deactivated and signed out everywhere.", name=user.display_name)
        )
        flash(message, "success")
    return redirect(url_for("users.edit", user_id=user.id))

"""Signing in and out, and the signed-in user's own account page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response as BaseResponse

from crm.audit.services import AuditAction, record
from crm.auth import services, signin
from crm.auth.forms import ChangePasswordForm, LoginForm, PreferencesForm
from crm.auth.sessions import (
    end_session,
    refresh_session,
    session_expired,
    signed_in_user,
    start_session,
)
from crm.auth.two_factor_views import begin_challenge
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.security import is_safe_next

bp = Blueprint("auth", __name__)

_UNCHECKED_ENDPOINTS = {"static", "core.healthz", "core.readyz"}
#: pages polling by themselves besides the home's sections: the call pop of every page
_POLLS = {"calls.ringing"}


@bp.before_app_request
def enforce_session_limits() -> BaseResponse | None:
    if request.endpoint in _UNCHECKED_ENDPOINTS or not current_user.is_authenticated:
        return None
    # The home's sections and the call pop poll by themselves: counted as activity, a page left
    # open on a screen would never reach the idle limit.
    polled = request.blueprint == "home" or request.endpoint in _POLLS
    if not session_expired(activity=not polled):
        return None
    logout_user()
    flash(_("Your session has expired. Please sign in again."), "warning")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | BaseResponse | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = signin.authenticate(
                username=form.username.data,
                password=form.password.data,
                address=request.remote_addr or "unknown",
            )
        except signin.LoginThrottled as refused:
            db.session.commit()
            flash(refused.message, "danger")
            retry = refused.throttle.retry_after_seconds(utcnow())
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(retry)}
        except signin.InvalidCredentials as refused:
            db.session.commit()
            flash(refused.message, "danger")
            return render_template("auth/login.html", form=form), 401, {}
        chosen_locale = session.get("locale")
        if chosen_locale and chosen_locale != user.locale:
            # The language picked on the sign-in page is an explicit choice; keep it.
            services.set_preferences(user=user, locale=chosen_locale, timezone=user.timezone)
        db.session.commit()
        if user.two_factor_enabled:
            return begin_challenge(user, form.next.data)
        start_session(user)
        next_url = form.next.data
        return redirect(next_url if is_safe_next(next_url) else url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    record(
        action=AuditAction.LOGOUT,
        actor=signed_in_user(),
        object_type="user",
        object_id=current_user.id,
    )
    end_session()
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _render_account(
    preferences: PreferencesForm | None = None,
    password_form: ChangePasswordForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    if preferences is None:
        preferences = PreferencesForm(
            formdata=None, locale=current_user.locale, timezone=current_user.timezone
        )
    html = render_template(
        "auth/account.html",
        preferences=preferences,
        password_form=password_form or ChangePasswordForm(formdata=None),
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
    return html, status


@bp.get("/account")
@login_required
def account() -> tuple[str, int]:
    return _render_account()


@bp.post("/account/preferences")
@login_required
def update_preferences() -> tuple[str, int] | BaseResponse:
    form = PreferencesForm()
    if form.validate_on_submit():
        try:
            services.set_preferences(
                user=signed_in_user(), locale=form.locale.data, timezone=form.timezone.data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Your preferences are saved."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(preferences=form, status=400)


@bp.post("/account/password")
@login_required
def change_password() -> tuple[str, int] | BaseResponse:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                user=signed_in_user(),
                current_password=form.current_password.data,
                new_password=form.password.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            refresh_session(signed_in_user())
            flash(_("Your password is changed. Other sessions have been signed out."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(password_form=form, status=400)

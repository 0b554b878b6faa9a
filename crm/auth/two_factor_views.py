"""The second step of signing in, and the account page's two-factor set-up."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from crm.auth import two_factor
from crm.auth.forms import AppCodeForm, DisableTwoFactorForm, SecondFactorForm
from crm.auth.models import User
from crm.auth.sessions import signed_in_user, start_session
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.security import is_safe_next

bp = Blueprint("two_factor", __name__)

#: seconds between a right password and the code that must follow it
CHALLENGE_SECONDS = 300
_PENDING = "pending_2fa"
#: pages a user who must enrol can still open
_OPEN_WHILE_ENROLLING = {
    "static",
    "core.healthz",
    "core.readyz",
    "core.set_language",
    "auth.logout",
    "two_factor.setup",
    "two_factor.begin",
    "two_factor.confirm",
}


@bp.before_app_request
def enforce_enrolment() -> BaseResponse | None:
    """With CRM_REQUIRE_2FA on, administrators and supervisors set up two-factor sign-in before
    anything else."""
    if request.endpoint in _OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
        return None
    if not two_factor.must_enrol(signed_in_user()):
        return None
    flash(_("Your role requires two-factor sign-in. Set it up to continue."), "warning")
    return redirect(url_for("two_factor.setup"))


def begin_challenge(user: User, next_url: str) -> BaseResponse:
    """After a right password: remember who is signing in and ask for the second factor. The
    session token in the cookie makes the challenge void once the password changes."""
    session[_PENDING] = {
        "user": user.id,
        "token": user.session_token,
        "at": int(time.time()),
        "next": next_url if is_safe_next(next_url) else "",
    }
    return redirect(url_for("two_factor.verify"))


def _pending_user() -> User | None:
    pending = session.get(_PENDING)
    if not pending or int(time.time()) - pending["at"] > CHALLENGE_SECONDS:
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or user.session_token != pending["token"]:
        return None
    return user


@bp.route("/login/verify", methods=["GET", "POST"])
def verify() -> str | BaseResponse | tuple[str, int, dict[str, str]]:
    user = _pending_user()
    if user is None:
        session.pop(_PENDING, None)
        flash(_("Please sign in again."), "warning")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            method = two_factor.check_second_factor(
                user=user,
                code=form.code.data,
                address=request.remote_addr or "unknown",
                now=utcnow(),
            )
        except two_factor.SecondFactorThrottled as refused:
            db.session.commit()
            flash(refused.message, "danger")
            retry = refused.throttle.retry_after_seconds(utcnow())
            html = render_template("auth/verify.html", form=form)
            return html, 429, {"Retry-After": str(retry)}
        except DomainError as error:
            db.session.commit()  # the failed attempt counts
            apply_domain_error(form, error)
            return render_template("auth/verify.html", form=form), 401, {}
        next_url = session[_PENDING]["next"]
        db.session.commit()
        start_session(user)
        if method == "recovery":
            left = two_factor.unused_recovery_codes(user)
            flash(
                ngettext(
                    "You signed in with a recovery code; %(num)d is left.",
                    "You signed in with a recovery code; %(num)d are left.",
                    left,
                ),
                "warning",
            )
        return redirect(next_url or url_for("core.home"))
    return render_template("auth/verify.html", form=form), 400 if form.is_submitted() else 200, {}


def _setup_page(
    form: AppCodeForm | None = None, codes: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    user = signed_in_user()
    enrolling = not user.two_factor_enabled and user.totp_secret is not None
    html = render_template(
        "auth/two_factor.html",
        user=user,
        required=two_factor.required_for(user),
        enrolling=enrolling,
        qr=two_factor.qr_svg(user) if enrolling else None,
        secret=user.totp_secret if enrolling else None,
        codes=codes,
        codes_left=two_factor.unused_recovery_codes(user) if user.two_factor_enabled else 0,
        code_form=form
        if form is not None and not isinstance(form, DisableTwoFactorForm)
        else AppCodeForm(formdata=None),
        disable_form=form
        if isinstance(form, DisableTwoFactorForm)
        else DisableTwoFactorForm(formdata=None),
    )
    return html, status


@bp.get("/account/two-factor")
@login_required
def setup() -> tuple[str, int]:
    return _setup_page()


@bp.post("/account/two-factor/begin")
@login_required
def begin() -> BaseResponse:
    try:
        two_factor.begin_enrolment(signed_in_user())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "info")
    else:
        db.session.commit()
    return redirect(url_for("two_factor.setup"))


def _issue_codes(issue: Callable[..., list[str]], success: str | None = None) -> tuple[str, int]:
    """Check the app code, let ``issue`` make the recovery codes, and show them this once:
    rendered, not redirected, so that they never pass through the session cookie."""
    form = AppCodeForm()
    if form.validate_on_submit():
        try:
            codes = issue(user=signed_in_user(), code=form.code.data, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            if success:
                flash(success, "success")
            return _setup_page(codes=codes)
    return _setup_page(form, status=400)


@bp.post("/account/two-factor/confirm")
@login_required
def confirm() -> tuple[str, int]:
    return _issue_codes(two_factor.confirm_enrolment, _("Two-factor sign-in is on."))


@bp.post("/account/two-factor/recovery-codes")
@login_required
def renew_codes() -> tuple[str, int]:
    return _issue_codes(two_factor.regenerate_recovery_codes)


@bp.post("/account/two-factor/disable")
@login_required
def disable() -> tuple[str, int] | BaseResponse:
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(
                user=signed_in_user(),
                password=form.password.data,
                code=form.code.data,
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("two_factor.setup"))
    return _setup_page(form, status=400)

"""The account page's API tokens: make one (shown once), see when each was last used, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from crm.api import tokens
from crm.api.models import ApiToken
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import Form, apply_domain_error
from crm.i18n import gettext as _
from crm.i18n import lazy_gettext as _l

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


class TokenForm(Form):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What uses it, e.g. the phone system."),
    )


def _page(form: TokenForm, raw: str | None = None, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "api/tokens.html", form=form, tokens=tokens.live_tokens(signed_in_user()), raw=raw
    )
    return html, status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> tuple[str, int]:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, raw = tokens.create_token(
                actor=signed_in_user(), name=form.name.data, now=utcnow()
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            # Rendered, not redirected: the token must not pass through the session cookie.
            return _page(TokenForm(formdata=None), raw=raw)
    return _page(form, status=400 if form.is_submitted() else 200)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> BaseResponse:
    actor = signed_in_user()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        abort(404)
    tokens.revoke_token(actor=actor, token=token, now=utcnow())
    db.session.commit()
    flash(_("Token revoked: it no longer works."), "success")
    return redirect(url_for("tokens.index"))

"""Error pages that say what went wrong in the user's language, and nothing about the code."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from crm.api.errors import error_response, too_large_response
from crm.api.framework import bp as api_bp
from crm.core.limits import body_over_limit
from crm.extensions import db
from crm.i18n import HTML_LANG, force_locale
from crm.i18n import lazy_gettext as _l

API_PREFIX = f"{api_bp.url_prefix}/"

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please check what you entered."),
    ),
    401: (_l("Sign-in needed"), _l("Please sign in to continue.")),
    403: (_l("No access"), _l("Your role does not allow you to open this page.")),
    404: (_l("Not found"), _l("This page does not exist, or it is not available to you.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("The upload is larger than allowed.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again later.")),
}


def _render(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = MESSAGES.get(code, MESSAGES[500])
    html = render_template("errors/error.html", code=code, title=title, message=detail or message)
    return html, code


def handle_csrf_error(_error: CSRFError) -> tuple[str, int]:
    return _render(
        400,
        str(_l("The form has expired or was sent from elsewhere. Please reload and try again.")),
    )


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def _too_large() -> tuple[str, int] | Response:
    if _is_api():
        return too_large_response()
    limit = body_over_limit()
    if limit is None:
        return _render(
            413, str(_l("A field of the form is too long, or the form has too many fields."))
        )
    return _render(413, str(_l("The upload is larger than the %(limit)s allowed.", limit=limit)))


def handle_http_error(error: HTTPException) -> tuple[str, int] | HTTPException | Response:
    if error.code is None or error.code < 400:
        return error
    if error.code == 413:
        return _too_large()
    if _is_api():
        return error_response(error.code, error.name)
    return _render(error.code)


def handle_unexpected_error(_error: InternalServerError) -> tuple[str, int] | Response:
    # Flask has already logged the traceback; the page must not show it.
    db.session.rollback()
    if _is_api():
        return error_response(500, "Internal error; it has been logged.")
    return _render(500)


#: seconds a client is asked to wait before retrying while the database is unavailable
RETRY_AFTER_SECONDS = 10


def _page_locale() -> str:
    """The language for a page rendered while the database cannot answer: the signed-in user's
    if it was already loaded (read without touching the database), else the session's."""
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        locale = inspect(user).dict.get("locale")
        if locale:
            return locale
    return session.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]


def handle_database_unavailable(
    error: SQLAlchemyError,
) -> tuple[str, int, dict[str, str]] | Response:
    """The database is down, locked past the lock timeout, or out of connections: say so and ask
    the user to retry. The transaction is rolled back, so nothing half-done is kept."""
    current_app.logger.warning("Database unavailable: %s", error.__class__.__name__, exc_info=error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_api():
        response = error_response(
            503, "The database is unavailable; nothing was saved. Retry later."
        )
        response.headers.update(headers)
        return response
    # The page must not touch the database, so it skips the context processors (Flask-Login's
    # would look the signed-in user up) and is given the little it shows.
    locale = _page_locale()
    with force_locale(locale):
        html = current_app.jinja_env.get_template("errors/unavailable.html").render(
            html_lang=HTML_LANG[locale], retry_after=RETRY_AFTER_SECONDS
        )
    return html, 503, headers


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)

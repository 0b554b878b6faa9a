"""Error pages that say what went wrong in the user's language, and nothing about the code."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from crm.api.framework import bp as api_bp
from crm.api.framework import error_response
from crm.extensions import db

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


def handle_http_error(error: HTTPException) -> tuple[str, int] | HTTPException | Response:
    if error.code is None or error.code < 400:
        return error
    if _is_api():
        return error_response(error.code, error.name)
    return _render(error.code)


def handle_unexpected_error(_error: InternalServerError) -> tuple[str, int] | Response:
    # Flask has already logged the traceback; the page must not show it.
    db.session.rollback()
    if _is_api():
        return error_response(500, "Internal error; it has been logged.")
    return _render(500)


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)

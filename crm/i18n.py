"""Language and time-zone selection, and the template helpers for local times."""

from __future__ import annotations

from flask import current_app, has_request_context, session
from flask_login import current_user

from config import SUPPORTED_LOCALES

#: HTML lang attribute for each supported locale
HTML_LANG = {"zh_Hans_CN": "zh-CN", "en": "en"}


def select_locale() -> str:
    """The signed-in user's language, else the one chosen with the switch, else the default.

    The browser's Accept-Language is ignored on purpose: the department works in Chinese
    whatever language a shared PC's browser was installed in.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if has_request_context() and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]

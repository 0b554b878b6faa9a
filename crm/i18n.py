"""Language and time-zone selection, the translation functions the code and templates call,
and the template helpers for local times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import force_locale as _babel_force_locale
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user

from config import SUPPORTED_LOCALES

#: HTML lang attribute for each supported locale
HTML_LANG = {"zh_Hans_CN": "zh-CN", "en": "en"}
#: where the request's :class:`Language` is kept on ``g``
_LANGUAGE = "_crm_language"


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


@dataclass(frozen=True)
class Language:
    """What a request is shown in: the messages, the locale and the time zone."""

    catalog: NullTranslations
    #: a Babel locale name, e.g. ``zh_Hans_CN``
    locale: str
    zone: tzinfo


_OUTSIDE_ANY_APP = Language(NullTranslations(), "en", UTC)


def current_language() -> Language:
    """The request's language and zone, found once per request and kept on ``g``.

    Flask-Babel finds them again through several context lookups on every call, which costs
    more than a translation itself (22 µs a call on the 2-core benchmark machine, and a page
    translates 60 to 100 strings and writes dozens of times). Outside an application context,
    as with Flask-Babel, nothing is translated.
    """
    try:
        found = g.get(_LANGUAGE)
    except RuntimeError:
        return _OUTSIDE_ANY_APP
    if found is None:
        # zoneinfo converts several times faster than the pytz zone Flask-Babel returns.
        zone = ZoneInfo(str(get_timezone()))
        found = Language(get_translations(), str(get_locale()), zone)
        setattr(g, _LANGUAGE, found)
    return found


def _catalog() -> NullTranslations:
    return current_language().catalog


def gettext(string: str, **variables: Any) -> str:
    """``string`` in the current language, with ``%(name)s`` filled from ``variables``."""
    translated = _catalog().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num`` (also available as ``%(num)d``)."""
    variables.setdefault("num", num)
    return _catalog().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """:func:`gettext`, deferred until the text is shown (labels defined at import time)."""
    return LazyString(gettext, string, **variables)


@contextmanager
def force_locale(locale: str) -> Iterator[None]:
    """Translate into ``locale`` inside the block (an e-mail in its recipient's language, API
    messages in English), then go back to the request's language."""
    kept = g.pop(_LANGUAGE, None)
    try:
        with _babel_force_locale(locale):
            yield
    finally:
        g.pop(_LANGUAGE, None)
        if kept is not None:
            setattr(g, _LANGUAGE, kept)


def install_template_translations(app: Flask) -> None:
    """Templates' ``_()``, ``gettext()`` and ``ngettext()`` through the same catalog lookup
    (replacing the callables Flask-Babel installs)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _catalog().ugettext(string),
        ngettext=lambda singular, plural, num: _catalog().ungettext(singular, plural, num),
        newstyle=True,
    )

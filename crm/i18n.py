"""Language and time-zone selection, and the translation functions the code and templates
call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import force_locale as _babel_force_locale
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from config import SUPPORTED_LOCALES

#: HTML lang attribute for each supported locale
HTML_LANG = {"zh_Hans_CN": "zh-CN", "en": "en"}
#: where the request's :class:`Language` and time zone are kept on ``g``
_LANGUAGE = "_crm_language"
_ZONE = "_crm_zone"


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
    """What a request is shown in: the messages and the locale."""

    catalog: NullTranslations
    #: a Babel locale name, e.g. ``zh_Hans_CN``
    locale: str


_OUTSIDE_ANY_APP = Language(NullTranslations(), "en")


def current_language() -> Language:
    """The request's language, found once per request and kept on ``g``.

    Flask-Babel finds it again through several context lookups on every call, which costs
    more than a translation itself (22 µs a call on the 2-core benchmark machine, and a page
    translates 60 to 100 strings and writes dozens of times). Outside an application context,
    as with Flask-Babel, nothing is translated.
    """
    try:
        found = g.get(_LANGUAGE)
    except RuntimeError:
        return _OUTSIDE_ANY_APP
    if found is None:
        found = Language(get_translations(), str(get_locale()))
        setattr(g, _LANGUAGE, found)
    return found


def current_zone() -> ZoneInfo:
    """The user's time zone, found once per request and kept on ``g``.

    Not the pytz zone Flask-Babel returns: attached to a typed time with ``replace()`` it gives
    the zone's local mean time (+08:06 for Shanghai), and it converts several times slower.
    """
    found = g.get(_ZONE)
    if found is None:
        found = ZoneInfo(str(get_timezone()))
        setattr(g, _ZONE, found)
    return found


def _catalog() -> NullTranslations:
    return current_language().catalog


def gettext(string: str, **variables: Any) -> str:
    """``string`` in the current language, with ``%(name)s`` filled from ``variables``."""
    translated = _catalog().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural of a text in the current language, with ``%(num)d`` the count."""
    return _catalog().ungettext(singular, plural, num) % {"num": num, **variables}


class LazyText(LazyString):
    """A translated text looked up when it is shown: plain text as ``str()`` (flash, JSON,
    CSV, logs), escaped text as HTML.

    Flask-Babel's lazy string returns the whole interpolated string from ``__html__``, so
    Jinja, WTForms' labels and errors and ``markupsafe.escape`` take ``%(name)s`` values typed
    by users as markup. Here the translation is escaped and each value is escaped into it (a
    value that is already :class:`Markup` stays markup).
    """

    def __init__(self, string: str, variables: dict[str, Any]) -> None:
        super().__init__(gettext, string, **variables)

    def __html__(self) -> Markup:
        translated = escape(_catalog().ugettext(self._args[0]))
        return translated % self._kwargs if self._kwargs else translated


def lazy_gettext(string: str, **variables: Any) -> LazyText:
    """:func:`gettext`, deferred until the text is shown (labels defined at import time); user
    values in ``variables`` are escaped when it is shown as HTML (:class:`LazyText`)."""
    return LazyText(string, variables)


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
    # Jinja's own newstyle gettext, minus two costs paid by every ``_()`` of every page (a
    # page calls it 50 to 100 times): a call through the context, and formatting a text that
    # has no "%" and no values, which is the text itself (1.5 µs a time for Markup).
    app.jinja_env.globals["gettext"] = _template_gettext


@pass_context
def _template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    translated = _catalog().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - our catalog's text, as Jinja's own gettext
    # As Jinja's: every text is a format string ("100%%" shows "100%"), values or not.
    return translated % variables if variables or "%" in translated else translated


class TextJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with lazy translated strings written as their plain text: Flask's own
    default writes any object with ``__html__`` as that HTML, which for :class:`LazyText` is
    escaped."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


#: from this many days on a duration is said in days only ("349 天", not "349 天 3 小时")
_DAYS_ONLY_FROM = 7


def duration(minutes: float) -> str:
    """A length of time as people say it, in its two largest units and rounded down: "20 分钟",
    "1 小时 20 分", "3 天 4 小时", and from a week on in days alone ("349 天"), never "8391
    小时"."""
    total = int(abs(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= _DAYS_ONLY_FROM or (days and not hours):
        return gettext("%(days)d d", days=days)
    if days:
        return gettext("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours and mins:
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=mins)
    if hours:
        return gettext("%(hours)d h", hours=hours)
    if mins:
        return gettext("%(minutes)d min", minutes=mins)
    return gettext("under a minute")


def countdown(minutes_left: float) -> str:
    """Time left before a deadline, or how long ago it passed: "还剩 1 小时 20 分", "已超时 3
    天"."""
    if minutes_left < 0:
        return gettext("%(duration)s overdue", duration=duration(minutes_left))
    return gettext("%(duration)s left", duration=duration(minutes_left))

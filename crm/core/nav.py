"""The main navigation: a few groups of links, each link shown only to the roles that may use it.

The table below is the one place that says which page sits in which group; ``base.html`` draws a
group with one visible link as that link and a group with several as a dropdown menu, so every
role's bar stays one row wide on a laptop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

from flask import current_app, request, url_for
from markupsafe import Markup

from crm.auth.permissions import Permission
from crm.core.header import PageHeader
from crm.i18n import LazyText, current_language
from crm.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: LazyText
    endpoint: str
    #: shown to those who have it (None: to everyone signed in)
    permission: str | None = None
    #: shown only to those who lack it (the own-record page stands in for the full one)
    unless: str | None = None
    #: the endpoints of the pages this link marks as current: exact names ...
    current: tuple[str, ...] = ()
    #: ... or a blueprint prefix such as "users.", minus ``not_current``
    prefix: str | None = None
    not_current: tuple[str, ...] = ()
    #: a count from the page header shown beside the label, and the badge's colour
    badge: str | None = None
    badge_class: str = "text-bg-light"
    badge_title: LazyText | None = None

    def is_current(self, endpoint: str) -> bool:
        if endpoint in self.not_current:
            return False
        return endpoint in self.current or bool(self.prefix and endpoint.startswith(self.prefix))


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: LazyText
    items: tuple[NavItem, ...]


GROUPS: tuple[NavGroup, ...] = (
    NavGroup("home", _l("Home"), (NavItem(_l("Home"), "core.home", current=("core.home",)),)),
    NavGroup(
        "customers",
        _l("Customers"),
        (NavItem(_l("Customers"), "customers.index", "customers.view", prefix="customers."),),
    ),
    NavGroup(
        "service",
        _l("Service"),
        (
            NavItem(
                _l("My cases"),
                "cases.mine",
                "cases.work",
                current=("cases.mine", "cases.show", "cases.new"),
                badge="my_open_cases",
            ),
            NavItem(
                _l("Case queue"),
                "cases.queue",
                "cases.supervise",
                current=("cases.queue",),
                badge="breached_cases",
                badge_class="text-bg-danger",
                badge_title=_l("Breached"),
            ),
            NavItem(
                _l("Surveys"),
                "surveys.survey_figures",
                "cases.supervise",
                current=("surveys.survey_figures",),
            ),
            NavItem(
                _l("Case routing"),
                "case_settings.routing",
                "cases.supervise",
                current=("case_settings.routing",),
            ),
            NavItem(_l("Teams and roster"), "teams.index", "cases.supervise", prefix="teams."),
            NavItem(
                _l("Reply templates"),
                "case_settings.templates",
                "cases.supervise",
                current=("case_settings.templates", "case_settings.edit_template"),
            ),
        ),
    ),
    NavGroup(
        "callbacks",
        _l("Callbacks"),
        (
            NavItem(
                _l("My callbacks"),
                "callbacks.worklist",
                "callbacks.work",
                current=("callbacks.worklist",),
            ),
            NavItem(
                _l("Callback board"),
                "callbacks.board",
                "callbacks.plan",
                prefix="callbacks.",
                not_current=("callbacks.worklist",),
            ),
        ),
    ),
    NavGroup(
        "quality",
        _l("QA"),
        (
            NavItem(_l("QA queue"), "qa.queue", "qa.review", current=("qa.queue",)),
            NavItem(
                _l("Quality"),
                "qa.overview",
                "qa.view",
                prefix="qa.",
                not_current=("qa.queue", "qa.mine"),
            ),
            NavItem(_l("My QA reviews"), "qa.mine", "interactions.log", current=("qa.mine",)),
        ),
    ),
    NavGroup(
        "training",
        _l("Training"),
        (
            NavItem(
                _l("Training"),
                "training.overview",
                "training.view",
                prefix="training.",
                not_current=("training.my_record",),
            ),
            NavItem(
                _l("My training"),
                "training.my_record",
                unless="training.view",
                current=("training.my_record",),
            ),
            # Learning material: here rather than a group of its own, which would not fit in an
            # agent's bar at 1280 px in English; agents also reach it from every case page.
            NavItem(_l("Knowledge base"), "knowledge.index", "knowledge.view", prefix="knowledge."),
        ),
    ),
    NavGroup(
        "reports",
        _l("Reports"),
        # The call figures are a report too: reached from the dashboard, marked as Reports.
        (
            NavItem(
                _l("Dashboard"),
                "reports.dashboard",
                "reports.view",
                prefix="reports.",
                current=("calls.report",),
            ),
            NavItem(
                _l("Customer value"),
                "value.overview",
                "reports.view",
                current=(
                    "value.overview",
                    "value.settings_page",
                    "value.offer_rule",
                    "value.marketing",
                ),
            ),
            NavItem(_l("Service plans"), "plans.plans", "reports.view", prefix="plans."),
        ),
    ),
    NavGroup(
        "admin",
        _l("Admin"),
        (
            NavItem(_l("Users"), "users.index", "users.manage", prefix="users."),
            NavItem(_l("SLA policies"), "sla.index", "sla.manage", prefix="sla."),
            NavItem(_l("Audit log"), "audit.index", "audit.view", prefix="audit."),
            NavItem(
                _l("Contingency"), "contingency.index", "contingency.manage", prefix="contingency."
            ),
        ),
    ),
)


@dataclass(frozen=True)
class NavLink:
    label: LazyText
    url: str
    current: bool
    badge: int
    badge_class: str
    badge_title: LazyText | None


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: LazyText
    links: tuple[NavLink, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def main_nav(can: Callable[[str], bool], endpoint: str | None, badges: object) -> list[NavEntry]:
    """The groups ``can`` sees, each with its visible links, the current page's marked."""
    endpoint = endpoint or ""
    entries: list[NavEntry] = []
    for group in GROUPS:
        links = tuple(
            NavLink(
                label=item.label,
                url=url_for(item.endpoint),
                current=item.is_current(endpoint),
                badge=getattr(badges, item.badge) if item.badge else 0,
                badge_class=item.badge_class,
                badge_title=item.badge_title,
            )
            for item in group.items
            if (item.permission is None or can(item.permission))
            and not (item.unless and can(item.unless))
        )
        if links:
            entries.append(NavEntry(group.key, group.label, links))
    return entries


#: the page header's counts some link shows
_BADGES = tuple(sorted({item.badge for group in GROUPS for item in group.items if item.badge}))


def nav_html(granted: frozenset[Permission], badges: PageHeader) -> Markup:
    """The main navigation's HTML (``_nav.html``) for ``granted`` on the current page.

    Drawn once per combination of everything it shows (permissions, page, the links' counts,
    language, the site's path) and then reused: drawing it cost ~0.4 ms of CPU on every page.
    The key holds all it depends on, so no one sees a link or a count drawn for others.
    """
    counts = tuple(getattr(badges, name) for name in _BADGES)
    locale = current_language().locale
    return _drawn(granted, request.endpoint or "", request.script_root, locale, counts)


@lru_cache(maxsize=512)
def _drawn(
    granted: frozenset[Permission],
    endpoint: str,
    _script_root: str,
    _locale: str,
    counts: tuple[int, ...],
) -> Markup:
    shown = SimpleNamespace(**dict(zip(_BADGES, counts, strict=True)))
    groups = main_nav(lambda permission: Permission(permission) in granted, endpoint, shown)
    html = current_app.jinja_env.get_template("_nav.html").render(groups=groups)
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template

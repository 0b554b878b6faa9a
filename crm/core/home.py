"""The home page as each role's workspace, composed of the sections domains register.

Like the timeline providers (``crm.core.providers``, ARCHITECTURE.md §13), each domain
registers the sections it adds to the homes of the roles it serves, from its blueprint's
``record_once`` hook; ``core`` imports none of their queries and renders whatever is registered.
A section's page shows it at once, then asks its own URL (``/home/<name>``) every 30 seconds and
swaps the answer in, so the workspace stays current without a reload. That URL declares the
section's permission like any view (the permission matrix lists it), and its rows come from the
signed-in user's own scope, so a poll never shows more than the page did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.sessions import signed_in_user
from crm.database import utcnow

#: seconds between two polls of a section (the ``hx-trigger`` of its container)
POLL_SECONDS = 30


@dataclass(frozen=True, eq=False)
class HomeSection:
    """One part of a workspace: a title, what it shows and the partial that shows it."""

    #: the key of its URL and endpoint (``home.<name>``): letters and underscores
    name: str
    #: the heading (a lazy translation)
    title: Any
    #: the roles whose home shows it; a user with several roles sees the sections of each
    roles: frozenset[Role]
    #: what its URL requires, checked on every poll; None for a section of one's own records
    #: that any signed-in user may ask (e.g. the reviews of one's own calls)
    permission: Permission | None
    #: what the section shows to ``actor`` at ``now`` (any object its template reads)
    rows: Callable[[User, datetime], Any]
    #: the partial that renders ``data`` (the rows); it says what to do next when empty
    template: str
    #: place on the page, lower first
    order: int = 100


_sections: dict[str, HomeSection] = {}


def register_home_section(section: HomeSection) -> None:
    """Add a section (the same name again replaces it, so building several apps is harmless)."""
    if not section.name.isidentifier():
        raise ValueError(f"a home section's name is an identifier, not {section.name!r}")
    _sections[section.name] = section


def sections_for(user: User) -> list[HomeSection]:
    """The sections of the user's roles that the user may poll, in page order."""
    roles = {Role(role) for role in user.roles}
    return sorted(
        (
            s
            for s in _sections.values()
            if s.roles & roles and (s.permission is None or user.can(s.permission))
        ),
        key=lambda s: (s.order, s.name),
    )


def section_data(sections: list[HomeSection], actor: User, now: datetime) -> dict[str, Any]:
    return {section.name: section.rows(actor, now) for section in sections}


bp = Blueprint("home", __name__, url_prefix="/home")


def _poll_view(section: HomeSection) -> Callable[[], str]:
    def view() -> str:
        now = utcnow()
        return render_template(section.template, data=section.rows(signed_in_user(), now), now=now)

    view.__name__ = section.name
    if section.permission is None:
        return login_required(view)
    return permission_required(section.permission)(view)


@bp.after_request
def _sign_in_in_the_window(response: BaseResponse) -> BaseResponse:
    """A poll whose session ended (idle limit, signed out elsewhere) is answered with a redirect
    to the sign-in page, which htmx would follow and swap into the section: the browser is sent
    there instead (htmx's ``HX-Redirect``)."""
    login = url_for("auth.login")
    polled = request.headers.get("HX-Request") == "true"
    if polled and response.status_code == 302 and urlsplit(response.location or "").path == login:
        return BaseResponse(status=204, headers={"HX-Redirect": login})
    return response


@bp.record_once
def _add_section_routes(state: BlueprintSetupState) -> None:
    """One URL per registered section. This blueprint is registered after every domain's, so
    their ``record_once`` hooks have registered their sections by now."""
    for section in _sections.values():
        state.app.add_url_rule(
            f"/home/{section.name}",
            endpoint=f"home.{section.name}",
            view_func=_poll_view(section),
            methods=["GET"],
        )

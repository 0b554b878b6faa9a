"""Read-only queries over accounts."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import exists, inspect, or_, select
from sqlalchemy.orm import defaultload, selectinload

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.extensions import db
from crm.pagination import Page, paginate, sort_clause

USER_SORTS = {
    "username": User.username,
    "display_name": User.display_name,
    "created_at": User.created_at,
    "last_login_at": User.last_login_at,
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def user_listing(*, search: str, role: str, status: str, sort: str, page: int) -> Page[User]:
    """One page of the users matching the filters, in a whitelisted order."""
    query = select(User).options(selectinload(User.role_rows))
    search = search.strip()[:100]
    if search:
        pattern = f"%{_escape_like(search.lower())}%"
        query = query.where(
            or_(
                User.username.like(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(exists().where(UserRole.user_id == User.id, UserRole.role == role))
    else:
        role = ""
    if status in {"active", "inactive"}:
        query = query.where(User.active.is_(status == "active"))
    else:
        status = ""
    sort, order = sort_clause(sort, USER_SORTS, default="username")
    query = query.order_by(*order, User.id)
    filters = {"q": search, "role": role, "status": status}
    return paginate(query, page=page, sort=sort, filters=filters)


def active_agents(role: Role = Role.AGENT) -> list[tuple[int, str]]:
    """(id, name) of every active user with ``role`` (agents by default), by name: for
    "assign to" choices."""
    rows = db.session.execute(
        select(User.id, User.display_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role.value, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [(user_id, name) for user_id, name in rows]


@cache
def users_shown_by_name(model: Any) -> tuple[Any, ...]:
    """Loader options for the users ``model`` links to (authors, assignees, owners) when a page
    only shows their names: their roles are then not read, saving a query per page. Built once
    per model: options are immutable, and building them costs more than a short query."""
    return tuple(
        defaultload(relation.class_attribute).lazyload(User.role_rows)
        for relation in inspect(model).relationships
        if relation.mapper.class_ is User
    )


def without_two_factor(roles: tuple[Role, ...]) -> list[User]:
    """Active users holding any of ``roles`` who have not enrolled two-factor sign-in."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.totp_enabled_at.is_(None),
                exists().where(
                    UserRole.user_id == User.id, UserRole.role.in_([r.value for r in roles])
                ),
            )
            .order_by(User.username)
        )
    )


def never_signed_in(limit: int) -> list[User]:
    """Active accounts nobody has signed in with yet, the oldest first: passwords not handed
    over, or accounts made and forgotten."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.last_login_at.is_(None))
            .order_by(User.created_at, User.id)
            .limit(limit)
        )
    )

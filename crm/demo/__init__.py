"""Demo data for a first look at the product: one account per role, with Chinese names."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.auth.services import create_user
from crm.extensions import db

#: Shared by every demo account and printed in the README; demo data is refused in production.
DEMO_PASSWORD = "demo-crm-2026"  # noqa: S105 - documented demo login

DEMO_USERS = [
    ("admin", "陈静", [Role.ADMIN]),
    ("supervisor", "王伟", [Role.SUPERVISOR]),
    ("trainer", "李娜", [Role.TRAINER]),
    ("reviewer", "张敏", [Role.QA]),
    ("agent", "刘洋", [Role.AGENT]),
    ("agent2", "赵磊", [Role.AGENT]),
    ("agent3", "孙丽", [Role.AGENT]),
]


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def demo_agents() -> list[User]:
    """Every active agent, to own and handle the demo customers."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.AGENT.value, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _first_with(role: Role) -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role.value, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def demo_trainer() -> User | None:
    return _first_with(Role.TRAINER)


def demo_reviewer() -> User | None:
    return _first_with(Role.QA)


def demo_planner() -> User | None:
    return _first_with(Role.SUPERVISOR)


def seed_demo_users() -> list[User]:
    """Create the demo accounts that do not exist yet; returns the ones created."""
    existing = set(db.session.scalars(select(User.username)))
    created = []
    for username, display_name, roles in DEMO_USERS:
        if username in existing:
            continue
        user, _ = create_user(
            actor=None,
            username=username,
            display_name=display_name,
            roles=[role.value for role in roles],
            email=f"{username}@demo.example.cn",
            password=DEMO_PASSWORD,
        )
        created.append(user)
    return created

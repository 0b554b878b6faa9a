"""Who hears about a department's cases, and the alerts they get: a transfer in, a case at
risk of missing its resolution time, a breach, a low survey score. Each alert is one
notification per person, case and kind, however often a job offers it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.permissions import ROLE_PERMISSIONS, Permission
from crm.cases.models import Case, Department, DepartmentSupervisor
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.notifications.services import notify


def _supervisor_ids() -> set[int]:
    roles = [
        r.value for r, granted in ROLE_PERMISSIONS.items() if Permission.CASES_SUPERVISE in granted
    ]
    return set(
        db.session.scalars(
            select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role.in_(roles), User.active.is_(True))
        )
    )


def set_department_supervisors(*, actor: User, department: str, users: Sequence[User]) -> None:
    """Name the supervisors of a department (replacing the earlier ones).

    :raises DomainError: for an unknown department or a user who does not supervise cases.
    """
    if not actor.can(Permission.SLA_MANAGE):
        raise PermissionDenied(_l("Only administrators change SLA policies."))
    if department not in {d.value for d in Department}:
        raise DomainError(_l("Choose a department from the list."), field="department")
    if any(not user.can(Permission.CASES_SUPERVISE) for user in users):
        raise DomainError(_l("Only supervisors can be named."), field="users")
    before = sorted(
        db.session.scalars(
            select(DepartmentSupervisor.user_id).where(
                DepartmentSupervisor.department == department
            )
        )
    )
    db.session.execute(
        delete(DepartmentSupervisor).where(DepartmentSupervisor.department == department)
    )
    after = sorted({user.id for user in users})
    db.session.add_all(DepartmentSupervisor(department=department, user_id=i) for i in after)
    db.session.flush()
    record(
        action=AuditAction.SLA_CHANGED,
        actor=actor,
        object_type="department",
        object_id=department,
        details={"supervisors": [before, after]},
    )


def supervisor_choices() -> list[tuple[int, str]]:
    """Active supervisors as (id, name), by name."""
    ids = _supervisor_ids()
    return [
        (user.id, user.display_name)
        for user in db.session.scalars(
            select(User).where(User.id.in_(ids)).order_by(User.display_name, User.id)
        )
    ]


def named_supervisors() -> dict[str, set[int]]:
    """Department -> the supervisors named for it."""
    named: dict[str, set[int]] = {d.value: set() for d in Department}
    for department, user_id in db.session.execute(
        select(DepartmentSupervisor.department, DepartmentSupervisor.user_id)
    ):
        named[department].add(user_id)
    return named


def supervisors_of(department: str) -> list[int]:
    """The active supervisors of the department; when none is named, every active one."""
    active = _supervisor_ids()
    named = set(
        db.session.scalars(
            select(DepartmentSupervisor.user_id).where(
                DepartmentSupervisor.department == department
            )
        )
    )
    return sorted(named & active or active)


def alert(
    case: Case, kind: str, user_ids: Iterable[int | None], *, period: str = "", **payload: object
) -> int:
    """Notify each person once of ``kind`` on the case (the notice links to the case): once
    for good, or once per ``period`` for what may happen again (each reply, each mention).

    :returns: how many notices were new.
    """
    return notify(
        {
            "user_id": user_id,
            "kind": kind,
            "subject_type": "case",
            "subject_id": case.id,
            "payload": {"case": case.id, "subject": case.subject, **payload},
            "period": period,
        }
        for user_id in sorted({i for i in user_ids if i is not None})
    )


def alert_supervisors(case: Case, kind: str, **payload: object) -> int:
    """Notify the supervisors of the case's department once of ``kind``."""
    return alert(case, kind, supervisors_of(case.department), **payload)

"""The permission vocabulary: roles map to named permissions here and nowhere else.

Views declare what they need with :func:`permission_required`; templates ask ``can(...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import cache, wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from crm.extensions import login_manager
from crm.i18n import lazy_gettext as _l


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    QA = "qa"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.TRAINER: _l("Trainer"),
    Role.QA: _l("QA reviewer"),
    Role.ADMIN: _l("Administrator"),
}


class Permission(StrEnum):
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    #: find customers, read their profile and whole history
    CUSTOMERS_VIEW = "customers.view"
    #: create customers, edit their profile, add purchases and feedback
    CUSTOMERS_EDIT = "customers.edit"
    #: set tier and owner, merge, import, delete and restore
    CUSTOMERS_MANAGE = "customers.manage"
    #: download customer lists (personal data leaving the system)
    CUSTOMERS_EXPORT = "customers.export"
    INTERACTIONS_LOG = "interactions.log"
    #: correct anyone's interaction, delete one with a reason
    INTERACTIONS_MODERATE = "interactions.moderate"
    #: work one's own callback list
    CALLBACKS_WORK = "callbacks.work"
    #: plan callbacks, see everyone's, reassign them
    CALLBACKS_PLAN = "callbacks.plan"
    #: open, work and transfer cases
    CASES_WORK = "cases.work"
    #: the team queue, breaches, survey figures
    CASES_SUPERVISE = "cases.supervise"
    #: SLA policies and the holiday calendar
    SLA_MANAGE = "sla.manage"
    #: see every session, result and pass rate (one's own record needs no permission)
    TRAINING_VIEW = "training.view"
    #: plan sessions, take attendance, enter results, manage topics
    TRAINING_MANAGE = "training.manage"
    #: read every QA review, the coverage of the sample and the quarterly quality report
    QA_VIEW = "qa.view"
    #: draw samples, score the reviews assigned to one, take part in calibration
    QA_REVIEW = "qa.review"
    #: scorecards and the rules that assign training after a failed criterion
    QA_MANAGE = "qa.manage"
    #: accept or reject an agent's dispute of a review
    QA_DECIDE = "qa.decide"
    #: the KPI dashboard, its figures and monthly reports
    REPORTS_VIEW = "reports.view"
    #: service targets and the agent scorecard's weights
    TARGETS_MANAGE = "targets.manage"
    #: the incident log of contingency mode, and adding updates to it
    CONTINGENCY_VIEW = "contingency.view"
    #: switching contingency mode (应急预案) on and off
    CONTINGENCY_MANAGE = "contingency.manage"
    #: read published articles of the knowledge base (知识库)
    KNOWLEDGE_VIEW = "knowledge.view"
    #: write articles and drafts, see versions, restore one
    KNOWLEDGE_EDIT = "knowledge.edit"
    #: publish articles (approve a draft) and keep the synonym list
    KNOWLEDGE_APPROVE = "knowledge.approve"


_AGENT = frozenset(
    {
        Permission.CUSTOMERS_VIEW,
        Permission.CUSTOMERS_EDIT,
        Permission.INTERACTIONS_LOG,
        Permission.CALLBACKS_WORK,
        Permission.CASES_WORK,
        Permission.KNOWLEDGE_VIEW,
    }
)
_SUPERVISOR = _AGENT | {
    Permission.CUSTOMERS_MANAGE,
    Permission.CUSTOMERS_EXPORT,
    Permission.INTERACTIONS_MODERATE,
    Permission.CALLBACKS_PLAN,
    Permission.TRAINING_VIEW,
    Permission.CASES_SUPERVISE,
    Permission.QA_VIEW,
    Permission.QA_DECIDE,
    Permission.REPORTS_VIEW,
    Permission.CONTINGENCY_VIEW,
    Permission.KNOWLEDGE_EDIT,
    Permission.KNOWLEDGE_APPROVE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.TRAINER: frozenset(
        {
            Permission.TRAINING_VIEW,
            Permission.TRAINING_MANAGE,
            Permission.KNOWLEDGE_VIEW,
            Permission.KNOWLEDGE_EDIT,
        }
    ),
    Role.QA: frozenset(
        {
            Permission.CUSTOMERS_VIEW,
            Permission.QA_VIEW,
            Permission.QA_REVIEW,
            Permission.QA_MANAGE,
            Permission.KNOWLEDGE_VIEW,
            Permission.KNOWLEDGE_EDIT,
        }
    ),
    Role.ADMIN: _SUPERVISOR
    | {
        Permission.USERS_MANAGE,
        Permission.AUDIT_VIEW,
        Permission.TRAINING_MANAGE,
        Permission.SLA_MANAGE,
        Permission.QA_REVIEW,
        Permission.QA_MANAGE,
        Permission.TARGETS_MANAGE,
        Permission.CONTINGENCY_MANAGE,
    },
}


@cache
def permissions_for(roles: frozenset[str]) -> frozenset[Permission]:
    """Every permission granted by any of ``roles`` (asked several times by every page, and
    there are few combinations of roles)."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def permission_required(permission: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """Send anonymous users to the login page and answer 403 to users without ``permission``.

    The permission is kept on the view as ``required_permission`` so tests can read it.
    """

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate

"""Object rules, written once: who may read and who may change each kind of record.

The role table (``auth/permissions.py``) says what a role does at all; these predicates say
which rows of a kind a user may read or change. The fetch-and-authorize helpers of the web
views and of the API, the services that change records, exports and search all ask here, so
a page, an API call and a CLI command always give the same answer. README.md's section "Who
may see and do what" is this module in words; ``tests/test_access_rules.py`` walks it.

The predicates read only attributes of the objects they are given (no queries, no imports of
the domains' models), so any layer may call them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm.auth.permissions import Permission, Role

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.callbacks.models import CallbackTask
    from crm.cases.models import Case
    from crm.customers.models import Customer
    from crm.qa.models import Review
    from crm.training.models import TrainingSession


# Customers: agents must find anyone on the phone, so every agent reads every customer.


def may_read_customer(actor: User, customer: Customer) -> bool:
    """Everyone who finds customers reads every live one; deleted ones only those who may
    restore them."""
    if not actor.can(Permission.CUSTOMERS_VIEW):
        return False
    return not customer.is_deleted or actor.can(Permission.CUSTOMERS_MANAGE)


def may_change_customer(actor: User, customer: Customer) -> bool:
    """Agents and supervisors edit any live customer's profile (tier, owner, merge and delete
    need ``customers.manage`` besides, checked by those services)."""
    return actor.can(Permission.CUSTOMERS_EDIT) and not customer.is_deleted


# Cases: an agent works their own cases and the unassigned ones; supervisors work them all.


def may_read_case(actor: User, case: Case) -> bool:
    """Supervisors and administrators read every case; an agent reads the cases assigned to
    them, the unassigned ones (the shared pool they pick from) and the ones they opened (to
    tell the customer how it goes on after a hand-over). Another agent's case is theirs alone.
    """
    if actor.can(Permission.CASES_SUPERVISE):
        return True
    if not actor.can(Permission.CASES_WORK):
        return False
    return case.assignee_id in (None, actor.id) or case.opened_by_id == actor.id


def may_change_case(actor: User, case: Case) -> bool:
    """Supervisors and administrators change any case; an agent changes (status, transfer,
    closing records, survey) only a case assigned to them or one nobody has yet."""
    if actor.can(Permission.CASES_SUPERVISE):
        return True
    return actor.can(Permission.CASES_WORK) and case.assignee_id in (None, actor.id)


# Callback tasks: the assignee works their own list; planners see and reassign everyone's.


def may_read_task(actor: User, task: CallbackTask) -> bool:
    return actor.can(Permission.CALLBACKS_PLAN) or (
        actor.can(Permission.CALLBACKS_WORK) and task.assignee_id == actor.id
    )


def may_change_task(actor: User, task: CallbackTask) -> bool:
    """Recording, rescheduling or skipping a call: its assignee, or a planner."""
    return may_read_task(actor, task)


# QA reviews: the reviewer scores, QA and supervisors read, the agent reads their own result.


def may_read_review(actor: User, review: Review) -> bool:
    """QA reviewers and supervisors read every counted review; the reviewed agent reads their
    own once it is scored. A calibration review stays with its reviewer until the session
    closes, then every QA reviewer reads it."""
    if review.calibration_id is not None:
        return review.reviewer_id == actor.id or (
            review.calibration.closed_at is not None and actor.can(Permission.QA_REVIEW)
        )
    if actor.can(Permission.QA_VIEW):
        return True
    return review.agent_id == actor.id and review.is_scored


def may_change_review(actor: User, review: Review) -> bool:
    """Scoring: the reviewer it is assigned to (or any QA reviewer for an unassigned one, never
    on their own interaction), while it is not submitted. Disputes and acknowledgements by the
    agent and decisions by ``qa.decide`` are separate rules in ``qa/``."""
    from crm.qa.models import EDITABLE_STATUSES

    if review.status not in EDITABLE_STATUSES or not actor.can(Permission.QA_REVIEW):
        return False
    if review.reviewer_id is None:
        return review.agent_id != actor.id and review.calibration_id is None
    return review.reviewer_id == actor.id


# Training results: the trainee reads their own record; the session's trainer records results.


def may_read_training_result(actor: User, user_id: int) -> bool:
    """One's own training record needs no permission; ``training.view`` reads everyone's."""
    return user_id == actor.id or actor.can(Permission.TRAINING_VIEW)


def may_change_training_result(actor: User, session: TrainingSession) -> bool:
    """Attendance and exam results of a session: its trainer, or an administrator."""
    return actor.can(Permission.TRAINING_MANAGE) and (
        session.trainer_id == actor.id or actor.has_role(Role.ADMIN)
    )

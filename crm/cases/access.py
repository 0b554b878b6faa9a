"""Fetch-and-authorize for cases: views load them only through here, by the rules of
``crm/access.py`` and a team leader's scope (``crm/teams/scope.py``)."""

from __future__ import annotations

from flask import abort

from crm.access import may_change_case, may_read_case
from crm.auth.models import User
from crm.cases.models import Case
from crm.extensions import db
from crm.teams.scope import may_open_case


def case_for(actor: User, case_id: int) -> Case:
    """The case if ``actor`` may read it, else 404 (existence is not confirmed)."""
    case = db.session.get(Case, case_id)
    if case is None or not may_read_case(actor, case) or not may_open_case(actor, case):
        abort(404)
    return case


def case_to_change(actor: User, case_id: int) -> Case:
    """The case if ``actor`` may change it; 404 when they may not even read it, 403 when they
    may read but not change it (another agent's case they opened)."""
    case = case_for(actor, case_id)
    if not may_change_case(actor, case):
        abort(403)
    return case

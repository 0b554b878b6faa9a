"""What cases add to the homes (``crm.core.home``): the agent's open cases by time left, and
the supervisors' wallboard of cases at risk, past their limit and without an owner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.cases.models import DEPARTMENT_LABELS, Case, Department
from crm.cases.queries import my_open_cases, team_queue, unassigned_open_count
from crm.cases.sla import SlaState
from crm.core.home import HomeSection, register_home_section
from crm.i18n import lazy_gettext as _l
from crm.teams.duty import DutyBoard, on_duty_board
from crm.teams.scope import Scope, case_filter, scope_for

#: items a section lists before linking to the full page
HOME_ROWS = 8
#: cases read per state for the wallboard (its counts stop there; the queue has them all)
WALLBOARD_ROWS = 40


@dataclass(frozen=True)
class MyCases:
    rows: list[tuple[Case, SlaState]]
    total: int


def _my_cases(actor: User, now: datetime) -> MyCases:
    rows = my_open_cases(actor, now)
    return MyCases(rows[:HOME_ROWS], len(rows))


@dataclass(frozen=True)
class DepartmentWatch:
    department: str
    #: the department's name (a lazy translation)
    label: Any
    breached: list[tuple[Case, SlaState]]
    at_risk: list[tuple[Case, SlaState]]


@dataclass(frozen=True)
class Wallboard:
    departments: list[DepartmentWatch]
    unassigned: list[tuple[Case, SlaState]]
    unassigned_count: int
    #: the supervisor's team scope (the switch is shown when it narrows)
    scope: Scope
    #: who is on duty now and who is off, of the people in scope
    duty: DutyBoard


def _wallboard(actor: User, now: datetime) -> Wallboard:
    scope = scope_for(actor)
    where = case_filter(scope)
    breached = team_queue(now, state="breached", department=None, size=WALLBOARD_ROWS, scope=where)
    at_risk = team_queue(now, state="at_risk", department=None, size=WALLBOARD_ROWS, scope=where)
    grouped: dict[str, dict[str, list[tuple[Case, SlaState]]]] = defaultdict(
        lambda: {"breached": [], "at_risk": []}
    )
    for state, page in (("breached", breached), ("at_risk", at_risk)):
        for case, sla in page.rows:
            grouped[case.department][state].append((case, sla))
    departments = [
        DepartmentWatch(
            d.value,
            DEPARTMENT_LABELS[d],
            grouped[d.value]["breached"],
            grouped[d.value]["at_risk"],
        )
        for d in Department
        if d.value in grouped
    ]
    unassigned = team_queue(now, state="unassigned", department=None, size=HOME_ROWS, scope=where)
    return Wallboard(
        departments,
        unassigned.rows,
        unassigned_open_count(where),
        scope,
        on_duty_board(actor, scope, now),
    )


def register_home_sections(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_home_section(
        HomeSection(
            name="my_cases",
            title=_l("My open cases"),
            roles=frozenset({Role.AGENT}),
            permission=Permission.CASES_WORK,
            rows=_my_cases,
            template="cases/_home_mine.html",
            order=20,
        )
    )
    register_home_section(
        HomeSection(
            name="sla_wallboard",
            title=_l("Cases at risk and past their limit"),
            roles=frozenset({Role.SUPERVISOR}),
            permission=Permission.CASES_SUPERVISE,
            rows=_wallboard,
            template="cases/_home_wallboard.html",
            order=10,
        )
    )

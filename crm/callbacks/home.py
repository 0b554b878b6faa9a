"""What callbacks add to the homes (``crm.core.home``): the agent's calls due now, and the
supervisors' view of today's calls per agent and of calls nobody will make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.callbacks.models import CallbackTask
from crm.callbacks.queries import DayProgress, DueNow, due_now, progress_on, without_active_agent
from crm.core.home import HomeSection, register_home_section
from crm.i18n import lazy_gettext as _l
from crm.teams.scope import scope_for
from crm.timezones import department_today

#: items a section lists before linking to the full page
HOME_ROWS = 8


@dataclass(frozen=True)
class AgentCalls:
    due: DueNow
    today: date


def _agent_calls(actor: User, now: datetime) -> AgentCalls:
    today = department_today(now)
    return AgentCalls(due_now(actor, today, HOME_ROWS), today)


@dataclass(frozen=True)
class TeamCalls:
    progress: list[DayProgress]
    orphaned: list[CallbackTask]
    orphaned_count: int
    today: date


def _team_calls(actor: User, now: datetime) -> TeamCalls:
    today = department_today(now)
    orphaned, count = without_active_agent(today, HOME_ROWS)
    return TeamCalls(progress_on(today, scope_for(actor)), orphaned, count, today)


def register_home_sections(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_home_section(
        HomeSection(
            name="my_callbacks",
            title=_l("Callbacks due"),
            roles=frozenset({Role.AGENT}),
            permission=Permission.CALLBACKS_WORK,
            rows=_agent_calls,
            template="callbacks/_home_mine.html",
            order=10,
        )
    )
    register_home_section(
        HomeSection(
            name="team_callbacks",
            title=_l("Today's callbacks"),
            roles=frozenset({Role.SUPERVISOR}),
            permission=Permission.CALLBACKS_PLAN,
            rows=_team_calls,
            template="callbacks/_home_team.html",
            order=30,
        )
    )

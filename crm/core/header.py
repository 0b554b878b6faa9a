"""The counts every signed-in page shows in its navigation bar, read in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, Select, bindparam, literal, select

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.cases.queries import breached_open_count, my_open_count
from crm.contingency.models import Incident
from crm.contingency.queries import active_incident_id
from crm.extensions import db
from crm.notifications.inbox import unread_count


@dataclass(frozen=True)
class PageHeader:
    #: open cases assigned to the user (0 for those who do not work cases)
    my_open_cases: int
    #: open cases past a time limit, for those who supervise the queue; else 0
    breached_cases: int
    #: unread notifications, counted up to one more than the bell shows
    unread_notifications: int
    #: the incident in force, if contingency mode is on
    incident: Incident | None


@cache
def _statement(works_cases: bool, supervises: bool) -> Select:
    """Built once per shape and then only run with a new user id: building it costs more
    than running it."""
    user_id = bindparam("user_id", type_=Integer)
    nothing = literal(0)
    return select(
        my_open_count(user_id) if works_cases else nothing,
        breached_open_count() if supervises else nothing,
        unread_count(user_id),
        active_incident_id(),
    )


def page_header(user: User) -> PageHeader:
    """The navigation's badges and the contingency banner for ``user``: one statement of
    scalar subqueries (each through its own index), and a second one only while an incident
    is in force."""
    statement = _statement(user.can(Permission.CASES_WORK), user.can(Permission.CASES_SUPERVISE))
    mine, breached, unread, incident_id = db.session.execute(statement, {"user_id": user.id}).one()
    incident = db.session.get(Incident, incident_id) if incident_id is not None else None
    return PageHeader(mine, breached, unread, incident)

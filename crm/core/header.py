"""The counts every signed-in page shows in its navigation bar, read in one statement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal, select

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.cases.queries import breached_open_count, my_open_count
from crm.contingency.models import Incident
from crm.contingency.queries import active_incident_id
from crm.extensions import db
from crm.notifications.services import unread_count


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


def page_header(user: User) -> PageHeader:
    """The navigation's badges and the contingency banner for ``user``: one statement of
    scalar subqueries (each through its own index), and a second one only while an incident
    is in force."""
    none = literal(0)
    row = db.session.execute(
        select(
            my_open_count(user) if user.can(Permission.CASES_WORK) else none,
            breached_open_count() if user.can(Permission.CASES_SUPERVISE) else none,
            unread_count(user),
            active_incident_id(),
        )
    ).one()
    mine, breached, unread, incident_id = row
    incident = db.session.get(Incident, incident_id) if incident_id is not None else None
    return PageHeader(mine, breached, unread, incident)

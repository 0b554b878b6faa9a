"""Reading incidents; the cases module asks here whether clocks are stopped, so this module
imports nothing from it."""

from __future__ import annotations

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import selectinload

from crm.contingency.models import Incident, IncidentEntry
from crm.extensions import db


def active_incident() -> Incident | None:
    """The incident in force, if contingency mode is on."""
    return db.session.scalar(select(Incident).where(Incident.active))


def active_incident_id() -> ScalarSelect[int | None]:
    """The id of the incident in force (NULL when none), as a subquery for the navigation's
    single statement."""
    return select(Incident.id).where(Incident.active).scalar_subquery()


def incidents_with_log(limit: int) -> list[Incident]:
    """The newest incidents, each with its log and authors loaded."""
    return list(
        db.session.scalars(
            select(Incident)
            .options(selectinload(Incident.entries).joinedload(IncidentEntry.author))
            .order_by(Incident.started_at.desc())
            .limit(limit)
        )
    )

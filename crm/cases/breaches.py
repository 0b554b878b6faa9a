"""SLA breaches, recorded exactly once per case and clock.

The UNIQUE (case, clock) key of ``sla_breaches`` decides who records a breach: of two
schedulers (or a scheduler and an agent resolving late) the first insert wins, the other's is
a no-op, and only the winner sets the case's flag, writes the history entry and notifies.
"""

from __future__ import annotations

from datetime import datetime

from crm.cases.models import Case, CaseEvent, SlaBreach
from crm.database import insert_ignoring_duplicates
from crm.extensions import db

#: clock -> the case's flag that keeps the breach on the case for queues and reports
FLAGS = {"first_response": "response_breached", "resolution": "resolution_breached"}


def record_breach(case: Case, clock: str, now: datetime, *, event: bool = True) -> bool:
    """Record that ``case`` missed its ``clock`` deadline, unless that is recorded already.

    :param event: also add a "breach" entry to the case's history (the scheduler's job does;
        a late status change has its own entry).
    :returns: whether this call recorded it (False: someone had).
    """
    due = case.first_response_due_at if clock == "first_response" else case.resolution_due_at
    row = {"case_id": case.id, "clock": clock, "due_at": due, "at": now}
    if not insert_ignoring_duplicates(db.session, SlaBreach, [row]):
        return False
    setattr(case, FLAGS[clock], True)
    if event:
        db.session.add(
            CaseEvent(
                case_id=case.id, actor_id=None, kind="breach", at=now, details={"clock": clock}
            )
        )
    return True

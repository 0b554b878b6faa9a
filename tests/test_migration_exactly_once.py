"""Migration 0012 on a database that already holds twice-recorded breaches: the duplicates go,
the oldest of each stays, and every breach on record gets its keyed row."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from crm.cases.models import Case, CaseEvent, SlaBreach
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import build_app, dispose
from tests.factories import make_customer, make_user


def test_duplicate_breaches_are_removed_keeping_the_oldest(tmp_path: Path) -> None:
    app = build_app(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with app.app_context():
            # The records are made by today's services, then the schema goes back to 0011,
            # where two schedulers could record a breach twice.
            upgrade()
            agent = make_user(username="old.agent", roles=["agent"])
            customer = make_customer(actor=agent, name="老客户")
            opened = utcnow() - timedelta(days=3)
            late = open_case(
                actor=agent, customer=customer, subject="旧工单", category="inquiry", now=opened
            )
            resolved_late = open_case(
                actor=agent, customer=customer, subject="迟解决", category="inquiry", now=opened
            )
            db.session.commit()
            late_id, resolved_id = late.id, resolved_late.id
            db.session.remove()
            downgrade(revision="0011")

            cases = Case.__table__
            db.session.execute(
                update(cases)
                .where(cases.c.id == late_id)
                .values(response_breached=True, resolution_breached=True)
            )
            # flagged by a late status change only
            db.session.execute(
                update(cases).where(cases.c.id == resolved_id).values(resolution_breached=True)
            )
            for minutes in (0, 1, 2):
                for clock in ("first_response", "resolution"):
                    db.session.add(
                        CaseEvent(
                            case_id=late_id,
                            kind="breach",
                            at=opened + timedelta(days=1, minutes=minutes),
                            details={"clock": clock},
                        )
                    )
            db.session.commit()
            first_ids = sorted(
                db.session.scalars(
                    select(CaseEvent.id).where(CaseEvent.kind == "breach").order_by(CaseEvent.id)
                )
            )[:2]
            db.session.remove()

            upgrade()

            kept = db.session.scalars(
                select(CaseEvent).where(CaseEvent.kind == "breach").order_by(CaseEvent.id)
            ).all()
            assert [event.id for event in kept] == first_ids
            breaches = {
                (row.case_id, row.clock): row for row in db.session.scalars(select(SlaBreach))
            }
            assert set(breaches) == {
                (late_id, "first_response"),
                (late_id, "resolution"),
                (resolved_id, "resolution"),
            }
            assert breaches[(late_id, "resolution")].at == opened + timedelta(days=1)
            case = db.session.get(Case, resolved_id)
            assert breaches[(resolved_id, "resolution")].due_at == case.resolution_due_at
    finally:
        dispose(app)

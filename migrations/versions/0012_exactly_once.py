"""Exactly once: SLA breaches keyed by case and clock, notices by person, kind, subject and
period.

Two schedulers at once could record the same breach twice (two "breach" entries in the case's
history). The duplicates go first, keeping the oldest; then every breach on record, from the
history or from the case's flags, gets its row in ``sla_breaches``, whose UNIQUE (case, clock)
makes any later repeat a no-op. Notices had a key of person, kind and subject; it gains the
period (the window a repeatable notice is for). Callback tasks had theirs (plan, date).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

import crm.database


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_NOTICE_KEY = "uq_notifications_user_id_kind_subject_type_subject_id"
NEW_NOTICE_KEY = "uq_notifications_user_id_kind_subject_type_subject_id_period"

case_events = sa.table(
    "case_events",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("at", crm.database.UTCDateTime(timezone=True)),
    sa.column("details", sa.JSON),
)
cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("first_response_due_at", crm.database.UTCDateTime(timezone=True)),
    sa.column("resolution_due_at", crm.database.UTCDateTime(timezone=True)),
    sa.column("first_response_at", crm.database.UTCDateTime(timezone=True)),
    sa.column("resolved_at", crm.database.UTCDateTime(timezone=True)),
    sa.column("response_breached", sa.Boolean),
    sa.column("resolution_breached", sa.Boolean),
)


def _first_breach_events(connection) -> dict:
    """(case, clock) -> when it was first recorded; deletes the later duplicates."""
    first: dict = {}
    duplicates = []
    rows = connection.execute(
        sa.select(case_events.c.id, case_events.c.case_id, case_events.c.at, case_events.c.details)
        .where(case_events.c.kind == "breach")
        .order_by(case_events.c.id)
    )
    for event_id, case_id, at, details in rows:
        key = (case_id, (details or {}).get("clock"))
        if key in first:
            duplicates.append(event_id)
        else:
            first[key] = at
    for start in range(0, len(duplicates), 500):
        connection.execute(
            sa.delete(case_events).where(case_events.c.id.in_(duplicates[start : start + 500]))
        )
    return first


def _breach_rows(connection, first: dict) -> list[dict]:
    rows = []
    flagged = connection.execute(
        sa.select(cases).where(
            sa.or_(cases.c.response_breached.is_(True), cases.c.resolution_breached.is_(True))
        )
    )
    for case in flagged:
        for clock, breached, due, reached in (
            (
                "first_response",
                case.response_breached,
                case.first_response_due_at,
                case.first_response_at,
            ),
            ("resolution", case.resolution_breached, case.resolution_due_at, case.resolved_at),
        ):
            if breached or (case.id, clock) in first:
                at = first.get((case.id, clock)) or reached or due
                rows.append({"case_id": case.id, "clock": clock, "due_at": due, "at": at})
    return rows


def upgrade():
    connection = op.get_bind()
    first = _first_breach_events(connection)
    breaches = op.create_table(
        "sla_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=20), nullable=False),
        sa.Column("due_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "clock IN ('first_response', 'resolution')", name=op.f("ck_sla_breaches_clock_known")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_sla_breaches_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
        sa.UniqueConstraint("case_id", "clock", name=op.f("uq_sla_breaches_case_id_clock")),
    )
    rows = _breach_rows(connection, first)
    if rows:
        op.bulk_insert(breaches, rows)

    # Notices: the key gains the window a repeatable kind is for ("" for once per subject). The
    # old key (without it) was stricter, so no duplicates can exist to remove.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("period", sa.String(length=20), server_default="", nullable=False)
        )
        batch_op.drop_constraint(OLD_NOTICE_KEY, type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f(NEW_NOTICE_KEY), ["user_id", "kind", "subject_type", "subject_id", "period"]
        )


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(NEW_NOTICE_KEY, type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f(OLD_NOTICE_KEY), ["user_id", "kind", "subject_type", "subject_id"]
        )
        batch_op.drop_column("period")
    op.drop_table("sla_breaches")

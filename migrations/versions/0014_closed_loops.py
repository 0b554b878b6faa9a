"""Closed loops: the supervisors of each department (who hear of transfers, at-risk cases,
breaches and low scores), and QA's training assignments that a dispute withdraws or a trainer
plans into a session.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:50:00

"""

from alembic import op
import sqlalchemy as sa

import crm.database


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

QUEUE = "session_id IS NULL AND withdrawn_at IS NULL"


def upgrade():
    op.create_table(
        "department_supervisors",
        sa.Column("department", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "department IN ('service', 'tech_support', 'after_sales', 'complaints')",
            name=op.f("ck_department_supervisors_department_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_department_supervisors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("department", "user_id", name=op.f("pk_department_supervisors")),
    )
    with op.batch_alter_table("qa_training_assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withdrawn_at", crm.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_qa_training_assignments_session_id_training_sessions"),
            "training_sessions",
            ["session_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_qa_training_assignments_queue",
            ["topic_id"],
            unique=False,
            sqlite_where=sa.text(QUEUE),
            postgresql_where=sa.text(QUEUE),
        )


def downgrade():
    with op.batch_alter_table("qa_training_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_qa_training_assignments_queue",
            sqlite_where=sa.text(QUEUE),
            postgresql_where=sa.text(QUEUE),
        )
        batch_op.drop_constraint(
            batch_op.f("fk_qa_training_assignments_session_id_training_sessions"),
            type_="foreignkey",
        )
        batch_op.drop_column("session_id")
        batch_op.drop_column("withdrawn_at")
    op.drop_table("department_supervisors")

"""Closed loops for callbacks: an interaction says whether the customer was reached (only a
reached contact moves 最近联系), and a skipped or rescheduled callback keeps its reason.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


REASONS = (
    "customer_busy",
    "customer_away",
    "customer_asked",
    "contacted_otherwise",
    "agent_absent",
    "other",
)


def upgrade():
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reached", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("callback_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            "reason_known",
            sa.or_(sa.column("reason").is_(None), sa.column("reason").in_(REASONS)),
        )


def downgrade():
    with op.batch_alter_table("callback_tasks", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_callback_tasks_reason_known"), type_="check")
        batch_op.drop_column("reason")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("reached")

"""Closed loops for callbacks: an interaction says whether the customer was reached (only a
reached contact moves 最近联系), and a skipped or rescheduled callback keeps its reason.

Revision ID: 0016
Revises: 0011
Create Date: 2026-12-02 14:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reached", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("reached")

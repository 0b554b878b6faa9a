"""Merge records: what each customer merge did, so that it can be undone exactly.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 10:00:00

"""

from alembic import op
import sqlalchemy as sa

import crm.database


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("target_version", sa.Integer(), nullable=False),
        sa.Column("source_phones", sa.JSON(), nullable=False),
        sa.Column("moved_rows", sa.JSON(), nullable=False),
        sa.Column("undone_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_customer_merges_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["customers.id"], name=op.f("fk_customer_merges_source_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["customers.id"], name=op.f("fk_customer_merges_target_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["users.id"], name=op.f("fk_customer_merges_undone_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merges")),
    )
    with op.batch_alter_table("customer_merges", schema=None) as batch_op:
        batch_op.create_index("ix_customer_merges_source_id", ["source_id"], unique=False)
        batch_op.create_index("ix_customer_merges_target_id", ["target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("customer_merges", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_merges_target_id")
        batch_op.drop_index("ix_customer_merges_source_id")
    op.drop_table("customer_merges")

"""Import as a background job: a generic jobs table worked by the scheduler, each import row's
outcome (and before-image) in import_rows instead of one JSON per batch, the commit's
checkpoint, and named column-mapping templates.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 17:55:00

"""

import json

from alembic import op
import sqlalchemy as sa

import crm.database


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OPEN = "state IN ('queued', 'running')"


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_jobs_state_known")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_jobs_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_jobs_idempotency_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_jobs_open",
            ["id"],
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
    op.create_table(
        "import_rows",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("warning_count", sa.SmallInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_rows_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "line", name=op.f("pk_import_rows")),
    )
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_import_rows_outcome", ["batch_id", "action", "line"], unique=False
        )
    op.create_table(
        "import_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_import_templates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_import_templates_name")),
    )
    # Committed batches keep their undo: each customer's before-image becomes one row.
    connection = op.get_bind()
    rows = sa.table(
        "import_rows",
        *(sa.column(name) for name in ("batch_id", "line", "action", "name", "reason")),
        *(sa.column(name) for name in ("message", "warnings", "warning_count", "customer_id")),
        sa.column("before", sa.JSON()),
        sa.column("version"),
    )
    saved = connection.execute(
        sa.text("SELECT id, previous_values FROM import_batches WHERE status = 'committed'")
    )
    for batch_id, previous in saved.fetchall():
        values = json.loads(previous) if isinstance(previous, str) else previous or {}
        if not values:
            continue
        connection.execute(
            rows.insert(),
            [
                {
                    "batch_id": batch_id,
                    "line": line,
                    "action": "update",
                    "name": "",
                    "reason": "",
                    "message": "",
                    "warnings": "",
                    "warning_count": 0,
                    "customer_id": int(customer_id),
                    "before": entry["before"],
                    "version": entry["version"],
                }
                for line, (customer_id, entry) in enumerate(values.items(), start=1)
            ],
        )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("committed_through", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_import_batches_job_id_jobs"), "jobs", ["job_id"], ["id"]
        )
        batch_op.drop_column("previous_values")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.alter_column("committed_through", server_default=None)


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("previous_values", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.drop_constraint(batch_op.f("fk_import_batches_job_id_jobs"), type_="foreignkey")
        batch_op.drop_column("job_id")
        batch_op.drop_column("committed_through")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.alter_column("previous_values", server_default=None)
    op.drop_table("import_templates")
    with op.batch_alter_table("import_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_import_rows_outcome")
    op.drop_table("import_rows")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_jobs_open", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN)
        )
    op.drop_table("jobs")

"""An import's uploaded file in a table of 1 MB parts instead of the content column: written and
read a part per statement, so neither SQLite (which built the column's zero blob in memory) nor
PostgreSQL's path (which read the file whole) holds the whole file.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: as ``crm.customers.import_store.SLICE_BYTES`` (a migration keeps its own copy)
PART_BYTES = 1024 * 1024

batches = sa.table(
    "import_batches", sa.column("id", sa.Integer()), sa.column("content", sa.LargeBinary())
)
parts = sa.table(
    "import_file_parts",
    sa.column("batch_id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("data", sa.LargeBinary()),
)


def upgrade():
    op.create_table(
        "import_file_parts",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_file_parts_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "seq", name=op.f("pk_import_file_parts")),
    )
    # Files not yet committed keep their dry run and commit: each becomes its parts, one file
    # in memory at a time (an empty file keeps one empty part, as import_store writes it).
    connection = op.get_bind()
    waiting = connection.scalars(sa.select(batches.c.id).where(batches.c.content.is_not(None)))
    for batch_id in waiting.all():
        content = connection.scalar(sa.select(batches.c.content).where(batches.c.id == batch_id))
        for seq, start in enumerate(range(0, max(len(content), 1), PART_BYTES)):
            connection.execute(
                parts.insert().values(
                    batch_id=batch_id, seq=seq, data=content[start : start + PART_BYTES]
                )
            )
        del content
    # On SQLite this rebuilds import_batches (copy, drop, rename): safe for the parts just
    # written only because migrations/env.py turns foreign keys off, so the drop cascades nothing.
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("content")


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    kept = connection.scalars(sa.select(parts.c.batch_id).distinct())
    for batch_id in kept.all():
        pieces = connection.scalars(
            sa.select(parts.c.data).where(parts.c.batch_id == batch_id).order_by(parts.c.seq)
        )
        connection.execute(
            batches.update()
            .where(batches.c.id == batch_id)
            .values(content=b"".join(bytes(piece) for piece in pieces))
        )
    op.drop_table("import_file_parts")

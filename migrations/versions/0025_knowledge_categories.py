"""Knowledge category tree: editors' subcategories under the four service categories.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 17:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kb_subcategories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.CheckConstraint(
            "category IN ('inquiry', 'tech_support', 'after_sales', 'complaint')",
            name=op.f("ck_kb_subcategories_category"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_subcategories")),
        sa.UniqueConstraint("category", "name", name=op.f("uq_kb_subcategories_category_name")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("kb_articles", sa.Column("subcategory_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_kb_articles_subcategory_id_kb_subcategories",
            "kb_articles",
            "kb_subcategories",
            ["subcategory_id"],
            ["id"],
        )
    else:
        # Not a batch (a table copy), which would drop kb_articles' search triggers: SQLite
        # takes the foreign key inline in ADD COLUMN.
        op.execute(
            "ALTER TABLE kb_articles ADD COLUMN subcategory_id INTEGER"
            " CONSTRAINT fk_kb_articles_subcategory_id_kb_subcategories"
            " REFERENCES kb_subcategories (id)"
        )
    op.create_index(
        op.f("ix_kb_articles_subcategory_id"), "kb_articles", ["subcategory_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_kb_articles_subcategory_id"), table_name="kb_articles")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(
            "fk_kb_articles_subcategory_id_kb_subcategories", "kb_articles", type_="foreignkey"
        )
    # SQLite (3.35+) drops a column without copying the table, keeping the search triggers.
    op.drop_column("kb_articles", "subcategory_id")
    op.drop_table("kb_subcategories")

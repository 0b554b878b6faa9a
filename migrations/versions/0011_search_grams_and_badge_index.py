"""Search: an index of the one- and two-character pieces of each customer's search text, for
fragments too short for trigrams (a given name, pinyin initials). Cases: an index for the
open-case badges every page shows, and one for the team queue's pages.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 14:24:37.356692

"""

from alembic import op
import sqlalchemy as sa

from crm.customers.search import build_search_grams


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000

SQLITE_GRAMS = [
    "CREATE VIRTUAL TABLE customer_search_grams USING fts5(search_grams, content='customers', "
    "content_rowid='id', tokenize='unicode61')",
    "INSERT INTO customer_search_grams(customer_search_grams) VALUES ('rebuild')",
    "CREATE TRIGGER customers_grams_insert AFTER INSERT ON customers BEGIN "
    "INSERT INTO customer_search_grams(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER customers_grams_delete AFTER DELETE ON customers BEGIN "
    "INSERT INTO customer_search_grams(customer_search_grams, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER customers_grams_update AFTER UPDATE OF search_grams ON customers BEGIN "
    "INSERT INTO customer_search_grams(customer_search_grams, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO customer_search_grams(rowid, search_grams) VALUES (new.id, new.search_grams); "
    "END",
]


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_status_assignee",
            ["status", "assignee_id", "resolution_breached", "response_breached"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cases_open_queue",
            ["resolution_due_at", "id"],
            unique=False,
            sqlite_where=sa.text("status NOT IN ('resolved', 'closed')"),
            postgresql_where=sa.text("status NOT IN ('resolved', 'closed')"),
        )
    # Not in batch mode: recreating customers on SQLite would drop its search triggers.
    op.add_column(
        "customers", sa.Column("search_grams", sa.Text(), nullable=False, server_default="")
    )
    _fill_grams()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_customers_search_grams ON customers "
            "USING gin (string_to_array(search_grams, ' '))"
        )
    else:
        for statement in SQLITE_GRAMS:
            op.execute(statement)


def _fill_grams():
    connection = op.get_bind()
    customers = sa.table(
        "customers", sa.column("id", sa.Integer), sa.column("search_text", sa.Text),
        sa.column("search_grams", sa.Text),
    )  # fmt: skip
    update = (
        customers.update()
        .where(customers.c.id == sa.bindparam("row_id"))
        .values(search_grams=sa.bindparam("grams"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(customers.c.id, customers.c.search_text)
            .where(customers.c.id > last)
            .order_by(customers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [{"row_id": row.id, "grams": build_search_grams(row.search_text)} for row in rows],
        )
        last = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_customers_search_grams")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER customers_grams_{trigger}")
        op.execute("DROP TABLE customer_search_grams")
    op.drop_column("customers", "search_grams")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_open_queue")
        batch_op.drop_index("ix_cases_status_assignee")

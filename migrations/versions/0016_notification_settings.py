"""Notification settings: per person and kind, in the app or not and e-mailed at once, daily or
never; digests that fold many notices of one kind into one; one daily digest e-mail per person
and day.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:27:30

"""

from alembic import op
import sqlalchemy as sa

import crm.database


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_email_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_email_digests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_email_digests")),
        sa.UniqueConstraint(
            "user_id", "day", name=op.f("uq_notification_email_digests_user_id_day")
        ),
    )
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "email IN ('off', 'immediate', 'daily')",
            name=op.f("ck_notification_settings_email_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_settings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_settings")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notification_settings_user_id_kind")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_notifications_digest_id", ["digest_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_listed",
            ["user_id", "created_at", "id"],
            unique=False,
            sqlite_where=sa.text("digest_id IS NULL"),
            postgresql_where=sa.text("digest_id IS NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_digest_id_notifications"),
            "notifications",
            ["digest_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_digest_id_notifications"), type_="foreignkey"
        )
        batch_op.drop_index(
            "ix_notifications_listed",
            sqlite_where=sa.text("digest_id IS NULL"),
            postgresql_where=sa.text("digest_id IS NULL"),
        )
        batch_op.drop_index("ix_notifications_digest_id")
        batch_op.drop_column("digest_id")

    op.drop_table("notification_settings")
    op.drop_table("notification_email_digests")

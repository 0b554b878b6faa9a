"""Channels: the case conversation (messages, attachments, reply templates), the e-mail outbox,
inbound receipts, the phone system's calls, department routing; cases that arrived by a channel
(origin, requester, no customer yet, status page secret); the contact form as an interaction
channel.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:33:05.611804

"""

from alembic import op
import sqlalchemy as sa

import crm.database


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ORIGINS = ("agent", "email", "web")
CHANNELS = ("phone", "email", "chat", "visit", "other")


def upgrade():
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "event IN ('ringing', 'answered', 'ended', 'missed')",
            name=op.f("ck_call_events_event_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
        sa.UniqueConstraint("call_id", "event", name=op.f("uq_call_events_call_id_event")),
    )
    op.create_table(
        "department_agents",
        sa.Column("department", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "department IN ('service', 'tech_support', 'after_sales', 'complaints')",
            name=op.f("ck_department_agents_department_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_department_agents_user_id_users")
        ),
        sa.PrimaryKeyConstraint("department", "user_id", name=op.f("pk_department_agents")),
    )
    op.create_table(
        "department_routing",
        sa.Column("department", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("last_assignee_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "department IN ('service', 'tech_support', 'after_sales', 'complaints')",
            name=op.f("ck_department_routing_department_known"),
        ),
        sa.CheckConstraint(
            "mode IN ('round_robin', 'least_open', 'manual')",
            name=op.f("ck_department_routing_mode_known"),
        ),
        sa.ForeignKeyConstraint(
            ["last_assignee_id"],
            ["users.id"],
            name=op.f("fk_department_routing_last_assignee_id_users"),
        ),
        sa.PrimaryKeyConstraint("department", name=op.f("pk_department_routing")),
    )
    op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_reply_templates_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_reply_templates_name")),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=100), nullable=False),
        sa.Column("from_number", sa.String(length=40), nullable=False),
        sa.Column("to_number", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("ringing_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("missed_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("callback_task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_calls_agent_id_users")),
        sa.ForeignKeyConstraint(
            ["callback_task_id"],
            ["callback_tasks.id"],
            name=op.f("fk_calls_callback_task_id_callback_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_calls_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_calls_interaction_id_interactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_calls_call_id")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_ringing_at", ["ringing_at"], unique=False)

    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("sender_address", sa.String(length=254), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("quoted_text", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'web', 'portal', 'agent')",
            name=op.f("ck_case_messages_channel_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('inbound', 'reply', 'note')", name=op.f("ck_case_messages_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_case_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_messages_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_case_messages_message_id")),
    )
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.create_index("ix_case_messages_case_at", ["case_id", "created_at"], unique=False)

    op.create_table(
        "inbound_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("received_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("ignored", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_inbound_receipts_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_inbound_receipts_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_receipts")),
        sa.UniqueConstraint("external_id", name=op.f("uq_inbound_receipts_external_id")),
    )
    with op.batch_alter_table("inbound_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_receipts_received_at", ["received_at"], unique=False)

    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_case_attachments_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["case_messages.id"],
            name=op.f("fk_case_attachments_message_id_case_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
    )
    with op.batch_alter_table("case_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_case_attachments_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_case_attachments_message_id", ["message_id"], unique=False)

    op.create_table(
        "outbound_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_message_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", crm.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('reply', 'ack', 'survey')", name=op.f("ck_outbound_mails_kind_known")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed')", name=op.f("ck_outbound_mails_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_outbound_mails_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["case_message_id"],
            ["case_messages.id"],
            name=op.f("fk_outbound_mails_case_message_id_case_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_mails_message_id")),
    )
    with op.batch_alter_table("outbound_mails", schema=None) as batch_op:
        batch_op.create_index("ix_outbound_mails_case_id", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_outbound_mails_due",
            ["next_attempt_at"],
            unique=False,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.create_index(
            "ix_outbound_mails_to_created", ["to_address", "created_at"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=10), nullable=False, server_default="agent")
        )
        batch_op.add_column(sa.Column("requester_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("requester_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("requester_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("customer_match", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("portal_token_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column("customer_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("opened_by_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_cases_portal_token_hash"), ["portal_token_hash"]
        )
        batch_op.create_check_constraint("origin_known", sa.column("origin").in_(ORIGINS))
        batch_op.create_check_constraint(
            "customer_match_known",
            sa.text("customer_match IS NULL OR customer_match IN ('none', 'several')"),
        )
    # The server default only filled the existing rows; the model sets every new one.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("origin", existing_type=sa.String(length=10), server_default=None)
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_interactions_channel_known"), type_="check")
        batch_op.create_check_constraint(
            "channel_known", sa.column("channel").in_((*CHANNELS, "web"))
        )


def downgrade():
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_interactions_channel_known"), type_="check")
        batch_op.create_check_constraint("channel_known", sa.column("channel").in_(CHANNELS))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cases_customer_match_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_cases_origin_known"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_cases_portal_token_hash"), type_="unique")
        batch_op.alter_column("opened_by_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("customer_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("portal_token_hash")
        batch_op.drop_column("customer_match")
        batch_op.drop_column("requester_phone")
        batch_op.drop_column("requester_email")
        batch_op.drop_column("requester_name")
        batch_op.drop_column("origin")

    with op.batch_alter_table("outbound_mails", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_mails_to_created")
        batch_op.drop_index(
            "ix_outbound_mails_due",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.drop_index("ix_outbound_mails_case_id")

    op.drop_table("outbound_mails")
    with op.batch_alter_table("case_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_case_attachments_message_id")
        batch_op.drop_index("ix_case_attachments_case_id")

    op.drop_table("case_attachments")
    with op.batch_alter_table("inbound_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_receipts_received_at")

    op.drop_table("inbound_receipts")
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_case_messages_case_at")

    op.drop_table("case_messages")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_ringing_at")

    op.drop_table("calls")
    op.drop_table("reply_templates")
    op.drop_table("department_routing")
    op.drop_table("department_agents")
    op.drop_table("call_events")

"""Knowledge base links: articles defining QA criteria and training topics' material, what
contact-form visitors did with suggested articles (deflections).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 16:40:00

"""

from alembic import op
import sqlalchemy as sa

import crm.database


revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kb_criterion_articles",
        sa.Column("criterion_code", sa.String(length=40), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_criterion_articles_article_id_kb_articles"),
        ),
        sa.PrimaryKeyConstraint(
            "criterion_code", "article_id", name=op.f("pk_kb_criterion_articles")
        ),
    )
    op.create_table(
        "kb_topic_articles",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_topic_articles_article_id_kb_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["training_topics.id"],
            name=op.f("fk_kb_topic_articles_topic_id_training_topics"),
        ),
        sa.PrimaryKeyConstraint("topic_id", "article_id", name=op.f("pk_kb_topic_articles")),
    )
    op.create_table(
        "kb_contact_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("at", crm.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "event IN ('opened', 'solved')", name=op.f("ck_kb_contact_events_event")
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_contact_events_article_id_kb_articles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_contact_events")),
    )
    with op.batch_alter_table("kb_contact_events", schema=None) as batch_op:
        batch_op.create_index("ix_kb_contact_events_at", ["at"], unique=False)


def downgrade():
    with op.batch_alter_table("kb_contact_events", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_contact_events_at")
    op.drop_table("kb_contact_events")
    op.drop_table("kb_topic_articles")
    op.drop_table("kb_criterion_articles")

"""initial schema: users, step progress, study logs, FAQ statistics

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "platform_user_id", name="uq_users_platform_user"),
    )
    op.create_table(
        "step_progress",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("step_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "study_logs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("logged_at", UtcDateTime(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
    )
    op.create_index("ix_study_logs_user_day", "study_logs", ["user_id", "local_day"])
    op.create_table(
        "faq_stats",
        sa.Column("faq_id", sa.String(64), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("asked", sa.Integer(), nullable=False),
    )
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("text", "lang", name="uq_unanswered_text_lang"),
    )


def downgrade() -> None:
    op.drop_table("unanswered_questions")
    op.drop_table("faq_stats")
    op.drop_index("ix_study_logs_user_day", table_name="study_logs")
    op.drop_table("study_logs")
    op.drop_table("step_progress")
    op.drop_table("users")

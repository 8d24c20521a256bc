"""challenges: a group's N-day challenge (/challenge), who joined it and their explicit check-ins;
reminders.kind widened to 16 characters (the end-of-challenge summary is a reminder of kind "challenge")

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column(
            "kind",
            existing_type=sa.String(8),
            type_=sa.String(16),
            existing_nullable=False,
            existing_server_default="text",
        )
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "reminder_id",
            sa.Integer(),
            sa.ForeignKey("reminders.id", ondelete="SET NULL", name="fk_challenges_reminder"),
            nullable=True,
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "chat_id", "number", name="uq_challenges_chat_number"),
    )
    op.create_index("ix_challenges_creator", "challenges", ["created_by"])
    op.create_index("ix_challenges_reminder", "challenges", ["reminder_id"])
    op.create_table(
        "challenge_members",
        sa.Column(
            "challenge_id",
            sa.Integer(),
            sa.ForeignKey("challenges.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_challenge_members_user", "challenge_members", ["user_id"])
    op.create_table(
        "challenge_checkins",
        sa.Column(
            "challenge_id",
            sa.Integer(),
            sa.ForeignKey("challenges.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
    )
    op.create_index("ix_challenge_checkins_user", "challenge_checkins", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_challenge_checkins_user", table_name="challenge_checkins")
    op.drop_table("challenge_checkins")
    op.drop_index("ix_challenge_members_user", table_name="challenge_members")
    op.drop_table("challenge_members")
    op.drop_index("ix_challenges_reminder", table_name="challenges")
    op.drop_index("ix_challenges_creator", table_name="challenges")
    op.drop_table("challenges")
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column(
            "kind",
            existing_type=sa.String(16),
            type_=sa.String(8),
            existing_nullable=False,
            existing_server_default="text",
        )

"""reminders: chats, reminders, deliveries; users.timezone_set and reminders_notice

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("timezone_set", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(
            sa.Column("reminders_notice", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("blocked_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("platform", "chat_id", name="uq_chats_platform_chat"),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("next_fire_at", UtcDateTime(), nullable=True),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("missed_unreported", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_reminders_due", "reminders", ["next_fire_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reminder_id", sa.Integer(), sa.ForeignKey("reminders.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("fire_at", UtcDateTime(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("delayed", sa.Boolean(), nullable=False),
        sa.Column("missed_before", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("error", sa.String(200), nullable=False),
        sa.UniqueConstraint("reminder_id", "fire_at", "seq", name="uq_deliveries_occurrence"),
    )
    op.create_index("ix_deliveries_pending", "deliveries", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_pending", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_reminders_due", table_name="reminders")
    op.drop_table("reminders")
    op.drop_table("chats")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("reminders_notice")
        batch.drop_column("timezone_set")

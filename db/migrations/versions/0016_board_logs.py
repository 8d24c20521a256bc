"""board logs: each board's own copy of its members' study logs since they joined (one row per board
and log), so that a board of thousands of members sums one index range instead of looking up each
member's logs; filled from the boards and logs there are.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_logs",
        sa.Column(
            "log_id", sa.Integer(), sa.ForeignKey("study_logs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("studied_at", UtcDateTime(), nullable=False),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_board_logs_window",
        "board_logs",
        ["platform", "chat_id", "studied_at", "user_id", "joined_at", "minutes"],
    )
    op.create_index("ix_board_logs_user", "board_logs", ["user_id", "platform", "chat_id"])
    op.execute(
        "INSERT INTO board_logs (log_id, platform, chat_id, user_id, studied_at, joined_at, minutes) "
        "SELECT l.id, m.platform, m.chat_id, l.user_id, l.studied_at, m.joined_at, l.minutes "
        "FROM board_members m JOIN study_logs l ON l.user_id = m.user_id AND l.studied_at >= m.joined_at"
    )


def downgrade() -> None:
    op.drop_index("ix_board_logs_user", table_name="board_logs")
    op.drop_index("ix_board_logs_window", table_name="board_logs")
    op.drop_table("board_logs")

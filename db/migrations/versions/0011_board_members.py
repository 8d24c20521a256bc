"""leaderboards: the learners who joined a group's weekly board (/leaderboard join)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_members",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_board_members_user", "board_members", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_board_members_user", table_name="board_members")
    op.drop_table("board_members")

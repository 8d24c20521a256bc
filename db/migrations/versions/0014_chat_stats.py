"""chat stats: who used the bot in which group on which local day, a group's question counts per day
and the questions it asked that nobody answered (for a group's /stats)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_activity",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_chat_activity_user", "chat_activity", ["user_id"])
    op.create_table(
        "chat_question_tallies",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("answered", sa.Boolean(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "chat_unanswered",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(64), primary_key=True),
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("unanswered_questions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_chat_unanswered_question", "chat_unanswered", ["question_id"])


def downgrade() -> None:
    op.drop_index("ix_chat_unanswered_question", table_name="chat_unanswered")
    op.drop_table("chat_unanswered")
    op.drop_table("chat_question_tallies")
    op.drop_index("ix_chat_activity_user", table_name="chat_activity")
    op.drop_table("chat_activity")

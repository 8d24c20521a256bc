"""practice: each learner's cards with their FSRS memory state, the review history, quiz answers, and the
review or quiz in progress

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _user() -> sa.Column:
    return sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "practice_cards",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("step_id", sa.String(64), nullable=False),
        sa.Column("card_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("learning_step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UtcDateTime(), nullable=False),
        sa.Column("last_review", UtcDateTime(), nullable=True),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "step_id", "card_id", name="uq_practice_cards_card"),
    )
    op.create_index("ix_practice_cards_due", "practice_cards", ["user_id", "status", "due"])
    op.create_table(
        "practice_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("step_id", sa.String(64), nullable=False),
        sa.Column("card_id", sa.String(64), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_practice_reviews_user_time", "practice_reviews", ["user_id", "reviewed_at"])
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("step_id", sa.String(64), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("right", sa.Boolean(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_quiz_answers_user_time", "quiz_answers", ["user_id", "answered_at"])
    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("right", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_practice_sessions_user", "practice_sessions", ["user_id", "started_at"])


def downgrade() -> None:
    for table in ("practice_sessions", "quiz_answers", "practice_reviews", "practice_cards"):
        op.drop_table(table)

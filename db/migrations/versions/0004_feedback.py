"""feedback: the week's answered questions (for the buttons under an answer), answers that missed, and
helpful/unhelpful counts per FAQ entry

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_stats") as batch:
        batch.add_column(sa.Column("helpful", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("unhelpful", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "faq_asks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("faq_id", sa.String(64), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("feedback", sa.String(8), nullable=True),
    )
    op.create_index("ix_faq_asks_user_time", "faq_asks", ["user_id", "asked_at"])
    op.create_table(
        "misfires",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("faq_id", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("text", "lang", "faq_id", name="uq_misfires_text_lang_faq"),
    )
    op.create_index("ix_misfires_top", "misfires", ["count", "last_seen"])
    op.create_table(
        "misfire_reporters",
        sa.Column(
            "misfire_id", sa.Integer(), sa.ForeignKey("misfires.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_misfire_reporters_user", "misfire_reporters", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_misfire_reporters_user", table_name="misfire_reporters")
    op.drop_table("misfire_reporters")
    op.drop_index("ix_misfires_top", table_name="misfires")
    op.drop_table("misfires")
    op.drop_index("ix_faq_asks_user_time", table_name="faq_asks")
    op.drop_table("faq_asks")
    with op.batch_alter_table("faq_stats") as batch:
        batch.drop_column("unhelpful")
        batch.drop_column("helpful")

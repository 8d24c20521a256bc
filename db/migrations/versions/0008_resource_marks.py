"""resource marks: the resources of a step a learner marked done

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "step_id", "url", name="uq_resource_marks"),
    )


def downgrade() -> None:
    op.drop_table("resource_marks")

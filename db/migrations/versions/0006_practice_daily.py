"""practice every day: a reminder's kind (a text reminder, a learner's review nudge, a group's quiz of
the day), what a delivery carried and when it was answered, and group quiz answers tied to the post

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="text"))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("item", sa.String(140), nullable=False, server_default=""))
        batch.add_column(sa.Column("answered_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("quiz_answers") as batch:
        batch.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_quiz_answers_delivery", "deliveries", ["delivery_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("uq_quiz_answers_delivery", ["delivery_id", "user_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("quiz_answers") as batch:
        batch.drop_index("uq_quiz_answers_delivery")
        batch.drop_constraint("fk_quiz_answers_delivery", type_="foreignkey")
        batch.drop_column("delivery_id")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("item")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("kind")

"""hardening: study logs keep instants (day derived in the current zone) and one Done per delivery;
processed platform events; who asked an unanswered question; anonymous question tallies; reminder indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing logs: the study happened when it was written.
    with op.batch_alter_table("study_logs") as batch:
        batch.add_column(sa.Column("studied_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
    op.execute("UPDATE study_logs SET studied_at = logged_at")
    with op.batch_alter_table("study_logs") as batch:
        batch.alter_column("studied_at", existing_type=UtcDateTime(), nullable=False)
        batch.drop_index("ix_study_logs_user_day")
        batch.drop_column("local_day")
        batch.create_foreign_key(
            "fk_study_logs_delivery", "deliveries", ["delivery_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_study_logs_user_time", ["user_id", "studied_at"])
        batch.create_index("uq_study_logs_delivery", ["user_id", "delivery_id"], unique=True)
        batch.create_index("ix_study_logs_delivery", ["delivery_id"])

    op.create_table(
        "processed_events",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_processed_events_seen", "processed_events", ["seen_at"])

    op.create_table(
        "unanswered_askers",
        sa.Column(
            "question_id",
            sa.Integer(),
            sa.ForeignKey("unanswered_questions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_unanswered_askers_user", "unanswered_askers", ["user_id"])
    op.create_index("ix_unanswered_top", "unanswered_questions", ["count", "last_seen"])
    op.create_table(
        "question_tallies",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("answered", sa.Boolean(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    # Unanswered questions stored before this revision have no asker, so /forget could never take them
    # back: keep their counts as anonymous tallies (on the day last asked) and delete their text.
    tallies = sa.table(
        "question_tallies",
        sa.column("day", sa.Date()),
        sa.column("lang", sa.String()),
        sa.column("answered", sa.Boolean()),
        sa.column("count", sa.Integer()),
    )
    bind = op.get_bind()
    old = bind.execute(sa.text("SELECT lang, last_seen, count FROM unanswered_questions")).all()
    per_day: dict[tuple, int] = {}
    for lang, last_seen, count in old:
        day = last_seen if isinstance(last_seen, date) else datetime.fromisoformat(str(last_seen))
        key = (day.date() if isinstance(day, datetime) else day, lang)
        per_day[key] = per_day.get(key, 0) + count
    if per_day:
        op.bulk_insert(
            tallies,
            [{"day": d, "lang": lang, "answered": False, "count": n} for (d, lang), n in per_day.items()],
        )
    op.execute("DELETE FROM unanswered_questions")

    op.create_index("ix_reminders_owner", "reminders", ["owner_id"])
    op.create_index("ix_reminders_chat", "reminders", ["platform", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_unanswered_top", table_name="unanswered_questions")
    op.drop_index("ix_unanswered_askers_user", table_name="unanswered_askers")
    op.drop_index("ix_reminders_chat", table_name="reminders")
    op.drop_index("ix_reminders_owner", table_name="reminders")
    op.drop_table("question_tallies")
    op.drop_table("unanswered_askers")
    op.drop_index("ix_processed_events_seen", table_name="processed_events")
    op.drop_table("processed_events")
    with op.batch_alter_table("study_logs") as batch:
        batch.add_column(sa.Column("local_day", sa.Date(), nullable=True))
    op.execute("UPDATE study_logs SET local_day = DATE(studied_at)")
    with op.batch_alter_table("study_logs") as batch:
        batch.alter_column("local_day", existing_type=sa.Date(), nullable=False)
        batch.drop_index("ix_study_logs_delivery")
        batch.drop_index("uq_study_logs_delivery")
        batch.drop_index("ix_study_logs_user_time")
        batch.drop_constraint("fk_study_logs_delivery", type_="foreignkey")
        batch.drop_column("delivery_id")
        batch.drop_column("studied_at")
        batch.create_index("ix_study_logs_user_day", ["user_id", "local_day"])

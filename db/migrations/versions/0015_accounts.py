"""accounts: a learner above platform accounts. Every existing user becomes a learner with one account
(its platform and platform user id move to `accounts`); link codes, wrong tries and the link history
for /link and /unlink.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from db.models import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("platform_user_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_accounts_user", "accounts", ["user_id"])
    op.execute(
        "INSERT INTO accounts (platform, platform_user_id, user_id, since) "
        "SELECT platform, platform_user_id, id, created_at FROM users"
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_platform_user", type_="unique")
        batch.drop_column("platform")
        batch.drop_column("platform_user_id")
    op.create_table(
        "link_codes",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_link_codes_user", "link_codes", ["user_id"])
    op.create_table(
        "link_tries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tried_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_link_tries_user_time", "link_tries", ["user_id", "tried_at"])
    op.create_table(
        "link_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("platform_user_id", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_link_events_user", "link_events", ["user_id"])


def downgrade() -> None:
    """Back to one account per user: a learner keeps their oldest account (the others' data stays with
    that one; the accounts joined later are forgotten as accounts, not as data)."""
    op.drop_index("ix_link_events_user", table_name="link_events")
    op.drop_table("link_events")
    op.drop_index("ix_link_tries_user_time", table_name="link_tries")
    op.drop_table("link_tries")
    op.drop_index("ix_link_codes_user", table_name="link_codes")
    op.drop_table("link_codes")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("platform", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("platform_user_id", sa.String(64), nullable=False, server_default=""))
    oldest = (
        "(SELECT {col} FROM accounts a WHERE a.user_id = users.id "
        "ORDER BY a.since, a.platform, a.platform_user_id LIMIT 1)"
    )
    op.execute(
        f"UPDATE users SET platform = {oldest.format(col='a.platform')}, "
        f"platform_user_id = {oldest.format(col='a.platform_user_id')}"
    )
    with op.batch_alter_table("users") as batch:
        batch.create_unique_constraint("uq_users_platform_user", ["platform", "platform_user_id"])
    op.drop_index("ix_accounts_user", table_name="accounts")
    op.drop_table("accounts")

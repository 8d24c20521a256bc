"""Learners: find the one behind a platform account (creating a learner for an account seen for the first
time), and their settings (language, time zone). Accounts are joined into one learner by /link
(db/accounts.py).

The caller owns the transaction (one per event, opened by the router's session middleware).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Account, User
from db.sql import built_once, dialect_insert, execute

# Every message runs the first: built once, executed as a Core statement on the session's connection.
_users = User.__table__
_accounts = Account.__table__
_SELECT_USER = (
    select(
        _users.c.id,
        _users.c.lang,
        _users.c.timezone,
        _users.c.display_name,
        _users.c.timezone_set,
        _users.c.reminders_notice,
    )
    .select_from(_accounts.join(_users, _users.c.id == _accounts.c.user_id))
    .where(_accounts.c.platform == bindparam("platform"), _accounts.c.platform_user_id == bindparam("uid"))
)


def _insert_account(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _accounts).on_conflict_do_nothing(
        index_elements=["platform", "platform_user_id"]
    )


@dataclass(frozen=True)
class UserRow:
    """What handlers know about a learner."""

    id: int
    lang: str | None
    timezone: str
    display_name: str
    timezone_set: bool = False
    reminders_notice: bool = False


async def get_or_create_user(
    session: AsyncSession, platform: str, platform_user_id: str, display_name: str, now: datetime
) -> UserRow:
    params = {"platform": platform, "uid": platform_user_id}
    row = (await execute(session, _SELECT_USER, params)).first()
    if row is None:
        learner = await new_learner(session, display_name, now)
        added = await execute(
            session,
            built_once(session, "insert_account", _insert_account),
            {"platform": platform, "platform_user_id": platform_user_id, "user_id": learner, "since": now},
        )
        if not added.rowcount:  # another event of this account created its learner first: use that one
            await execute(session, delete(_users).where(_users.c.id == learner))
        row = (await execute(session, _SELECT_USER, params)).one()
    return UserRow(*row)


async def new_learner(session: AsyncSession, display_name: str, now: datetime) -> int:
    """A learner with default settings and no account yet; their id."""
    result = await execute(
        session,
        insert(_users).values(
            display_name=display_name[:128],
            timezone="UTC",
            timezone_set=False,
            reminders_notice=False,
            weekly_digest_off=False,
            created_at=now,
        ),
    )
    return int(result.inserted_primary_key[0])


async def find_user(session: AsyncSession, platform: str, platform_user_id: str) -> User | None:
    """The learner behind a platform account, or None."""
    query = (
        select(User)
        .join(Account, Account.user_id == User.id)
        .where(Account.platform == platform, Account.platform_user_id == platform_user_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Serialise a learner's read-then-write (e.g. the day's study total before /log adds to it).
    SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs the row lock."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def set_user_lang(session: AsyncSession, user_id: int, lang: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(lang=lang))


async def set_user_timezone(session: AsyncSession, user_id: int, tz: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(timezone=tz, timezone_set=True))


async def zone_and_goal(session: AsyncSession, user_id: int) -> tuple[str | None, int | None]:
    """The learner's current zone and weekly goal in one read (the Sunday digest needs both)."""
    row = (
        await session.execute(select(User.timezone, User.weekly_goal_minutes).where(User.id == user_id))
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def weekly_goal(session: AsyncSession, user_id: int) -> int | None:
    """The learner's weekly study goal in minutes (/goal), or None."""
    return await session.scalar(select(User.weekly_goal_minutes).where(User.id == user_id))


async def set_weekly_goal(session: AsyncSession, user_id: int, minutes: int | None) -> None:
    await session.execute(update(User).where(User.id == user_id).values(weekly_goal_minutes=minutes))


async def weekly_digest_off(session: AsyncSession, user_id: int) -> bool:
    """The learner turned the weekly digest off (/week off): a new goal does not start it again."""
    return bool(await session.scalar(select(User.weekly_digest_off).where(User.id == user_id)))


async def set_weekly_digest_off(session: AsyncSession, user_id: int, off: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(weekly_digest_off=off))


async def clear_reminders_notice(session: AsyncSession, user_id: int) -> None:
    await session.execute(update(User).where(User.id == user_id).values(reminders_notice=False))

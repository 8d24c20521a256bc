"""Learners: find or create one per platform account, and their settings (language, time zone).

The caller owns the transaction (one per event, opened by the router's session middleware).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.sql import built_once, dialect_insert

# Every message runs these two: built once, executed as Core statements on the session's connection.
_users = User.__table__
_SELECT_USER = select(
    _users.c.id,
    _users.c.lang,
    _users.c.timezone,
    _users.c.display_name,
    _users.c.timezone_set,
    _users.c.reminders_notice,
).where(_users.c.platform == bindparam("platform"), _users.c.platform_user_id == bindparam("uid"))


def _insert_user(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _users).on_conflict_do_nothing(
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
    conn = await session.connection()
    params = {"platform": platform, "uid": platform_user_id}
    row = (await conn.execute(_SELECT_USER, params)).first()
    if row is None:
        await conn.execute(
            built_once(session, "insert_user", _insert_user),
            {
                "platform": platform,
                "platform_user_id": platform_user_id,
                "display_name": display_name[:128],
                "timezone": "UTC",
                "timezone_set": False,
                "reminders_notice": False,
                "created_at": now,
            },
        )
        row = (await conn.execute(_SELECT_USER, params)).one()
    return UserRow(*row)


async def find_user(session: AsyncSession, platform: str, platform_user_id: str) -> User | None:
    query = select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
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


async def user_timezone(session: AsyncSession, user_id: int) -> str | None:
    """The learner's current zone (a scheduled message follows it, as their days and weeks do)."""
    return await session.scalar(select(User.timezone).where(User.id == user_id))


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

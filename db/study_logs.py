"""Study time: a learner's logs (from /log or a reminder's Done button) and the sums over them.

Only instants are stored; callers turn a local day or week into instants before asking.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import boards
from db.models import StudyLog
from db.sql import dialect_insert, is_id


async def add_study_log(
    session: AsyncSession,
    user_id: int,
    minutes: int,
    note: str,
    now: datetime,
    studied_at: datetime | None = None,
    delivery_id: int | None = None,
) -> int | None:
    """Write a log (studied now unless back-dated) and return its id. With a `delivery_id`, at most one
    log per (learner, delivery): None when that reminder message already logged for this learner."""
    values = {
        "user_id": user_id,
        "minutes": minutes,
        "note": note,
        "logged_at": now,
        "studied_at": studied_at or now,
        "delivery_id": delivery_id,
    }
    stmt = dialect_insert(session, StudyLog).values(**values)
    if delivery_id is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["user_id", "delivery_id"])
    result = await session.execute(stmt.returning(StudyLog.id))
    log_id = result.scalar_one_or_none()
    if log_id is not None:  # the boards the learner joined count it (db/boards.py keeps their copies)
        await boards.log_written(session, log_id)
    return log_id


async def minutes_between(
    session: AsyncSession, user_id: int, start: datetime, end: datetime | None = None
) -> int:
    """Minutes studied in [start, end) (instants; a local day or week is turned into instants first)."""
    query = select(func.coalesce(func.sum(StudyLog.minutes), 0)).where(
        StudyLog.user_id == user_id, StudyLog.studied_at >= start
    )
    if end is not None:
        query = query.where(StudyLog.studied_at < end)
    return int(await session.scalar(query) or 0)


async def minutes_since(session: AsyncSession, user_id: int, since: datetime) -> list[tuple[datetime, int]]:
    """(when studied, minutes) of each log since `since`, oldest first (the caller buckets them into
    days of its zone)."""
    rows = await session.execute(
        select(StudyLog.studied_at, StudyLog.minutes)
        .where(StudyLog.user_id == user_id, StudyLog.studied_at >= since)
        .order_by(StudyLog.studied_at)
    )
    return [(at, minutes) for at, minutes in rows]


async def study_times(session: AsyncSession, user_id: int, since: datetime) -> list[datetime]:
    """When each log since `since` was studied, newest first (the caller derives days in its zone)."""
    rows = await session.execute(
        select(StudyLog.studied_at)
        .where(StudyLog.user_id == user_id, StudyLog.studied_at >= since)
        .order_by(StudyLog.studied_at.desc())
    )
    return list(rows.scalars().all())


async def recent_logs(session: AsyncSession, user_id: int, limit: int = 5) -> list[StudyLog]:
    """The learner's latest logs, newest written first."""
    rows = await session.execute(
        select(StudyLog)
        .where(StudyLog.user_id == user_id)
        .order_by(StudyLog.logged_at.desc(), StudyLog.id.desc())
        .limit(limit)
    )
    return list(rows.scalars().all())


async def own_log(session: AsyncSession, user_id: int, log_id: int) -> StudyLog | None:
    """One of the learner's own logs by id (None for another learner's)."""
    if not is_id(log_id):
        return None
    query = select(StudyLog).where(StudyLog.user_id == user_id, StudyLog.id == log_id)
    return (await session.execute(query)).scalar_one_or_none()


async def delete_log(session: AsyncSession, user_id: int, log_id: int) -> bool:
    """Delete one of the learner's own logs; False when they have no log with that id."""
    if not is_id(log_id):
        return False
    result = await session.execute(delete(StudyLog).where(StudyLog.user_id == user_id, StudyLog.id == log_id))
    return result.rowcount > 0

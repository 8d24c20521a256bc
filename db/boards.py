"""Group leaderboards people opt into: who joined which group's board, and the board itself (each
member's minutes in a window, counting only what they logged since they joined). The caller owns the
transaction and turns the group's week into instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BoardMember, StudyLog, User
from db.sql import dialect_insert


@dataclass(frozen=True)
class Standing:
    user_id: int
    name: str
    minutes: int


async def join(session: AsyncSession, platform: str, chat_id: str, user_id: int, now: datetime) -> bool:
    """True if the learner joined now, False if they were on the board already (their start is kept)."""
    stmt = dialect_insert(session, BoardMember).values(
        platform=platform, chat_id=chat_id, user_id=user_id, joined_at=now
    )
    result = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["platform", "chat_id", "user_id"])
    )
    return bool(result.rowcount)


async def leave(session: AsyncSession, platform: str, chat_id: str, user_id: int) -> bool:
    result = await session.execute(
        delete(BoardMember).where(
            BoardMember.platform == platform, BoardMember.chat_id == chat_id, BoardMember.user_id == user_id
        )
    )
    return bool(result.rowcount)


async def member_count(session: AsyncSession, platform: str, chat_id: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(BoardMember.platform == platform, BoardMember.chat_id == chat_id)
        )
        or 0
    )


async def standings(
    session: AsyncSession, platform: str, chat_id: str, start: datetime, end: datetime, limit: int
) -> list[Standing]:
    """The members with study time in [start, end), most first (ties: the earlier to join first), each
    counting only the minutes studied since they joined this board. One statement: the members' logs
    are summed by the (user_id, studied_at, minutes) index, and only the places shown look up a name."""
    minutes = func.sum(StudyLog.minutes).label("minutes")
    top = (
        select(BoardMember.user_id, BoardMember.joined_at, minutes)
        .join(
            StudyLog,
            and_(
                StudyLog.user_id == BoardMember.user_id,
                StudyLog.studied_at >= start,
                StudyLog.studied_at < end,
                StudyLog.studied_at >= BoardMember.joined_at,
            ),
        )
        .where(BoardMember.platform == platform, BoardMember.chat_id == chat_id)
        .group_by(BoardMember.user_id, BoardMember.joined_at)
        .order_by(minutes.desc(), BoardMember.joined_at, BoardMember.user_id)
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(top.c.user_id, User.display_name, top.c.minutes)
        .join(User, User.id == top.c.user_id)
        .order_by(top.c.minutes.desc(), top.c.joined_at, top.c.user_id)
    )
    return [Standing(user_id, name or "", int(m)) for user_id, name, m in rows]

"""Group leaderboards people opt into: who joined which group's board, and the board itself (each
member's minutes in a window, counting only what they logged since they joined). The caller owns the
transaction and turns the group's week into instants.

A board reads its own copy of its members' logs (`board_logs`: one row per board and log studied
since joining), which this module keeps equal to the join of `board_members` and `study_logs`: a log
written is copied to its learner's boards (`log_written`), a log deleted takes its copies with it (a
foreign key), joining copies the logs since then, leaving deletes them, and linking or unlinking
learners rebuilds theirs (`rebuild`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BoardLog, BoardMember, StudyLog, User
from db.sql import dialect_insert
from db.users import lock_user


@dataclass(frozen=True)
class Standing:
    user_id: int
    name: str
    minutes: int


async def join(session: AsyncSession, platform: str, chat_id: str, user_id: int, now: datetime) -> bool:
    """True if the learner joined now, False if they were on the board already (their start is kept).
    The learner's row lock (as /log takes it) orders this with a log being written at the same moment,
    so that one of the two copies that log to this board."""
    await lock_user(session, user_id)
    stmt = dialect_insert(session, BoardMember).values(
        platform=platform, chat_id=chat_id, user_id=user_id, joined_at=now
    )
    result = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["platform", "chat_id", "user_id"])
    )
    if not result.rowcount:
        return False
    await _copy(
        session,
        BoardMember.user_id == user_id,
        BoardMember.platform == platform,
        BoardMember.chat_id == chat_id,
    )
    return True


async def leave(session: AsyncSession, platform: str, chat_id: str, user_id: int) -> bool:
    await session.execute(
        delete(BoardLog).where(
            BoardLog.user_id == user_id, BoardLog.platform == platform, BoardLog.chat_id == chat_id
        )
    )
    result = await session.execute(
        delete(BoardMember).where(
            BoardMember.platform == platform, BoardMember.chat_id == chat_id, BoardMember.user_id == user_id
        )
    )
    return bool(result.rowcount)


_COPIED = ("log_id", "platform", "chat_id", "user_id", "studied_at", "joined_at", "minutes")


async def _copy(session: AsyncSession, *where) -> None:  # noqa: ANN002
    """Copy to `board_logs` every log of the memberships `where` selects studied since joining."""
    rows = (
        select(
            StudyLog.id,
            BoardMember.platform,
            BoardMember.chat_id,
            StudyLog.user_id,
            StudyLog.studied_at,
            BoardMember.joined_at,
            StudyLog.minutes,
        )
        .join(StudyLog, StudyLog.user_id == BoardMember.user_id)
        .where(StudyLog.studied_at >= BoardMember.joined_at, *where)
    )
    await session.execute(insert(BoardLog).from_select(_COPIED, rows))


async def log_written(session: AsyncSession, log_id: int) -> None:
    """A new study log, copied to each board its learner had joined by the time it was studied."""
    await _copy(session, StudyLog.id == log_id)


async def rebuild(session: AsyncSession, *user_ids: int) -> None:
    """These learners' board copies written again from their logs and boards (after /link or /unlink
    moved rows between learners: the copies follow the logs and memberships where they now are)."""
    for user_id in user_ids:
        await session.execute(delete(BoardLog).where(BoardLog.user_id == user_id))
        await _copy(session, BoardMember.user_id == user_id)


async def rebuild_all(session: AsyncSession) -> None:
    """Every board's copies from scratch (a bulk fill that wrote logs and members directly)."""
    await session.execute(delete(BoardLog))
    await _copy(session)


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
    counting only the minutes studied since they joined this board. One statement: the board's own
    copies of this window's logs are summed from one range of the `ix_board_logs_window` index, and
    only the places shown look up a name."""
    minutes = func.sum(BoardLog.minutes).label("minutes")
    top = (
        select(BoardLog.user_id, BoardLog.joined_at, minutes)
        .where(
            BoardLog.platform == platform,
            BoardLog.chat_id == chat_id,
            BoardLog.studied_at >= start,
            BoardLog.studied_at < end,
        )
        .group_by(BoardLog.user_id, BoardLog.joined_at)
        .order_by(minutes.desc(), BoardLog.joined_at, BoardLog.user_id)
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(top.c.user_id, User.display_name, top.c.minutes)
        .join(User, User.id == top.c.user_id)
        .order_by(top.c.minutes.desc(), top.c.joined_at, top.c.user_id)
    )
    return [Standing(user_id, name or "", int(m)) for user_id, name, m in rows]

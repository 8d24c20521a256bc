"""A group's community figures for its admins (/stats): who used the bot there on which local day, the
questions asked there per day and whether they were answered, and the ones nobody answered. Days are
the group's local days (its zone, UTC until an admin sets one). The caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    ChatActivity,
    ChatQuestionTally,
    ChatUnanswered,
    StudyLog,
    UnansweredQuestion,
)
from db.reminders import chat_zone
from db.sql import built_once, dialect_insert, execute

_activity = ChatActivity.__table__
_tallies = ChatQuestionTally.__table__
_unanswered = ChatUnanswered.__table__


@dataclass(frozen=True)
class GroupDay:
    """A group and the local day it is there now; `ends_at`: when that day ends (UTC)."""

    platform: str
    chat_id: str
    day: date
    ends_at: datetime


async def group_zone(session: AsyncSession, platform: str, chat_id: str) -> ZoneInfo:
    """The group's zone as its admins set it (/timezone), else UTC."""
    return await chat_zone(session, platform, chat_id) or ZoneInfo("UTC")


async def group_today(session: AsyncSession, platform: str, chat_id: str, now: datetime) -> GroupDay:
    zone = await group_zone(session, platform, chat_id)
    day = now.astimezone(zone).date()
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return GroupDay(platform, chat_id, day, ends)


def _mark(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _activity).on_conflict_do_nothing(
        index_elements=["platform", "chat_id", "day", "user_id"]
    )


async def record_activity(session: AsyncSession, where: GroupDay, user_id: int) -> None:
    """The learner used the bot in this group today (a second time changes nothing)."""
    values = {"platform": where.platform, "chat_id": where.chat_id, "day": where.day, "user_id": user_id}
    await execute(session, built_once(session, "chat_activity", _mark), values)


def _count_question(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _tallies).on_conflict_do_update(
        index_elements=["platform", "chat_id", "day", "answered"], set_={"count": _tallies.c.count + 1}
    )


def _count_unanswered(session: AsyncSession):  # noqa: ANN202
    stmt = dialect_insert(session, _unanswered)
    return stmt.on_conflict_do_update(
        index_elements=["platform", "chat_id", "question_id"],
        set_={"count": _unanswered.c.count + 1, "last_seen": stmt.excluded.last_seen},
    )


async def record_group_question(session: AsyncSession, where: GroupDay, answered: bool) -> None:
    values = {
        "platform": where.platform,
        "chat_id": where.chat_id,
        "day": where.day,
        "answered": answered,
        "count": 1,
    }
    await execute(session, built_once(session, "chat_question_tally", _count_question), values)


async def record_group_unanswered(
    session: AsyncSession, where: GroupDay, question_id: int, now: datetime
) -> None:
    values = {
        "platform": where.platform,
        "chat_id": where.chat_id,
        "question_id": question_id,
        "count": 1,
        "last_seen": now,
    }
    await execute(session, built_once(session, "chat_unanswered", _count_unanswered), values)


@dataclass(frozen=True)
class Week:
    """A week of a group: its local days `first`..`last` and the instants [start, end) they cover."""

    first: date
    last: date
    start: datetime
    end: datetime


async def active_members(session: AsyncSession, platform: str, chat_id: str, week: Week) -> tuple[int, int]:
    """(learners who used the bot in the group that week, their study minutes that week). One
    statement: the week's distinct members by the primary key's range, each one's minutes summed by
    the study logs' (user_id, studied_at, minutes) index."""
    members = (
        select(ChatActivity.user_id)
        .where(
            ChatActivity.platform == platform,
            ChatActivity.chat_id == chat_id,
            ChatActivity.day >= week.first,
            ChatActivity.day <= week.last,
        )
        .distinct()
        .subquery()
    )
    minutes = (
        select(func.coalesce(func.sum(StudyLog.minutes), 0))
        .where(
            StudyLog.user_id == members.c.user_id,
            StudyLog.studied_at >= week.start,
            StudyLog.studied_at < week.end,
        )
        .correlate(members)
        .scalar_subquery()
    )
    both = select(func.count(), func.coalesce(func.sum(minutes), 0)).select_from(members)
    row = (await session.execute(both)).one()
    return int(row[0]), int(row[1])


async def question_counts(session: AsyncSession, platform: str, chat_id: str, week: Week) -> tuple[int, int]:
    """(questions asked in the group that week, of which answered)."""
    t = ChatQuestionTally
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(t.count), 0),
                func.coalesce(func.sum(t.count).filter(t.answered), 0),
            ).where(t.platform == platform, t.chat_id == chat_id, t.day >= week.first, t.day <= week.last)
        )
    ).one()
    return int(row[0]), int(row[1])


async def top_unanswered(
    session: AsyncSession, platform: str, chat_id: str, limit: int = 5
) -> list[tuple[str, int]]:
    """The group's most asked questions nobody answered, (text, times asked there), most first."""
    c = ChatUnanswered
    rows = await session.execute(
        select(UnansweredQuestion.text, c.count)
        .join(UnansweredQuestion, UnansweredQuestion.id == c.question_id)
        .where(c.platform == platform, c.chat_id == chat_id)
        .order_by(c.count.desc(), c.last_seen.desc(), c.question_id)
        .limit(limit)
    )
    return [(text, int(n)) for text, n in rows]

"""Group challenges (/challenge): the challenges of a chat, who joined them, explicit check-ins, and the
days each member checked in, derived from study_logs in SQL (a day with any study logged since joining
counts) together with the explicit check-ins. The caller owns the transaction and says how the group's
zone turns instants into local days (`Offsets`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, Integer, and_, case, cast, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.models import Challenge, ChallengeCheckin, ChallengeMember, Chat, Reminder, StudyLog, User
from db.sql import dialect_insert

EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Offsets:
    """A zone's UTC offsets over a window: `spans` = ((until, offset seconds), ...) in order, each offset
    holding for instants before its `until` (None: to the end). A local day is then whole arithmetic."""

    spans: tuple[tuple[datetime | None, int], ...]


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    joined_at: datetime
    days: frozenset[date]  # the days they checked in (logged study, or /challenge checkin)


async def lock_chat(session: AsyncSession, platform: str, chat_id: str) -> None:
    """Serialise starting challenges in a chat (the count of those on and the next number are read, then
    a row is added). SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs the chat's row lock."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            select(Chat.id).where(Chat.platform == platform, Chat.chat_id == chat_id).with_for_update()
        )


async def of_chat(
    session: AsyncSession, platform: str, chat_id: str, since: date
) -> list[tuple[Challenge, str | None]]:
    """The chat's challenges not ended early whose last day is `since` or later, by number, each with the
    zone its days follow: the zone it was started in, kept by its summary reminder (None when that
    reminder is gone). The caller keeps those whose last day is not over in their zone."""
    rows = await session.execute(
        select(Challenge, Reminder.timezone)
        .outerjoin(Reminder, Reminder.id == Challenge.reminder_id)
        .where(
            Challenge.platform == platform,
            Challenge.chat_id == chat_id,
            Challenge.ends_on >= since,
            Challenge.ended_at.is_(None),
        )
        .order_by(Challenge.number)
    )
    return [(challenge, zone) for challenge, zone in rows]


async def by_reminder(session: AsyncSession, reminder_id: int) -> Challenge | None:
    return await session.scalar(select(Challenge).where(Challenge.reminder_id == reminder_id))


async def next_number(session: AsyncSession, platform: str, chat_id: str) -> int:
    """The number the chat's next challenge goes by: one more than any it had (numbers are never reused,
    so `/challenge join 2` never names another challenge than the one shown as #2)."""
    top = await session.scalar(
        select(func.max(Challenge.number)).where(Challenge.platform == platform, Challenge.chat_id == chat_id)
    )
    return int(top or 0) + 1


async def add(session: AsyncSession, **values: object) -> Challenge:
    challenge = Challenge(**values)
    session.add(challenge)
    await session.flush()
    return challenge


async def remove(session: AsyncSession, challenge_id: int) -> None:
    """The challenge with its members and check-ins (explicitly: not relying on cascades)."""
    await session.execute(delete(ChallengeCheckin).where(ChallengeCheckin.challenge_id == challenge_id))
    await session.execute(delete(ChallengeMember).where(ChallengeMember.challenge_id == challenge_id))
    await session.execute(delete(Challenge).where(Challenge.id == challenge_id))


async def join(session: AsyncSession, challenge_id: int, user_id: int, now: datetime) -> bool:
    """True if the learner joined now, False if they were in already (their start is kept)."""
    stmt = dialect_insert(session, ChallengeMember).values(
        challenge_id=challenge_id, user_id=user_id, joined_at=now
    )
    result = await session.execute(stmt.on_conflict_do_nothing(index_elements=["challenge_id", "user_id"]))
    return bool(result.rowcount)


async def leave(session: AsyncSession, challenge_id: int, user_id: int) -> bool:
    """Out of the challenge, explicit check-ins too (rejoining starts afresh)."""
    await session.execute(
        delete(ChallengeCheckin).where(
            ChallengeCheckin.challenge_id == challenge_id, ChallengeCheckin.user_id == user_id
        )
    )
    result = await session.execute(
        delete(ChallengeMember).where(
            ChallengeMember.challenge_id == challenge_id, ChallengeMember.user_id == user_id
        )
    )
    return bool(result.rowcount)


async def joined(session: AsyncSession, challenge_ids: Sequence[int], user_id: int) -> dict[int, datetime]:
    """Of these challenges, the ones the learner joined: challenge id -> when they joined."""
    if not challenge_ids:
        return {}
    rows = await session.execute(
        select(ChallengeMember.challenge_id, ChallengeMember.joined_at).where(
            ChallengeMember.challenge_id.in_(challenge_ids), ChallengeMember.user_id == user_id
        )
    )
    return {challenge_id: joined_at for challenge_id, joined_at in rows}


async def check_in(session: AsyncSession, challenge_id: int, user_id: int, day: date) -> bool:
    """True if this is the day's first explicit check-in, False if there was one already."""
    stmt = dialect_insert(session, ChallengeCheckin).values(
        challenge_id=challenge_id, user_id=user_id, day=day
    )
    result = await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["challenge_id", "user_id", "day"])
    )
    return bool(result.rowcount)


async def studied_between(session: AsyncSession, user_id: int, start: datetime, end: datetime) -> bool:
    """Did the learner log any study time in [start, end)? (Reads the (user, time) index only.)"""
    found = await session.scalar(
        select(StudyLog.id)
        .where(StudyLog.user_id == user_id, StudyLog.studied_at >= start, StudyLog.studied_at < end)
        .limit(1)
    )
    return found is not None


def _epoch_seconds(session: AsyncSession, column: ColumnElement) -> ColumnElement:
    """Whole seconds since 1970 (UTC) of a UtcDateTime column: stored naive UTC text on SQLite,
    timestamptz on PostgreSQL."""
    if session.bind.dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def _local_day(session: AsyncSession, column: ColumnElement, offsets: Offsets) -> ColumnElement:
    """The local day of each instant as days since 1970-01-01: (seconds + the offset then) // 86400, the
    offset picked by which span the instant falls in (a DST change is a new span)."""
    seconds = _epoch_seconds(session, column)
    *spans, (_, last) = offsets.spans
    whole = [((seconds + offset) // DAY_SECONDS) for _, offset in offsets.spans]
    if not spans:
        return whole[0]
    return case(*[(column < until, whole[i]) for i, (until, _) in enumerate(spans)], else_=whole[-1])


async def members(
    session: AsyncSession,
    challenge: Challenge,
    start: datetime,
    end: datetime,
    offsets: Offsets,
) -> list[Member]:
    """Everyone in the challenge with the days they checked in between `challenge.starts_on` and its
    `ends_on` (instants [start, end) in the group's zone): days with study logged since they joined,
    grouped by local day in SQL (one row per member and day, whatever the number of logs), and explicit
    check-ins."""
    rows = await session.execute(
        select(ChallengeMember.user_id, User.display_name, ChallengeMember.joined_at)
        .join(User, User.id == ChallengeMember.user_id)
        .where(ChallengeMember.challenge_id == challenge.id)
    )
    people = {user_id: (name or "", joined_at) for user_id, name, joined_at in rows}
    days: dict[int, set[date]] = {user_id: set() for user_id in people}
    if not people:
        return []
    day = _local_day(session, StudyLog.studied_at, offsets).label("day")
    logged = await session.execute(
        select(StudyLog.user_id, day)
        .join(
            ChallengeMember,
            and_(
                ChallengeMember.user_id == StudyLog.user_id,
                ChallengeMember.challenge_id == challenge.id,
                StudyLog.studied_at >= ChallengeMember.joined_at,
            ),
        )
        .where(StudyLog.studied_at >= start, StudyLog.studied_at < end)
        .group_by(StudyLog.user_id, day)
    )
    for user_id, number in logged:
        days[user_id].add(EPOCH + timedelta(days=int(number)))
    explicit = await session.execute(
        select(ChallengeCheckin.user_id, ChallengeCheckin.day).where(
            ChallengeCheckin.challenge_id == challenge.id,
            ChallengeCheckin.day >= challenge.starts_on,
            ChallengeCheckin.day <= challenge.ends_on,
        )
    )
    for user_id, checked in explicit:
        if user_id in days:
            days[user_id].add(checked)
    return [
        Member(user_id, name, joined_at, frozenset(days[user_id]))
        for user_id, (name, joined_at) in people.items()
    ]

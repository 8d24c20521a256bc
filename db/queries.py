"""Every read and write the handlers make, as small functions over an AsyncSession.

The caller owns the transaction (one per event, opened by the router's session middleware).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Delivery,
    FaqStat,
    QuestionTally,
    Reminder,
    StepProgress,
    StudyLog,
    UnansweredAsker,
    UnansweredQuestion,
    User,
)

STEP_STATES = ("doing", "done", "skipped")


def dialect_insert(session: AsyncSession, table):  # noqa: ANN001, ANN201
    """INSERT with the dialect's ON CONFLICT clauses (SQLite and PostgreSQL spell them alike)."""
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert(table)


# The statements every message runs are built once, as Core statements on the tables, and executed on
# the session's connection: no statement building or ORM bookkeeping per message.
_users = User.__table__
_faq_stats = FaqStat.__table__
_unanswered = UnansweredQuestion.__table__
_askers = UnansweredAsker.__table__
_tallies = QuestionTally.__table__
_SELECT_USER = select(
    _users.c.id,
    _users.c.lang,
    _users.c.timezone,
    _users.c.display_name,
    _users.c.timezone_set,
    _users.c.reminders_notice,
).where(_users.c.platform == bindparam("platform"), _users.c.platform_user_id == bindparam("uid"))
_hot: dict[tuple[str, str], Any] = {}


def _hot_statement(session: AsyncSession, name: str):  # noqa: ANN202
    dialect = session.bind.dialect.name
    key = (dialect, name)
    if key not in _hot:

        def ins(table):  # noqa: ANN001, ANN202
            return dialect_insert(session, table)

        if name == "user":
            _hot[key] = ins(_users).on_conflict_do_nothing(index_elements=["platform", "platform_user_id"])
        elif name == "faq":
            stmt = ins(_faq_stats)
            _hot[key] = stmt.on_conflict_do_update(
                index_elements=["faq_id", "lang"], set_={"asked": _faq_stats.c.asked + 1}
            )
        elif name == "unanswered":
            stmt = ins(_unanswered)
            _hot[key] = stmt.on_conflict_do_update(
                index_elements=["text", "lang"],
                set_={"count": _unanswered.c.count + 1, "last_seen": stmt.excluded.last_seen},
            ).returning(_unanswered.c.id)
        elif name == "asker":
            _hot[key] = ins(_askers).on_conflict_do_update(
                index_elements=["question_id", "user_id"], set_={"count": _askers.c.count + 1}
            )
        elif name == "tally":
            _hot[key] = ins(_tallies).on_conflict_do_update(
                index_elements=["day", "lang", "answered"], set_={"count": _tallies.c.count + 1}
            )
    return _hot[key]


@dataclass(frozen=True)
class UserRow:
    """What handlers know about a learner."""

    id: int
    lang: str | None
    timezone: str
    display_name: str
    timezone_set: bool = False
    reminders_notice: bool = False


# Users


async def get_or_create_user(
    session: AsyncSession, platform: str, platform_user_id: str, display_name: str, now: datetime
) -> UserRow:
    conn = await session.connection()
    params = {"platform": platform, "uid": platform_user_id}
    row = (await conn.execute(_SELECT_USER, params)).first()
    if row is None:
        await conn.execute(
            _hot_statement(session, "user"),
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


async def clear_reminders_notice(session: AsyncSession, user_id: int) -> None:
    await session.execute(update(User).where(User.id == user_id).values(reminders_notice=False))


# Roadmap progress


async def step_states(session: AsyncSession, user_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(StepProgress.step_id, StepProgress.state).where(StepProgress.user_id == user_id)
    )
    return {step_id: state for step_id, state in rows}


async def set_step_state(
    session: AsyncSession, user_id: int, step_id: str, state: str | None, now: datetime
) -> None:
    """Set a step's state; None takes it back to not started."""
    if state is None:
        await session.execute(
            delete(StepProgress).where(StepProgress.user_id == user_id, StepProgress.step_id == step_id)
        )
        return
    if state not in STEP_STATES:
        raise ValueError(f"unknown step state {state!r}")
    stmt = dialect_insert(session, StepProgress).values(
        user_id=user_id, step_id=step_id, state=state, updated_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "step_id"], set_={"state": state, "updated_at": now}
        )
    )


# Study time


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
    return result.scalar_one_or_none()


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
    query = select(StudyLog).where(StudyLog.user_id == user_id, StudyLog.id == log_id)
    return (await session.execute(query)).scalar_one_or_none()


async def delete_log(session: AsyncSession, user_id: int, log_id: int) -> bool:
    """Delete one of the learner's own logs; False when they have no log with that id."""
    result = await session.execute(delete(StudyLog).where(StudyLog.user_id == user_id, StudyLog.id == log_id))
    return result.rowcount > 0


# Privacy


async def export_user(session: AsyncSession, user_id: int) -> dict[str, Any]:
    user = await session.get(User, user_id)
    if user is None:
        return {}
    progress = await session.execute(
        select(StepProgress).where(StepProgress.user_id == user_id).order_by(StepProgress.step_id)
    )
    logs = await session.execute(
        select(StudyLog).where(StudyLog.user_id == user_id).order_by(StudyLog.logged_at, StudyLog.id)
    )
    reminders = await session.execute(
        select(Reminder).where(Reminder.owner_id == user_id).order_by(Reminder.id)
    )
    asked = await session.execute(
        select(UnansweredQuestion.text, UnansweredQuestion.lang, UnansweredAsker.count)
        .join(UnansweredAsker, UnansweredAsker.question_id == UnansweredQuestion.id)
        .where(UnansweredAsker.user_id == user_id)
        .order_by(UnansweredQuestion.first_seen, UnansweredQuestion.id)
    )
    return {
        "user": {
            "platform": user.platform,
            "user_id": user.platform_user_id,
            "display_name": user.display_name,
            "language": user.lang,
            "timezone": user.timezone,
            "created_at": user.created_at.isoformat(),
        },
        "roadmap_progress": [
            {"step": p.step_id, "state": p.state, "updated_at": p.updated_at.isoformat()}
            for p in progress.scalars()
        ],
        "study_log": [
            {
                "minutes": s.minutes,
                "note": s.note,
                "logged_at": s.logged_at.isoformat(),
                "studied_at": s.studied_at.isoformat(),
            }
            for s in logs.scalars()
        ],
        "reminders": [
            {
                "id": r.id,
                "chat": r.chat_id,
                "rule": json.loads(r.rule),
                "text": r.text,
                "timezone": r.timezone,
                "next": r.next_fire_at.isoformat() if r.next_fire_at else None,
                "paused": r.paused,
            }
            for r in reminders.scalars()
        ],
        "unanswered_questions": [
            {"text": text, "language": lang, "times_asked": count} for text, lang, count in asked
        ],
    }


async def forget_user(session: AsyncSession, user_id: int) -> None:
    """Delete everything stored about one user (explicitly, not relying on FK cascades). Their
    unanswered questions lose their count of asks, and go when nobody else asked the same words; the
    anonymous question tallies stay."""
    asked = select(UnansweredAsker.question_id).where(UnansweredAsker.user_id == user_id)
    theirs = (
        select(UnansweredAsker.count)
        .where(UnansweredAsker.question_id == UnansweredQuestion.id, UnansweredAsker.user_id == user_id)
        .scalar_subquery()
    )
    await session.execute(
        update(UnansweredQuestion)
        .where(UnansweredQuestion.id.in_(asked))
        .values(count=UnansweredQuestion.count - theirs)
        .execution_options(synchronize_session=False)
    )
    await session.execute(  # the questions nobody else asked
        delete(UnansweredQuestion)
        .where(UnansweredQuestion.id.in_(asked), UnansweredQuestion.count <= 0)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(UnansweredAsker).where(UnansweredAsker.user_id == user_id))
    owned = select(Reminder.id).where(Reminder.owner_id == user_id)
    await session.execute(delete(Delivery).where(Delivery.reminder_id.in_(owned)))
    await session.execute(delete(Reminder).where(Reminder.owner_id == user_id))
    await session.execute(delete(StepProgress).where(StepProgress.user_id == user_id))
    await session.execute(delete(StudyLog).where(StudyLog.user_id == user_id))
    await session.execute(delete(User).where(User.id == user_id))


# FAQ statistics (no user ids)


async def record_faq_answer(session: AsyncSession, faq_id: str, lang: str) -> None:
    conn = await session.connection()
    await conn.execute(_hot_statement(session, "faq"), {"faq_id": faq_id, "lang": lang, "asked": 1})


async def record_unanswered(session: AsyncSession, text: str, lang: str, now: datetime, user_id: int) -> None:
    """Count a question the bot could not answer, and who asked it (so /forget can take it back)."""
    conn = await session.connection()
    text = " ".join(text.split())[:500]
    values = {"text": text, "lang": lang, "count": 1, "first_seen": now, "last_seen": now}
    question_id = (await conn.execute(_hot_statement(session, "unanswered"), values)).scalar_one()
    asker = {"question_id": question_id, "user_id": user_id, "count": 1}
    await conn.execute(_hot_statement(session, "asker"), asker)


async def record_question(session: AsyncSession, lang: str, answered: bool, now: datetime) -> None:
    """Count one FAQ question, answered or not, on its UTC day: no text, no user id."""
    conn = await session.connection()
    values = {"day": now.astimezone(UTC).date(), "lang": lang, "answered": answered, "count": 1}
    await conn.execute(_hot_statement(session, "tally"), values)


async def question_counts(session: AsyncSession, first_day: date) -> tuple[int, int]:
    """(questions asked, of which answered) from the UTC day `first_day` on."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(QuestionTally.count), 0),
                func.coalesce(func.sum(QuestionTally.count).filter(QuestionTally.answered), 0),
            ).where(QuestionTally.day >= first_day)
        )
    ).one()
    return int(row[0]), int(row[1])


async def top_unanswered(session: AsyncSession, limit: int = 20) -> list[UnansweredQuestion]:
    rows = await session.execute(
        select(UnansweredQuestion)
        .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_seen.desc())
        .limit(limit)
    )
    return list(rows.scalars().all())

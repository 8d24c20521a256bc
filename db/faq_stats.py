"""What content admins see in /gaps: how often each FAQ entry was answered, the questions the bot
could not answer (and who asked them, so /forget can take them back), and anonymous daily tallies.

Every free-text question runs some of these, so their statements are built once per dialect.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FaqStat, QuestionTally, UnansweredAsker, UnansweredQuestion
from db.sql import built_once, dialect_insert, execute
from db.stats import GroupDay, record_group_question, record_group_unanswered

_faq_stats = FaqStat.__table__
_unanswered = UnansweredQuestion.__table__
_askers = UnansweredAsker.__table__
_tallies = QuestionTally.__table__


def _count_answer(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _faq_stats).on_conflict_do_update(
        index_elements=["faq_id", "lang"], set_={"asked": _faq_stats.c.asked + 1}
    )


def _count_unanswered(session: AsyncSession):  # noqa: ANN202
    stmt = dialect_insert(session, _unanswered)
    return stmt.on_conflict_do_update(
        index_elements=["text", "lang"],
        set_={"count": _unanswered.c.count + 1, "last_seen": stmt.excluded.last_seen},
    ).returning(_unanswered.c.id)


def _count_asker(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _askers).on_conflict_do_update(
        index_elements=["question_id", "user_id"], set_={"count": _askers.c.count + 1}
    )


def _count_question(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _tallies).on_conflict_do_update(
        index_elements=["day", "lang", "answered"], set_={"count": _tallies.c.count + 1}
    )


async def record_faq_answer(session: AsyncSession, faq_id: str, lang: str) -> None:
    await execute(
        session,
        built_once(session, "faq_answer", _count_answer),
        {"faq_id": faq_id, "lang": lang, "asked": 1},
    )


async def record_unanswered(
    session: AsyncSession, text: str, lang: str, now: datetime, user_id: int, group: GroupDay | None = None
) -> None:
    """Count a question the bot could not answer, and who asked it (so /forget can take it back); asked
    in a group (`group`), counted for that group's /stats too."""
    text = " ".join(text.split())[:500]
    values = {"text": text, "lang": lang, "count": 1, "first_seen": now, "last_seen": now}
    question_id = (
        await execute(session, built_once(session, "unanswered", _count_unanswered), values)
    ).scalar_one()
    asker = {"question_id": question_id, "user_id": user_id, "count": 1}
    await execute(session, built_once(session, "unanswered_asker", _count_asker), asker)
    if group is not None:
        await record_group_unanswered(session, group, question_id, now)


async def record_question(
    session: AsyncSession, lang: str, answered: bool, now: datetime, group: GroupDay | None = None
) -> None:
    """Count one FAQ question, answered or not, on its UTC day: no text, no user id; asked in a group
    (`group`), on the group's local day for its /stats too."""
    values = {"day": now.astimezone(UTC).date(), "lang": lang, "answered": answered, "count": 1}
    await execute(session, built_once(session, "question_tally", _count_question), values)
    if group is not None:
        await record_group_question(session, group, answered)


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

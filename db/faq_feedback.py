"""What learners say of an FAQ answer: the question each answer was given for (kept a week, for the
buttons under it), "that answered it" / "not what I asked" counts per entry, and the misfires (question,
entry given, how often) that content admins see next to the questions the bot could not answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FaqAsk, FaqStat, Misfire, MisfireReporter
from db.sql import built_once, dialect_insert, execute, is_id

ASK_DAYS = 7  # the buttons under an answer work for a week; then the question is forgotten
YES, NO = "yes", "no"

_misfires = Misfire.__table__
_reporters = MisfireReporter.__table__
_faq_stats = FaqStat.__table__


def _count_misfire(session: AsyncSession):  # noqa: ANN202
    stmt = dialect_insert(session, _misfires)
    return stmt.on_conflict_do_update(
        index_elements=["text", "lang", "faq_id"],
        set_={"count": _misfires.c.count + 1, "last_seen": stmt.excluded.last_seen},
    ).returning(_misfires.c.id)


def _count_reporter(session: AsyncSession):  # noqa: ANN202
    return dialect_insert(session, _reporters).on_conflict_do_update(
        index_elements=["misfire_id", "user_id"], set_={"count": _reporters.c.count + 1}
    )


def _count_feedback(session: AsyncSession, column: str):  # noqa: ANN202
    return dialect_insert(session, _faq_stats).on_conflict_do_update(
        index_elements=["faq_id", "lang"], set_={column: _faq_stats.c[column] + 1}
    )


async def record_ask(
    session: AsyncSession, user_id: int, text: str, lang: str, faq_id: str, now: datetime
) -> int:
    """Keep the question an answer was given for (its buttons name it); the learner's older ones go."""
    await session.execute(
        delete(FaqAsk).where(FaqAsk.user_id == user_id, FaqAsk.asked_at < now - timedelta(days=ASK_DAYS))
    )
    ask = FaqAsk(user_id=user_id, text=" ".join(text.split())[:500], lang=lang, faq_id=faq_id, asked_at=now)
    session.add(ask)
    await session.flush()
    return ask.id


async def get_ask(session: AsyncSession, ask_id: int, now: datetime) -> FaqAsk | None:
    """The kept question, if it is still within its week."""
    if not is_id(ask_id):
        return None
    ask = await session.get(FaqAsk, ask_id)
    if ask is None or ask.asked_at < now - timedelta(days=ASK_DAYS):
        return None
    return ask


async def record_feedback(session: AsyncSession, ask: FaqAsk, verdict: str, now: datetime) -> bool:
    """Count a learner's verdict on one answer, once: False if they had already given one. "not what I
    asked" also counts the question as a misfire of that entry, and who said so (for /forget)."""
    changed = await session.execute(
        update(FaqAsk).where(FaqAsk.id == ask.id, FaqAsk.feedback.is_(None)).values(feedback=verdict)
    )
    if changed.rowcount == 0:
        return False
    column = "helpful" if verdict == YES else "unhelpful"
    values = {"faq_id": ask.faq_id, "lang": ask.lang, "asked": 0, "helpful": 0, "unhelpful": 0, column: 1}
    await execute(session, built_once(session, f"faq_{column}", lambda s: _count_feedback(s, column)), values)
    if verdict == NO:
        values = {"text": ask.text, "lang": ask.lang, "faq_id": ask.faq_id, "count": 1}
        misfire_id = (
            await execute(
                session,
                built_once(session, "misfire", _count_misfire),
                {**values, "first_seen": now, "last_seen": now},
            )
        ).scalar_one()
        reporter = {"misfire_id": misfire_id, "user_id": ask.user_id, "count": 1}
        await execute(session, built_once(session, "misfire_reporter", _count_reporter), reporter)
    return True


async def top_misfires(session: AsyncSession, limit: int = 20) -> list[Misfire]:
    rows = await session.execute(
        select(Misfire).order_by(Misfire.count.desc(), Misfire.last_seen.desc()).limit(limit)
    )
    return list(rows.scalars().all())


async def feedback_counts(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Per FAQ entry (both languages together): (helpful, unhelpful) presses."""
    rows = await session.execute(select(FaqStat.faq_id, FaqStat.helpful, FaqStat.unhelpful))
    out: dict[str, tuple[int, int]] = {}
    for faq_id, yes, no in rows:
        a, b = out.get(faq_id, (0, 0))
        out[faq_id] = (a + yes, b + no)
    return out

"""db/faq_stats.py on both databases: FAQ answer counts, unanswered questions and their askers, and
the anonymous daily tallies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db import faq_stats
from db.models import FaqStat, QuestionTally, UnansweredQuestion
from tests.stores import NOW, askers, count_rows, make_user


async def test_faq_answers_are_counted_per_entry_and_language(sessions) -> None:  # noqa: ANN001
    async with sessions() as s, s.begin():
        for faq_id, lang in (("salary", "en"), ("salary", "en"), ("salary", "zh"), ("roadmap", "en")):
            await faq_stats.record_faq_answer(s, faq_id, lang)
    async with sessions() as s, s.begin():
        await faq_stats.record_faq_answer(s, "salary", "en")  # a later transaction adds to the same row
    async with sessions() as s:
        rows = (await s.execute(select(FaqStat.faq_id, FaqStat.lang, FaqStat.asked))).all()
    assert sorted(rows) == [("roadmap", "en", 1), ("salary", "en", 3), ("salary", "zh", 1)]


async def test_unanswered_questions_are_counted_and_ordered(sessions) -> None:  # noqa: ANN001
    t0 = NOW
    uid = await make_user(sessions)

    async def record(s, text: str, lang: str, minutes: int) -> None:  # noqa: ANN001
        await faq_stats.record_unanswered(s, text, lang, t0 + timedelta(minutes=minutes), uid)

    async with sessions() as s, s.begin():
        await record(s, "what is a gpu", "en", 0)
        await record(s, "  what   is a\ngpu ", "en", 1)  # same, spaced
        await record(s, "what is a gpu", "zh", 2)  # other language
        await record(s, "is rust useful", "en", 3)
        await record(s, "x" * 600, "en", 4)  # cut to 500
        await record(s, "x" * 500 + "y", "en", 5)  # same once cut
    async with sessions() as s, s.begin():
        await record(s, "what is a gpu", "en", 6)
    async with sessions() as s:
        top = await faq_stats.top_unanswered(s)
        assert await faq_stats.top_unanswered(s, limit=2) == top[:2]
    # most asked first; equal counts: most recently seen first
    assert [(q.text, q.lang, q.count) for q in top] == [
        ("what is a gpu", "en", 3),
        ("x" * 500, "en", 2),
        ("is rust useful", "en", 1),
        ("what is a gpu", "zh", 1),
    ]
    gpu = top[0]
    assert (gpu.first_seen, gpu.last_seen) == (t0, t0 + timedelta(minutes=6))
    assert await count_rows(sessions, UnansweredQuestion) == 4


async def test_unanswered_questions_count_each_asker(sessions) -> None:  # noqa: ANN001
    alice, bob = await make_user(sessions), await make_user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        await faq_stats.record_unanswered(s, "what is a gpu", "en", NOW, alice)
        await faq_stats.record_unanswered(s, "what  is a gpu", "en", NOW, alice)
        await faq_stats.record_unanswered(s, "what is a gpu", "en", NOW, bob)
        await faq_stats.record_unanswered(s, "is rust useful", "en", NOW, bob)
    assert await askers(sessions) == {
        ("what is a gpu", "en"): {alice: 2, bob: 1},
        ("is rust useful", "en"): {bob: 1},
    }


async def test_question_tallies_count_per_utc_day_language_and_outcome(sessions) -> None:  # noqa: ANN001
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # Sunday in UTC, already Monday in Asia/Kolkata
    async with sessions() as s, s.begin():
        for when, lang, answered in (
            (NOW, "en", True),
            (NOW, "en", True),
            (NOW, "en", False),
            (NOW, "zh", True),
            (late.astimezone(ZoneInfo("Asia/Kolkata")), "en", False),
            (NOW - timedelta(days=30), "en", True),
        ):
            await faq_stats.record_question(s, lang, answered, when)
    async with sessions() as s:
        rows = (
            await s.execute(
                select(QuestionTally.day, QuestionTally.lang, QuestionTally.answered, QuestionTally.count)
            )
        ).all()
        assert sorted(rows) == [
            (date(2026, 1, 31), "en", True, 1),
            (date(2026, 3, 1), "en", False, 1),  # the UTC day
            (date(2026, 3, 2), "en", False, 1),
            (date(2026, 3, 2), "en", True, 2),
            (date(2026, 3, 2), "zh", True, 1),
        ]
        assert await faq_stats.question_counts(s, date(2026, 3, 2)) == (4, 3)
        assert await faq_stats.question_counts(s, date(2026, 3, 1)) == (5, 3)
        assert await faq_stats.question_counts(s, date(2026, 3, 3)) == (0, 0)

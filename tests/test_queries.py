"""db/queries.py on both databases: each test gets a fresh, migrated SQLite file, then a fresh PostgreSQL
database (`db_url`), and runs the same reads and writes the handlers make."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db import queries
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import FaqStat, StepProgress, StudyLog, UnansweredQuestion, User

NOW = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=UTC)  # microseconds: they must survive both databases


@pytest.fixture
async def sessions(db_url: str):  # noqa: ANN201
    engine = make_engine(db_url)
    await upgrade(engine)
    yield make_sessions(engine)
    await engine.dispose()


async def _user(sessions, uid: str = "alice", name: str = "Alice") -> int:  # noqa: ANN001
    async with sessions() as s, s.begin():
        return (await queries.get_or_create_user(s, "fake", uid, name, NOW)).id


async def _count(sessions, model) -> int:  # noqa: ANN001
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


# Users


async def test_get_or_create_user_twice_returns_the_same_learner(sessions) -> None:  # noqa: ANN001
    async with sessions() as s, s.begin():
        first = await queries.get_or_create_user(s, "fake", "alice", "Alice", NOW)
    async with sessions() as s, s.begin():
        again = await queries.get_or_create_user(s, "fake", "alice", "Alice Renamed", NOW + timedelta(days=1))
        other = await queries.get_or_create_user(s, "telegram", "alice", "Alice", NOW)
    assert again.id == first.id
    assert again.display_name == "Alice"  # found, not re-created
    assert (first.lang, first.timezone) == (None, "UTC")
    assert other.id != first.id  # same id on another platform is another learner
    assert await _count(sessions, User) == 2
    async with sessions() as s:
        user = await queries.find_user(s, "fake", "alice")
        assert user is not None and user.id == first.id and user.created_at == NOW
        assert await queries.find_user(s, "fake", "nobody") is None


async def test_many_first_messages_at_once_create_one_learner(sessions) -> None:  # noqa: ANN001
    async def first_message() -> int:
        async with sessions() as s, s.begin():
            row = await queries.get_or_create_user(s, "fake", "bob", "Bob", NOW)
            await asyncio.sleep(0)  # hold the transaction open while the others insert
            return row.id

    ids = await asyncio.gather(*(first_message() for _ in range(10)))
    assert len(set(ids)) == 1
    assert await _count(sessions, User) == 1


async def test_long_display_names_are_cut_and_language_and_zone_are_saved(sessions) -> None:  # noqa: ANN001
    async with sessions() as s, s.begin():
        row = await queries.get_or_create_user(s, "fake", "carol", "C" * 300, NOW)
        await queries.set_user_lang(s, row.id, "zh")
        await queries.set_user_timezone(s, row.id, "Asia/Shanghai")
    async with sessions() as s, s.begin():
        row = await queries.get_or_create_user(s, "fake", "carol", "Carol", NOW)
    assert row.display_name == "C" * 128
    assert (row.lang, row.timezone) == ("zh", "Asia/Shanghai")


# Roadmap progress


async def test_step_state_is_inserted_updated_and_taken_back(sessions) -> None:  # noqa: ANN001
    uid = await _user(sessions)
    async with sessions() as s, s.begin():
        await queries.set_step_state(s, uid, "python", "doing", NOW)
        await queries.set_step_state(s, uid, "numpy", "skipped", NOW)
    async with sessions() as s, s.begin():
        assert await queries.step_states(s, uid) == {"python": "doing", "numpy": "skipped"}
        await queries.set_step_state(s, uid, "python", "done", NOW + timedelta(hours=1))  # update in place
    async with sessions() as s, s.begin():
        assert await queries.step_states(s, uid) == {"python": "done", "numpy": "skipped"}
        updated = await s.scalar(select(StepProgress.updated_at).where(StepProgress.step_id == "python"))
        assert updated == NOW + timedelta(hours=1)
        await queries.set_step_state(s, uid, "numpy", None, NOW)  # back to not started
        await queries.set_step_state(s, uid, "never-started", None, NOW)  # nothing to delete: fine
    async with sessions() as s:
        assert await queries.step_states(s, uid) == {"python": "done"}
    assert await _count(sessions, StepProgress) == 1


async def test_unknown_step_state_is_refused(sessions) -> None:  # noqa: ANN001
    uid = await _user(sessions)
    async with sessions() as s, s.begin():
        with pytest.raises(ValueError, match="unknown step state"):
            await queries.set_step_state(s, uid, "python", "finished", NOW)
    assert await _count(sessions, StepProgress) == 0


# Study time


async def test_study_log_minutes_and_days(sessions) -> None:  # noqa: ANN001
    uid = await _user(sessions)
    other = await _user(sessions, "bob", "Bob")
    monday = date(2026, 3, 2)
    async with sessions() as s, s.begin():
        for days_ago, minutes in ((0, 30), (0, 45), (1, 60), (3, 15), (10, 120)):
            when = NOW - timedelta(days=days_ago)
            await queries.add_study_log(
                s, uid, minutes, f"{days_ago}d", when, monday - timedelta(days=days_ago)
            )
        await queries.add_study_log(s, other, 500, "", NOW, monday)  # someone else's: never counted
    async with sessions() as s:
        assert await queries.minutes_since(s, uid, monday) == 75
        assert await queries.minutes_since(s, uid, monday - timedelta(days=1)) == 135  # first day included
        assert await queries.minutes_since(s, uid, monday - timedelta(days=7)) == 150
        assert await queries.minutes_since(s, uid, monday + timedelta(days=1)) == 0
        days = await queries.study_days(s, uid)
        assert days == [monday - timedelta(days=n) for n in (0, 1, 3, 10)]  # distinct, newest first
        assert all(type(d) is date for d in days)
        assert await queries.study_days(s, uid, limit=2) == days[:2]
        assert await queries.study_days(s, other) == [monday]
    async with sessions() as s:
        new = await _user(sessions, "dave", "Dave")
        assert await queries.minutes_since(s, new, monday) == 0
        assert await queries.study_days(s, new) == []


# Privacy


async def test_export_then_forget_a_learner(sessions) -> None:  # noqa: ANN001
    uid = await _user(sessions)
    other = await _user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        await queries.set_user_timezone(s, uid, "Europe/Berlin")
        await queries.set_step_state(s, uid, "python", "done", NOW)
        await queries.set_step_state(s, uid, "linear-algebra", "doing", NOW)
        await queries.add_study_log(s, uid, 25, "vectors", NOW, date(2026, 3, 2))
        await queries.add_study_log(s, uid, 40, "", NOW + timedelta(minutes=5), date(2026, 3, 2))
        await queries.set_step_state(s, other, "python", "doing", NOW)
        await queries.add_study_log(s, other, 10, "bob's", NOW, date(2026, 3, 2))
    async with sessions() as s:
        exported = await queries.export_user(s, uid)
    # the parts this test wrote (other features add their own sections to the export)
    assert {k: exported[k] for k in ("user", "roadmap_progress", "study_log")} == {
        "user": {
            "platform": "fake",
            "user_id": "alice",
            "display_name": "Alice",
            "language": None,
            "timezone": "Europe/Berlin",
            "created_at": "2026-03-02T10:00:00.123456+00:00",
        },
        "roadmap_progress": [
            {"step": "linear-algebra", "state": "doing", "updated_at": "2026-03-02T10:00:00.123456+00:00"},
            {"step": "python", "state": "done", "updated_at": "2026-03-02T10:00:00.123456+00:00"},
        ],
        "study_log": [
            {
                "minutes": 25,
                "note": "vectors",
                "logged_at": "2026-03-02T10:00:00.123456+00:00",
                "day": "2026-03-02",
            },
            {"minutes": 40, "note": "", "logged_at": "2026-03-02T10:05:00.123456+00:00", "day": "2026-03-02"},
        ],
    }

    async with sessions() as s, s.begin():
        await queries.forget_user(s, uid)
    async with sessions() as s:
        assert await queries.export_user(s, uid) == {}
        assert await queries.find_user(s, "fake", "alice") is None
        assert await queries.step_states(s, uid) == {}
        assert await queries.minutes_since(s, uid, date(2000, 1, 1)) == 0
        # the other learner is untouched
        assert await queries.step_states(s, other) == {"python": "doing"}
        assert await queries.minutes_since(s, other, date(2000, 1, 1)) == 10
    assert await _count(sessions, User) == 1
    assert await _count(sessions, StudyLog) == 1
    # forgetting again, or someone who never existed, is harmless
    async with sessions() as s, s.begin():
        await queries.forget_user(s, uid)
        await queries.forget_user(s, 999_999)
    assert await _count(sessions, User) == 1


# FAQ statistics


async def test_faq_answers_are_counted_per_entry_and_language(sessions) -> None:  # noqa: ANN001
    async with sessions() as s, s.begin():
        for faq_id, lang in (("salary", "en"), ("salary", "en"), ("salary", "zh"), ("roadmap", "en")):
            await queries.record_faq_answer(s, faq_id, lang)
    async with sessions() as s, s.begin():
        await queries.record_faq_answer(s, "salary", "en")  # a later transaction adds to the same row
    async with sessions() as s:
        rows = (await s.execute(select(FaqStat.faq_id, FaqStat.lang, FaqStat.asked))).all()
    assert sorted(rows) == [("roadmap", "en", 1), ("salary", "en", 3), ("salary", "zh", 1)]


async def test_unanswered_questions_are_counted_and_ordered(sessions) -> None:  # noqa: ANN001
    t0 = NOW
    async with sessions() as s, s.begin():
        await queries.record_unanswered(s, "what is a gpu", "en", t0)
        await queries.record_unanswered(
            s, "  what   is a\ngpu ", "en", t0 + timedelta(minutes=1)
        )  # same, spaced
        await queries.record_unanswered(s, "what is a gpu", "zh", t0 + timedelta(minutes=2))  # other language
        await queries.record_unanswered(s, "is rust useful", "en", t0 + timedelta(minutes=3))
        await queries.record_unanswered(s, "x" * 600, "en", t0 + timedelta(minutes=4))  # cut to 500
        await queries.record_unanswered(s, "x" * 500 + "y", "en", t0 + timedelta(minutes=5))  # same once cut
    async with sessions() as s, s.begin():
        await queries.record_unanswered(s, "what is a gpu", "en", t0 + timedelta(minutes=6))
    async with sessions() as s:
        top = await queries.top_unanswered(s)
        assert await queries.top_unanswered(s, limit=2) == top[:2]
    # most asked first; equal counts: most recently seen first
    assert [(q.text, q.lang, q.count) for q in top] == [
        ("what is a gpu", "en", 3),
        ("x" * 500, "en", 2),
        ("is rust useful", "en", 1),
        ("what is a gpu", "zh", 1),
    ]
    gpu = top[0]
    assert (gpu.first_seen, gpu.last_seen) == (t0, t0 + timedelta(minutes=6))
    assert await _count(sessions, UnansweredQuestion) == 4

"""db/queries.py on both databases: each test gets a fresh, migrated SQLite file, then a fresh PostgreSQL
database (`db_url`), and runs the same reads and writes the handlers make."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db import queries
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from db.models import (
    FaqStat,
    QuestionTally,
    StepProgress,
    StudyLog,
    UnansweredAsker,
    UnansweredQuestion,
    User,
)

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


async def test_study_log_minutes_and_times(sessions) -> None:  # noqa: ANN001
    """Logs keep instants: minutes are summed over [start, end), times come back newest first, and a
    back-dated log counts at the instant it was studied, not when it was written."""
    uid = await _user(sessions)
    other = await _user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        for days_ago, minutes in ((0, 30), (0, 45), (1, 60), (3, 15), (10, 120)):
            when = NOW - timedelta(days=days_ago)
            await queries.add_study_log(s, uid, minutes, f"{days_ago}d", NOW, studied_at=when)
        await queries.add_study_log(s, other, 500, "", NOW)  # someone else's: never counted
    day = timedelta(days=1)
    async with sessions() as s:
        assert await queries.minutes_between(s, uid, NOW - timedelta(hours=1)) == 75
        assert await queries.minutes_between(s, uid, NOW - day) == 135  # the start is included
        assert await queries.minutes_between(s, uid, NOW - 7 * day, NOW - day) == 15  # the end is not
        assert await queries.minutes_between(s, uid, NOW + timedelta(seconds=1)) == 0
        times = await queries.study_times(s, uid, NOW - 30 * day)
        assert times == sorted(times, reverse=True) and len(times) == 5
        assert all(t.tzinfo is not None for t in times)
        assert await queries.study_times(s, uid, NOW - 2 * day) == [NOW, NOW, NOW - day]
        assert await queries.study_times(s, other, NOW - day) == [NOW]
    async with sessions() as s:
        new = await _user(sessions, "dave", "Dave")
        assert await queries.minutes_between(s, new, NOW - day) == 0
        assert await queries.study_times(s, new, NOW - day) == []


async def test_logs_are_kept_apart_and_found_only_by_their_owner(sessions) -> None:  # noqa: ANN001
    uid = await _user(sessions)
    async with sessions() as s, s.begin():
        first = await queries.add_study_log(s, uid, 30, "", NOW)
        again = await queries.add_study_log(s, uid, 30, "", NOW)
    assert first and again and first != again  # /log entries are never merged
    async with sessions() as s:
        assert [log.id for log in await queries.recent_logs(s, uid)] == [again, first]
        assert await queries.own_log(s, uid + 1, first) is None


# Privacy


async def test_export_then_forget_a_learner(sessions) -> None:  # noqa: ANN001
    uid = await _user(sessions)
    other = await _user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        await queries.set_user_timezone(s, uid, "Europe/Berlin")
        await queries.set_step_state(s, uid, "python", "done", NOW)
        await queries.set_step_state(s, uid, "linear-algebra", "doing", NOW)
        await queries.add_study_log(s, uid, 25, "vectors", NOW)
        await queries.add_study_log(s, uid, 40, "", NOW + timedelta(minutes=5))
        await queries.set_step_state(s, other, "python", "doing", NOW)
        await queries.add_study_log(s, other, 10, "bob's", NOW)
        await queries.record_unanswered(s, "my phone is 555-0100", "en", NOW, uid)
        await queries.record_unanswered(s, "my phone is 555-0100", "en", NOW, uid)
        await queries.record_unanswered(s, "说中文", "zh", NOW + timedelta(minutes=1), uid)
        await queries.record_unanswered(s, "bob asks", "en", NOW, other)
    async with sessions() as s:
        exported = await queries.export_user(s, uid)
    # the parts this test wrote (other features add their own sections to the export)
    assert {k: exported[k] for k in ("user", "roadmap_progress", "study_log", "unanswered_questions")} == {
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
                "studied_at": "2026-03-02T10:00:00.123456+00:00",
            },
            {
                "minutes": 40,
                "note": "",
                "logged_at": "2026-03-02T10:05:00.123456+00:00",
                "studied_at": "2026-03-02T10:05:00.123456+00:00",
            },
        ],
        "unanswered_questions": [  # the learner's own words, not bob's
            {"text": "my phone is 555-0100", "language": "en", "times_asked": 2},
            {"text": "说中文", "language": "zh", "times_asked": 1},
        ],
    }

    async with sessions() as s, s.begin():
        await queries.forget_user(s, uid)
    async with sessions() as s:
        assert await queries.export_user(s, uid) == {}
        assert await queries.find_user(s, "fake", "alice") is None
        assert await queries.step_states(s, uid) == {}
        assert await queries.minutes_between(s, uid, datetime(2000, 1, 1, tzinfo=UTC)) == 0
        # the other learner is untouched
        assert await queries.step_states(s, other) == {"python": "doing"}
        assert await queries.minutes_between(s, other, datetime(2000, 1, 1, tzinfo=UTC)) == 10
        assert [q.text for q in await queries.top_unanswered(s)] == ["bob asks"]
    assert await _count(sessions, User) == 1
    assert await _count(sessions, StudyLog) == 1
    assert await _count(sessions, UnansweredAsker) == 1
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
    uid = await _user(sessions)

    async def record(s, text: str, lang: str, minutes: int) -> None:  # noqa: ANN001
        await queries.record_unanswered(s, text, lang, t0 + timedelta(minutes=minutes), uid)

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


async def _askers(sessions) -> dict[tuple[str, str], dict[int, int]]:  # noqa: ANN001
    """{(text, lang): {user id: times they asked}} for every unanswered question."""
    async with sessions() as s:
        questions = {
            (q.id): (q.text, q.lang) for q in (await s.execute(select(UnansweredQuestion))).scalars()
        }
        out: dict[tuple[str, str], dict[int, int]] = {key: {} for key in questions.values()}
        for a in (await s.execute(select(UnansweredAsker))).scalars():
            out[questions[a.question_id]][a.user_id] = a.count
    return out


async def test_unanswered_questions_count_each_asker(sessions) -> None:  # noqa: ANN001
    alice, bob = await _user(sessions), await _user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        await queries.record_unanswered(s, "what is a gpu", "en", NOW, alice)
        await queries.record_unanswered(s, "what  is a gpu", "en", NOW, alice)
        await queries.record_unanswered(s, "what is a gpu", "en", NOW, bob)
        await queries.record_unanswered(s, "is rust useful", "en", NOW, bob)
    assert await _askers(sessions) == {
        ("what is a gpu", "en"): {alice: 2, bob: 1},
        ("is rust useful", "en"): {bob: 1},
    }


async def test_forget_removes_unanswered_question_text(sessions) -> None:  # noqa: ANN001
    alice, bob = await _user(sessions), await _user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        for text, who in (("call me on 555-0100", alice), ("what is a gpu", alice), ("what is a gpu", alice)):
            await queries.record_unanswered(s, text, "en", NOW, who)
        for text in ("what is a gpu", "what is a gpu", "is rust useful"):
            await queries.record_unanswered(s, text, "en", NOW, bob)
        await queries.record_question(s, "en", False, NOW)
    async with sessions() as s, s.begin():
        await queries.forget_user(s, alice)
    # alice's own words are gone; the same words typed by bob are his and stay, with his count only
    assert await _askers(sessions) == {("what is a gpu", "en"): {bob: 2}, ("is rust useful", "en"): {bob: 1}}
    async with sessions() as s:
        assert [(q.text, q.count) for q in await queries.top_unanswered(s)] == [
            ("what is a gpu", 2),
            ("is rust useful", 1),
        ]
        assert await queries.question_counts(s, NOW.date()) == (1, 0)  # anonymous tallies stay
    async with sessions() as s, s.begin():
        await queries.forget_user(s, bob)
    assert await _count(sessions, UnansweredQuestion) == 0
    assert await _count(sessions, UnansweredAsker) == 0


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
            await queries.record_question(s, lang, answered, when)
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
        assert await queries.question_counts(s, date(2026, 3, 2)) == (4, 3)
        assert await queries.question_counts(s, date(2026, 3, 1)) == (5, 3)
        assert await queries.question_counts(s, date(2026, 3, 3)) == (0, 0)

"""db/privacy.py on both databases: /export and /forget as derived from the models' declarations
(tests/test_privacy.py drives the same through the chat)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db import faq_stats, privacy, progress, reminders, study_logs, users
from db.models import Delivery, Reminder, StudyLog, UnansweredAsker, UnansweredQuestion, User
from tests.stores import EXPORT_SECTIONS, NOW, askers, count_rows, make_user


async def test_export_then_forget_a_learner(sessions) -> None:  # noqa: ANN001
    uid = await make_user(sessions)
    other = await make_user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        await users.set_user_timezone(s, uid, "Europe/Berlin")
        await progress.set_step_state(s, uid, "python", "done", NOW)
        await progress.set_step_state(s, uid, "linear-algebra", "doing", NOW)
        await study_logs.add_study_log(s, uid, 25, "vectors", NOW)
        await study_logs.add_study_log(s, uid, 40, "", NOW + timedelta(minutes=5))
        await progress.set_step_state(s, other, "python", "doing", NOW)
        await study_logs.add_study_log(s, other, 10, "bob's", NOW)
        await faq_stats.record_unanswered(s, "my phone is 555-0100", "en", NOW, uid)
        await faq_stats.record_unanswered(s, "my phone is 555-0100", "en", NOW, uid)
        await faq_stats.record_unanswered(s, "说中文", "zh", NOW + timedelta(minutes=1), uid)
        await faq_stats.record_unanswered(s, "bob asks", "en", NOW, other)
    async with sessions() as s:
        exported = await privacy.export_user(s, uid)
    # the parts this test wrote (other features add their own sections to the export)
    sections = ("user", "accounts", "roadmap_progress", "study_log", "unanswered_questions")
    assert {k: exported[k] for k in sections} == {
        "user": {
            "display_name": "Alice",
            "language": None,
            "timezone": "Europe/Berlin",
            "weekly_goal_minutes": None,
            "weekly_digest_off": False,
            "created_at": "2026-03-02T10:00:00.123456+00:00",
        },
        "accounts": [{"platform": "fake", "user_id": "alice", "since": "2026-03-02T10:00:00.123456+00:00"}],
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
        await privacy.forget_user(s, uid)
    async with sessions() as s:
        assert await privacy.export_user(s, uid) == {}
        assert await users.find_user(s, "fake", "alice") is None
        assert await progress.step_states(s, uid) == {}
        assert await study_logs.minutes_between(s, uid, datetime(2000, 1, 1, tzinfo=UTC)) == 0
        # the other learner is untouched
        assert await progress.step_states(s, other) == {"python": "doing"}
        assert await study_logs.minutes_between(s, other, datetime(2000, 1, 1, tzinfo=UTC)) == 10
        assert [q.text for q in await faq_stats.top_unanswered(s)] == ["bob asks"]
    assert await count_rows(sessions, User) == 1
    assert await count_rows(sessions, StudyLog) == 1
    assert await count_rows(sessions, UnansweredAsker) == 1
    # forgetting again, or someone who never existed, is harmless
    async with sessions() as s, s.begin():
        await privacy.forget_user(s, uid)
        await privacy.forget_user(s, 999_999)
    assert await count_rows(sessions, User) == 1


async def test_export_lists_reminders_and_forget_takes_their_messages(sessions) -> None:  # noqa: ANN001
    uid = await make_user(sessions)
    other = await make_user(sessions, "bob", "Bob")
    rule = '{"kind": "daily", "times": ["19:00"]}'
    common = {"platform": "fake", "rule": rule, "timezone": "Asia/Kolkata", "created_at": NOW}
    async with sessions() as s, s.begin():
        mine = await reminders.add_reminder(
            s, owner_id=uid, chat_id="alice", text="study", next_fire_at=NOW + timedelta(hours=1), **common
        )
        group = await reminders.add_reminder(
            s, owner_id=uid, chat_id="group", is_group=True, text="", next_fire_at=None, **common
        )
        bobs = await reminders.add_reminder(s, owner_id=other, chat_id="bob", text="bob's", **common)
        occurrence = {"fire_at": NOW, "due_at": NOW, "status": reminders.SENT}
        await reminders.write_deliveries(
            s, [{"reminder_id": r.id, **occurrence} for r in (mine, group, bobs)]
        )
    async with sessions() as s:
        exported = await privacy.export_user(s, uid)
    assert list(exported) == EXPORT_SECTIONS
    assert exported["reminders"] == [
        {
            "id": mine.id,
            "chat": "alice",
            "rule": {"kind": "daily", "times": ["19:00"]},
            "text": "study",
            "kind": "text",
            "timezone": "Asia/Kolkata",
            "next": "2026-03-02T11:00:00.123456+00:00",
            "paused": False,
        },
        {
            "id": group.id,
            "chat": "group",
            "rule": {"kind": "daily", "times": ["19:00"]},
            "text": "",
            "kind": "text",
            "timezone": "Asia/Kolkata",
            "next": None,
            "paused": False,
        },
    ]
    async with sessions() as s, s.begin():
        await privacy.forget_user(s, uid)
    async with sessions() as s:
        left = (await s.execute(select(Delivery.reminder_id))).scalars().all()
    assert left == [bobs.id]
    assert await count_rows(sessions, Reminder) == 1


async def test_forget_removes_unanswered_question_text(sessions) -> None:  # noqa: ANN001
    alice, bob = await make_user(sessions), await make_user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        for text, who in (("call me on 555-0100", alice), ("what is a gpu", alice), ("what is a gpu", alice)):
            await faq_stats.record_unanswered(s, text, "en", NOW, who)
        for text in ("what is a gpu", "what is a gpu", "is rust useful"):
            await faq_stats.record_unanswered(s, text, "en", NOW, bob)
        await faq_stats.record_question(s, "en", False, NOW)
    async with sessions() as s, s.begin():
        await privacy.forget_user(s, alice)
    # alice's own words are gone; the same words typed by bob are his and stay, with his count only
    assert await askers(sessions) == {("what is a gpu", "en"): {bob: 2}, ("is rust useful", "en"): {bob: 1}}
    async with sessions() as s:
        assert [(q.text, q.count) for q in await faq_stats.top_unanswered(s)] == [
            ("what is a gpu", 2),
            ("is rust useful", 1),
        ]
        assert await faq_stats.question_counts(s, NOW.date()) == (1, 0)  # anonymous tallies stay
    async with sessions() as s, s.begin():
        await privacy.forget_user(s, bob)
    assert await count_rows(sessions, UnansweredQuestion) == 0
    assert await count_rows(sessions, UnansweredAsker) == 0

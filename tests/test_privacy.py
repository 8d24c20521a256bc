"""/export and /forget: everything stored about me, and deleting it only after a fresh, explicit yes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.models import Account, Base, StepProgress, StudyLog, UnansweredQuestion, User
from tests.conftest import buttons, texts


async def rows_of(app, user_id: str) -> dict[str, list]:  # noqa: ANN001
    """Every row stored for one platform user, per table."""
    async with app.sessions() as session:
        users = (
            (
                await session.execute(
                    select(User)
                    .join(Account, Account.user_id == User.id)
                    .where(Account.platform_user_id == user_id)
                )
            )
            .scalars()
            .all()
        )
        ids = [u.id for u in users]
        progress = (
            (await session.execute(select(StepProgress).where(StepProgress.user_id.in_(ids)))).scalars().all()
        )
        logs = (await session.execute(select(StudyLog).where(StudyLog.user_id.in_(ids)))).scalars().all()
    return {
        "users": [(user_id, u.timezone) for u in users],
        "step_progress": [(p.step_id, p.state) for p in progress],
        "study_logs": [(s.minutes, s.note) for s in logs],
    }


async def counts(app) -> dict[str, int]:  # noqa: ANN001
    async with app.sessions() as session:
        return {
            model.__tablename__: len((await session.execute(select(model))).scalars().all())
            for model in (User, StepProgress, StudyLog)
        }


async def fill(chat) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    await chat.say("/done 1")
    await chat.say("/doing 2")
    await chat.say("/log 45 pandas")


# /export


async def test_export_returns_a_json_attachment_with_everything(chat, app) -> None:  # noqa: ANN001
    await fill(chat)
    replies = await chat.say("/export")
    assert len(replies) == 1
    reply = replies[0]
    assert "your profile, 2 roadmap steps and 1 study log entry" in reply.plain()
    assert reply.attachment is not None
    assert reply.attachment.filename.endswith(".json")
    assert reply.attachment.mime == "application/json"

    data = json.loads(reply.attachment.data)
    assert data["accounts"] == [{"platform": "fake", "user_id": "alice", "since": data["user"]["created_at"]}]
    assert data["user"]["display_name"] == "Alice"
    assert data["user"]["timezone"] == "Asia/Kolkata"
    steps = {p["step"]: p["state"] for p in data["roadmap_progress"]}
    first, second = app.store.content.steps[:2]
    assert steps == {first.id: "done", second.id: "doing"}
    assert [(s["minutes"], s["note"]) for s in data["study_log"]] == [(45, "pandas")]
    assert data["study_log"][0]["studied_at"].startswith("2026-03-02T10:00:00")
    assert data["study_log"][0]["logged_at"].startswith("2026-03-02T10:00:00")
    assert data["exported_at"].startswith("2026-03-02T10:00:00")


async def test_export_contains_only_my_data(app) -> None:  # noqa: ANN001
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    await fill(alice)
    await bob.say("/log 10 secret bob stuff")
    data = json.loads((await alice.say("/export"))[0].attachment.data)
    assert "secret bob stuff" not in json.dumps(data)
    assert [s["note"] for s in data["study_log"]] == ["pandas"]


async def test_export_for_a_new_learner(chat) -> None:  # noqa: ANN001
    reply = (await chat.say("/export"))[0]
    data = json.loads(reply.attachment.data)
    assert [a["user_id"] for a in data["accounts"]] == ["alice"] and data["account_links"] == []
    assert data["roadmap_progress"] == [] and data["study_log"] == []


# /forget


async def test_forget_asks_with_two_buttons(chat, app) -> None:  # noqa: ANN001
    await fill(chat)
    replies = await chat.say("/forget")
    assert "It cannot be undone" in texts(replies)
    assert "The button works for 5 minutes" in texts(replies)
    labels = [label for label, _ in buttons(replies)]
    assert labels == ["Yes, delete everything", "Cancel"]
    assert len((await rows_of(app, "alice"))["study_logs"]) == 1  # asking deletes nothing


async def test_forget_cancel_deletes_nothing(chat, app) -> None:  # noqa: ANN001
    await fill(chat)
    before = await rows_of(app, "alice")
    await chat.say("/forget")
    replies = await chat.click("Cancel")
    assert "Nothing was deleted." in texts(replies)
    assert await rows_of(app, "alice") == before


async def test_forget_yes_deletes_every_row_of_mine_only(app) -> None:  # noqa: ANN001
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    await fill(alice)
    await fill(bob)
    bob_before = await rows_of(app, "bob")
    assert all(bob_before.values())

    await alice.say("/forget")
    replies = await alice.click("Yes, delete everything")
    assert "everything I stored about you is deleted" in texts(replies)

    assert await rows_of(app, "alice") == {"users": [], "step_progress": [], "study_logs": []}
    assert await rows_of(app, "bob") == bob_before
    assert await counts(app) == {"users": 1, "step_progress": 2, "study_logs": 1}


async def test_after_forget_the_learner_starts_fresh(chat, app) -> None:  # noqa: ANN001
    await fill(chat)
    await chat.say("/forget")
    await chat.click("Yes")
    text = texts(await chat.say("/progress"))
    assert "Roadmap: 0 of" in text
    assert "Study time this week: 0 h 0 min" in text
    assert "(UTC)" in text
    assert await rows_of(app, "alice") == {"users": [("alice", "UTC")], "step_progress": [], "study_logs": []}


async def test_expired_confirmation_deletes_nothing(chat, app, clock) -> None:  # noqa: ANN001
    await fill(chat)
    before = await rows_of(app, "alice")
    await chat.say("/forget")
    clock.advance(minutes=10)
    replies = await chat.click("Yes, delete everything")
    assert "That confirmation has expired and nothing was deleted" in texts(replies)
    assert await rows_of(app, "alice") == before


async def test_confirmation_from_the_future_deletes_nothing(chat, app, clock) -> None:  # noqa: ANN001
    await fill(chat)
    before = await rows_of(app, "alice")
    stamp = int(clock.now().timestamp()) + 3600
    replies = await chat.press(f"forget:yes:{stamp}:alice")
    assert "expired" in texts(replies)
    assert await rows_of(app, "alice") == before


async def test_forged_confirmation_deletes_nothing(chat, app) -> None:  # noqa: ANN001
    await fill(chat)
    before = await rows_of(app, "alice")
    for payload in ("forget:yes:notanumber", "forget:yes", "forget:yes:", "forget:maybe:0"):
        replies = await chat.press(payload)
        assert replies, payload
        assert "That button is out of date" in texts(replies), payload
        assert "deleted" not in texts(replies), payload
        assert await rows_of(app, "alice") == before, payload
    assert "That button is out of date" in texts(await chat.press("forget:yes:notanumber"))


async def test_only_the_learner_who_asked_can_confirm_in_a_group(app) -> None:  # noqa: ANN001
    alice = app.fake.chat("alice", chat_id="study-group", group=True)
    bob = app.fake.chat("bob", chat_id="study-group", group=True)
    await bob.say("/log 30")
    bob_before = await rows_of(app, "bob")
    await alice.say("/forget")
    bob.last = alice.last  # Bob sees Alice's buttons in the group and presses "Yes"
    replies = await bob.click("Yes, delete everything")
    assert "belongs to someone else" in texts(replies)
    assert await rows_of(app, "bob") == bob_before
    assert "everything I stored about you is deleted" in texts(await alice.click("Yes, delete everything"))


# /forget takes the learner's own words everywhere, and keeps only anonymous counts


async def every_stored_string(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """(table, value) for every string in every table, whatever tables the app has."""
    out = []
    async with app.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                out += [(table.name, v) for v in row if isinstance(v, str)]
    return out


async def test_forget_leaves_nothing_the_learner_typed_in_any_table(db_app) -> None:  # noqa: ANN001
    alice = db_app.fake.chat("alice", name="Alice Zyxw-name")
    in_group = db_app.fake.chat(
        "alice", name="Alice Zyxw-name", chat_id="study-group", group=True, chat_admin=True
    )
    bob = db_app.fake.chat("bob")
    await alice.say("/timezone Asia/Kolkata")
    await alice.say("/log 30 zyxw-note")
    assert "Reminder saved" in texts(await alice.say("/remind daily 19:00 zyxw-reminder"))
    await in_group.say("/timezone Asia/Kolkata")
    assert "Reminder saved" in texts(await in_group.say("/remind daily 20:00 zyxw-group-reminder"))
    await alice.say("zyxw-question flumph wibble?")
    await alice.say("shared-words flumph wibble?")
    await bob.say("shared-words flumph wibble?")
    await bob.say("/log 20 bob's note")
    mine = [(t, v) for t, v in await every_stored_string(db_app) if "zyxw" in v.lower()]
    assert {t for t, _ in mine} == {"users", "study_logs", "reminders", "unanswered_questions"}

    await alice.say("/forget")
    await alice.click("Yes, delete everything")

    stored = await every_stored_string(db_app)
    assert [(t, v) for t, v in stored if "zyxw" in v.lower()] == []
    assert ("unanswered_questions", "shared-words flumph wibble?") in stored  # Bob's words too: they stay
    assert ("study_logs", "bob's note") in stored
    async with db_app.sessions() as session:
        shared = (await session.execute(select(UnansweredQuestion))).scalars().one()
    assert (shared.text, shared.count) == ("shared-words flumph wibble?", 1)


async def test_forget_removes_unanswered_question_text(db_app) -> None:  # noqa: ANN001
    alice, bob, admin = db_app.fake.chat("alice"), db_app.fake.chat("bob"), db_app.fake.chat("admin")
    await alice.say("my number is 555-0100 zxqv?")
    await alice.say("zxqv wibble flumph?")
    await alice.say("zxqv wibble flumph?")
    await bob.say("zxqv wibble flumph?")
    gaps = texts(await admin.say("/gaps"))
    assert "555-0100" in gaps and "3× [en] zxqv wibble flumph?" in gaps

    await alice.say("/forget")
    await alice.click("Yes, delete everything")
    gaps = texts(await admin.say("/gaps"))
    assert "555-0100" not in gaps
    assert "1× [en] zxqv wibble flumph?" in gaps  # only Bob's ask is left
    await bob.say("/forget")
    await bob.click("Yes, delete everything")
    assert "No unanswered questions recorded yet." in texts(await admin.say("/gaps"))


async def test_gaps_counts_the_weeks_questions_even_after_forget(db_app, clock) -> None:  # noqa: ANN001
    alice, admin = db_app.fake.chat("alice"), db_app.fake.chat("admin")
    assert "No questions asked in the last 7 days." in texts(await admin.say("/gaps"))
    await alice.say("how much math do I need")  # answered
    await alice.say("/ask how much does an ml engineer earn")  # answered
    await alice.say("zxqv wibble flumph?")  # not answered
    await alice.say("hello")  # small talk, not a question
    await alice.say("/faq salary")  # a topic opened, not a question
    week = "Questions asked in the last 7 days: 3, of which 67% answered."
    text = texts(await admin.say("/gaps"))
    assert week in text
    assert text.index(week) < text.index("zxqv wibble flumph?")  # above the list

    await alice.say("/forget")
    await alice.click("Yes, delete everything")
    text = texts(await admin.say("/gaps"))
    assert week in text and "No unanswered questions recorded yet." in text

    clock.advance(days=7)
    assert "No questions asked in the last 7 days." in texts(await admin.say("/gaps"))


async def test_export_includes_my_unanswered_questions(db_app) -> None:  # noqa: ANN001
    alice, bob = db_app.fake.chat("alice"), db_app.fake.chat("bob")
    await alice.say("zxqv wibble flumph?")
    await alice.say("zxqv   wibble flumph?")
    await alice.say("没有这个话题吗 zxqv")
    await alice.say("how much math do I need")  # answered: nothing of it is stored
    await bob.say("bob zxqv secret?")
    data = json.loads((await alice.say("/export"))[0].attachment.data)
    assert data["unanswered_questions"] == [
        {"text": "zxqv wibble flumph?", "language": "en", "times_asked": 2},
        {"text": "没有这个话题吗 zxqv", "language": "zh", "times_asked": 1},
    ]
    assert "bob zxqv secret" not in json.dumps(data)


@pytest.mark.parametrize(
    ("lang", "confirm", "done"),
    [
        (
            "en",
            [
                "profile and settings",
                "roadmap progress",
                "study log",
                "reminders",
                "could not answer",
                "anonymous",
            ],
            ["profile and settings", "roadmap progress", "study log", "reminders", "could not answer"],
        ),
        (
            "zh",
            ["个人资料和设置", "路线图进度", "学习记录", "提醒", "没能回答", "匿名"],
            ["个人资料和设置", "路线图进度", "学习记录", "提醒", "没能回答"],
        ),
    ],
)
async def test_forget_confirmation_names_everything_it_deletes(chat, lang, confirm, done) -> None:  # noqa: ANN001
    await chat.say(f"/lang {lang}")
    asked = texts(await chat.say("/forget"))
    assert [part for part in confirm if part not in asked] == []
    said = texts(await chat.press(buttons(chat.last)[0][1]))
    assert [part for part in done if part not in said] == []

"""The reminder commands and buttons (handlers/reminders.py), through the fake adapter."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from db.models import Reminder, StudyLog
from tests.conftest import buttons, texts

# The reminder commands store through db/reminders.py: run them on SQLite and on PostgreSQL.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def app(db_app):  # noqa: ANN001, ANN201
    return db_app


async def count(app, model=Reminder) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_first_reminder_asks_for_a_time_zone_and_saves_nothing(app):
    chat = app.fake.chat("priya", locale="en_IN")
    text = texts(await chat.say("/remind daily 19:00 revise"))
    assert "/timezone Asia/Kolkata" in text
    assert await count(app) == 0


async def test_a_reminder_shows_its_rule_text_and_next_three_times_in_local_time(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone Europe/Berlin")
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # a Friday; DST starts on Sunday the 29th
    text = texts(await chat.say("/remind daily 09:00 flashcards"))
    assert "#1 daily at 09:00 — flashcards" in text
    assert "2026-03-28 09:00 CET, 2026-03-29 09:00 CEST, 2026-03-30 09:00 CEST" in text
    listed = texts(await chat.say("/reminders"))
    assert "#1 daily at 09:00 — flashcards" in listed


async def test_every_form_of_the_issue_is_accepted(app):
    chat = app.fake.chat("alice")
    await chat.say("/timezone Asia/Kolkata")
    forms = [
        "daily 19:00 study",
        "weekdays 07:30 maths",
        "mon,wed,fri 18:00 kaggle",
        "every 2 days 09:00 review",
        "in 2h stretch",
        "in 45m water",
        "tomorrow 08:00 plan",
        "2026-12-01 09:00 exam prep",
        "daily 19:00 until 2026-12-31 sprint",
        "daily 19:00 times 5 five days",
        "每天 19:00 学习",
    ]
    for form in forms:
        assert "Reminder saved" in texts(await chat.say(f"/remind {form}")), form
    assert await count(app) == len(forms)


async def test_bad_rules_explain_themselves_and_save_nothing(app):
    chat = app.fake.chat("alice")
    await chat.say("/timezone Asia/Kolkata")
    for bad, expect in [
        ("25:00 x", "not a time of day"),
        ("2026-02-30 09:00", "not a real date"),
        ("every 5 minutes", "too often"),
        ("sometimes", "don't understand"),
        ("2020-01-01 09:00", "in the past"),
        ("daily 19:00 times 0", "number of times"),
    ]:
        text = texts(await chat.say(f"/remind {bad}"))
        assert expect in text and "Examples" in text, (bad, text)
    assert "Tell me when" in texts(await chat.say("/remind"))
    assert await count(app) == 0


async def test_limits_per_learner(app):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    for i in range(25):
        await chat.say(f"/remind daily 10:{i:02d}")
    assert "25 reminders" in texts(await chat.say("/remind daily 11:00"))
    assert await count(app) == 25


async def test_unremind_pause_resume_and_only_the_owner(app):
    alice, bob = app.fake.chat("alice"), app.fake.chat("bob")
    for chat in (alice, bob):
        await chat.say("/timezone UTC")
    await alice.say("/remind daily 19:00 a")
    assert "no reminder #1" in texts(await bob.say("/unremind 1"))
    assert "Paused: #1" in texts(await alice.say("/pause"))
    assert "(paused)" in texts(await alice.say("/reminders"))
    assert "Resumed: #1" in texts(await alice.say("/resume 1"))
    assert "Which reminder" in texts(await alice.say("/unremind"))
    assert "Reminder #1 deleted" in texts(await alice.say("/unremind #1"))
    assert "No reminders here" in texts(await alice.say("/reminders"))


async def test_channel_reminders_are_for_group_admins_in_the_group_zone(app):
    admin = app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    member = app.fake.chat("max", chat_id="study-group", group=True)
    assert "no time zone yet" in texts(await admin.say("/remind daily 20:00 study hour"))
    assert "Only the group's admins" in texts(await member.say("/timezone Asia/Kolkata"))
    assert "now **Asia/Kolkata**" in texts(await admin.say("/timezone Asia/Kolkata")).replace(
        "now Asia", "now **Asia"
    ) or "Asia/Kolkata" in texts(await admin.say("/timezone"))
    assert "Only the group's admins can set reminders" in texts(await member.say("/remind daily 20:00"))
    text = texts(await admin.say("/remind daily 20:00 study hour"))
    assert "Reminder saved" in text and "IST" in text
    async with app.sessions() as s:
        r = (await s.execute(select(Reminder))).scalar_one()
    assert (r.chat_id, r.is_group, r.timezone) == ("study-group", True, "Asia/Kolkata")


async def test_reminder_buttons_done_snooze_skip(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 10:30 read a paper")
    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    await app.reminders.tick()
    (sent_chat, message) = app.fake.sent[-1]
    assert "read a paper" in message.plain() and sent_chat.chat_id == "alice"
    labels = [label for label, _ in buttons([message])]
    assert labels == ["Done ✓", "Snooze 15 min", "Snooze 1 h", "Skip today"]
    chat.last = [message]
    (done,) = await chat.click("Done")
    # in a direct chat the reminder message itself shows the outcome and loses its buttons
    assert done.replace and not done.buttons
    assert done.plain().startswith("⏰ read a paper") and "logged a 30-minute" in done.plain()
    assert await count(app, StudyLog) == 1
    chat.last = [message]
    assert "again at 2026-03-02 10:45 UTC" in texts(await chat.click("Snooze 15"))
    clock.set(datetime(2026, 3, 2, 10, 45, tzinfo=UTC))
    await app.reminders.tick()
    reminders_sent = [r for _, r in app.fake.sent if r.plain().startswith("⏰") and not r.replace]
    assert len(reminders_sent) == 2  # the occurrence and its snooze, nothing else
    assert "read a paper" in reminders_sent[-1].plain()
    chat.last = [message]
    assert "no more of this reminder today" in texts(await chat.click("Skip today"))


async def test_export_includes_reminders_and_forget_deletes_them(app):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 19:00 a")
    export = (await chat.say("/export"))[0].attachment.data.decode()
    assert '"reminders"' in export and '"text": "a"' in export
    await chat.say("/forget")
    await chat.click("Yes")
    assert await count(app) == 0


async def test_in_a_group_the_reminder_keeps_its_buttons_for_the_other_members(app, clock):
    admin = app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    member = app.fake.chat("max", chat_id="study-group", group=True)
    await admin.say("/timezone UTC")
    await admin.say("/remind daily 10:30 study hour")
    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    await app.reminders.tick()
    (_, message) = app.fake.sent[-1]
    member.last = [message]
    (done,) = await member.click("Done")
    assert "logged a 30-minute" in done.plain() and not done.replace
    admin.last = [message]
    (done,) = await admin.click("Done")
    assert "logged a 30-minute" in done.plain() and not done.replace
    assert await count(app, StudyLog) == 2

"""The reminder commands and buttons (handlers/reminders.py), through the fake adapter."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from db.models import Delivery, Reminder, StudyLog
from tests.conftest import DATABASES, buttons, texts

# The reminder commands store through db/reminders.py: run them on SQLite and on PostgreSQL.
pytestmark = pytest.mark.parametrize("db_url", DATABASES, indirect=True)


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
    assert "The group's time zone is now Asia/Kolkata" in texts(await admin.say("/timezone Asia/Kolkata"))
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


# What a new learner tripped over (issue 11)


async def _fire(app, clock, at: datetime):  # noqa: ANN001, ANN202
    """Move the clock to `at`, run the reminder service, return the reminder messages it sent."""
    before = len(app.fake.sent)
    clock.set(at)
    await app.reminders.tick()
    return [r for _, r in app.fake.sent[before:] if r.plain().startswith("⏰") and not r.replace]


async def deliveries(app, reminder_id: int) -> list[Delivery]:  # noqa: ANN001
    async with app.sessions() as s:
        rows = await s.execute(select(Delivery).where(Delivery.reminder_id == reminder_id))
        return list(rows.scalars())


@pytest.mark.parametrize(
    ("lang", "args", "expected"),
    [
        ("en", "tomorrow", '"tomorrow" needs a time of day too, e.g. /remind tomorrow 19:00'),
        ("en", "daily", '"daily" needs a time of day too, e.g. /remind daily 19:00'),
        ("en", "mon,wed,fri revise", '"mon,wed,fri" needs a time of day too'),
        ("zh", "明天", "“明天”还需要一个具体时间，例如 /remind 明天 19:00"),
    ],
)
async def test_a_rule_without_a_time_names_the_word_that_needs_one(app, lang, args, expected):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say(f"/lang {lang}")
    text = texts(await chat.say(f"/remind {args}"))
    assert expected in text and '""' not in text and "“”" not in text
    assert await count(app) == 0


async def test_examples_with_dates_are_ahead_of_today_and_work_as_given(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 12, 31, 19, 0, tzinfo=UTC))  # already 2027-01-01 00:30 in Kolkata
    usage = texts(await chat.say("/remind"))
    assert "/remind 2027-02-01 09:00" in usage and "until 2027-02-28" in usage
    assert "2026-12-01" not in usage and "2026-12-31" not in usage
    error = texts(await chat.say("/remind sometimes"))
    assert "/remind 2027-02-01 09:00" in error
    assert "Reminder saved" in texts(await chat.say("/remind 2027-02-01 09:00"))
    assert "Reminder saved" in texts(await chat.say("/remind daily 19:00 until 2027-02-28"))


async def test_a_delay_needs_no_time_zone_but_a_time_of_day_still_does(app, clock):
    chat = app.fake.chat("priya", locale="en_IN")
    text = texts(await chat.say("/remind in 30m stretch"))
    assert "Reminder saved" in text and "2026-03-02 10:30 UTC" in text
    assert "/timezone Asia/Kolkata" in text  # how to see local times
    assert "Before your first reminder" in texts(await chat.say("/remind daily 19:00"))
    group = app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    assert "Reminder saved" in texts(await group.say("/remind in 2h group stretch"))
    assert await count(app) == 2
    (sent,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    assert "stretch" in sent.plain()


async def test_a_snoozed_one_off_is_listed_with_its_time_and_unremind_cancels_it(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind in 30m read a paper")
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    chat.last = [message]
    await chat.click("Snooze 15")
    listed = texts(await chat.say("/reminders"))
    assert "#1" in listed and "read a paper" in listed
    assert "snoozed until 2026-03-02 10:45 UTC" in listed
    assert "Reminder #1 deleted" in texts(await chat.say("/unremind 1"))
    assert await deliveries(app, 1) == []
    assert await _fire(app, clock, datetime(2026, 3, 2, 10, 45, tzinfo=UTC)) == []
    assert "No reminders here" in texts(await chat.say("/reminders"))


async def test_a_repeating_reminder_shows_its_snooze_next_to_its_next_times(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 10:30 flashcards")
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    chat.last = [message]
    await chat.click("Snooze 1 h")
    listed = texts(await chat.say("/reminders"))
    assert "next: 2026-03-03 10:30 UTC" in listed and "snoozed until 2026-03-02 11:30 UTC" in listed


async def test_a_paused_reminder_holds_its_snooze_and_resume_drops_one_that_passed(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 10:30 flashcards")
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    chat.last = [message]
    await chat.click("Snooze 15")
    assert "Paused: #1" in texts(await chat.say("/pause"))
    assert await _fire(app, clock, datetime(2026, 3, 2, 10, 50, tzinfo=UTC)) == []
    assert "Resumed: #1" in texts(await chat.say("/resume"))
    assert await _fire(app, clock, datetime(2026, 3, 2, 10, 51, tzinfo=UTC)) == []  # not sent late
    assert [d.status for d in await deliveries(app, 1) if d.seq > 0] == ["missed"]
    assert len(await _fire(app, clock, datetime(2026, 3, 3, 10, 30, tzinfo=UTC))) == 1  # the rule goes on


async def test_a_reminder_without_text_shows_the_default_in_the_current_language(app, clock):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    assert "daily at 10:30 — Time to study!" in texts(await chat.say("/remind daily 10:30"))
    async with app.sessions() as s:
        assert (await s.execute(select(Reminder.text))).scalar_one() == ""
    await chat.say("/lang zh")
    assert "每天 10:30 — 该学习啦！" in texts(await chat.say("/reminders"))
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    assert message.plain().startswith("⏰ 该学习啦！")
    assert [label for label, _ in buttons([message])][0] == "完成 ✓"


@pytest.mark.parametrize("old", ["Time to study!", "该学习啦！"])
async def test_a_reminder_stored_with_the_old_default_text_follows_the_language_too(app, clock, old):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 10:30")
    async with app.sessions() as s, s.begin():
        (await s.execute(select(Reminder))).scalar_one().text = old
    await chat.say("/lang en")
    assert "— Time to study!" in texts(await chat.say("/reminders"))
    await chat.say("/lang zh")
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    assert message.plain().startswith("⏰ 该学习啦！")


async def test_a_group_reminder_speaks_the_language_it_was_set_in(app, clock):
    admin = app.fake.chat("gina", chat_id="study-group", group=True, chat_admin=True)
    member = app.fake.chat("li", chat_id="study-group", group=True, locale="zh_CN")
    await admin.say("/timezone UTC")
    await admin.say("/remind daily 10:30")
    await admin.say("/lang zh")  # her own language: the group's reminder stays as it was set
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    assert message.plain().startswith("⏰ Time to study!")
    assert "该学习啦！" in texts(await member.say("/reminders"))  # a list is in its reader's language


async def test_pause_and_resume_act_only_on_what_changes_and_say_it_in_the_right_number(app):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind daily 19:00 a")
    await chat.say("/remind daily 20:00 b")
    assert "Paused: #2. Turn it back on with /resume." in texts(await chat.say("/pause 2"))
    text = texts(await chat.say("/pause"))
    assert "Paused: #1. Turn it back on" in text and "#2" not in text
    assert "All the reminders here are paused already" in texts(await chat.say("/pause"))
    assert "Reminder #2 is already paused" in texts(await chat.say("/pause 2"))
    assert "Resumed: #1, #2. They carry on from now" in texts(await chat.say("/resume"))
    assert "None of the reminders here is paused" in texts(await chat.say("/resume"))
    assert "Reminder #1 is not paused" in texts(await chat.say("/resume 1"))
    await chat.say("/lang zh")
    assert "已暂停 1 个提醒：#1" in texts(await chat.say("/pause 1"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("/unremind 99999999999999999999999999", "no reminder #999999999999"),
        ("/pause 99999999999999999999", "no reminder #"),
        ("/resume #9223372036854775808", "no reminder #"),
        ("/unremind ²", "Which reminder?"),
        ("/pause #③", "Which reminder?"),
        ("/unremind １", "no reminder #1 "),  # a full-width 1 is a 1; there is no #1 here
    ],
)
async def test_odd_and_huge_reminder_numbers_get_a_friendly_reply(app, args, expected):
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    assert expected in texts(await chat.say(args))


async def test_unremind_while_a_snooze_is_being_sent_leaves_nothing_behind(app, clock):
    """The reminder service marks a message sent after it went out; if /unremind deleted the reminder in
    between, that finds no row and nothing is sent again."""
    chat = app.fake.chat("alice")
    await chat.say("/timezone UTC")
    await chat.say("/remind in 30m read a paper")
    (message,) = await _fire(app, clock, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    chat.last = [message]
    await chat.click("Snooze 15")
    send = app.reminders.send

    async def send_while_deleting(to, replies):  # noqa: ANN001, ANN202
        assert "Reminder #1 deleted" in texts(await chat.say("/unremind 1"))
        await send(to, replies)

    app.reminders.send = send_while_deleting
    assert len(await _fire(app, clock, datetime(2026, 3, 2, 10, 45, tzinfo=UTC))) == 1  # the one in flight
    app.reminders.send = send
    assert await count(app) == 0 and await count(app, Delivery) == 0
    assert await _fire(app, clock, datetime(2026, 3, 2, 11, 0, tzinfo=UTC)) == []

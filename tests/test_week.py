"""/week (handlers/week/): the weekly review in words with its picture, in the learner's zone, en and zh;
the Sunday digest through the reminder service (sent once, composed when due), /week on|off, and what
a first /goal starts."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from db.models import Reminder
from tests.conftest import DATABASES, texts

MONDAY = datetime(2026, 3, 2, 10, tzinfo=UTC)  # the clock fixture's start


def _picture(reply) -> Image.Image:  # noqa: ANN001
    found = reply.attachment
    assert found is not None and found.mime == "image/png" and found.filename.endswith(".png")
    assert found.data.startswith(b"\x89PNG\r\n\x1a\n") and len(found.data) < 200_000
    image = Image.open(io.BytesIO(found.data))
    image.verify()
    return Image.open(io.BytesIO(found.data))


async def _week_reminders(app) -> list[Reminder]:  # noqa: ANN001
    async with app.sessions() as s:
        return list((await s.execute(select(Reminder).where(Reminder.kind == "week"))).scalars())


async def test_the_review_counts_this_week_against_last_and_attaches_its_picture(chat, clock):
    await chat.say("/timezone UTC")
    clock.set(MONDAY - timedelta(days=6))  # Tuesday of last week
    await chat.say("/log 30 numpy")
    clock.set(MONDAY)
    await chat.say("/log 45 linear algebra")
    clock.set(MONDAY + timedelta(days=1))
    await chat.say("/log 1h pandas")
    await chat.say("/done 1")
    (reply,) = await chat.say("/week")
    text = reply.plain()
    assert text.startswith("📅 Your week · Mar 2 – Mar 8, 2026")
    assert "Studied 1 h 45 min this week (0 h 30 min last week)." in text
    assert "Mon" in text and "  45  (0)" in text and "  60  (30)" in text  # a line a day, last week's too
    assert "No weekly goal yet" in text
    assert "Streak: 2 days (best 2)" in text
    assert "Roadmap: 1 of 12 steps done, 1 step moved this week." in text
    assert "Practice: " in text and "Next: step 2" in text
    image = _picture(reply)
    assert image.format == "PNG" and image.width >= 600 and image.height >= 300
    assert reply.attachment.filename == "week-2026-03-02.png"


async def test_the_week_follows_the_learners_zone_in_chinese(chat, clock):
    await chat.say("/lang zh")
    await chat.say("/timezone Asia/Tokyo")
    clock.set(datetime(2026, 3, 8, 16, tzinfo=UTC))  # Monday 9 March, 01:00 in Tokyo: a new week there
    await chat.say("/log 30")
    (reply,) = await chat.say("/week")
    text = reply.plain()
    assert text.startswith("📅 你的一周 · 3月9日 至 2026年3月15日")
    assert "本周学习 0 小时 30 分钟（上周 0 小时 0 分钟）。" in text
    assert "周一" in text
    _picture(reply)


async def test_a_frozen_day_this_week_is_said(chat, clock):
    await chat.say("/timezone UTC")
    for i in [*range(7), 8]:  # seven days in a row, a day off (Monday 9 March), then Tuesday
        clock.set(MONDAY + timedelta(days=i))
        await chat.say("/log 20")
    text = texts(await chat.say("/week"))
    assert "Streak: 8 days (best 8), 1 day kept by a freeze this week." in text


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_first_goal_starts_the_sunday_digest_sent_once_and_off_is_remembered(db_app, clock):
    app = db_app
    chat = app.fake.chat("alice")
    await chat.say("/timezone Europe/Berlin")
    text = texts(await chat.say("/goal 6h"))
    assert "Your weekly review will come by itself on Sundays at 18:00 (Europe/Berlin)" in text
    (r,) = await _week_reminders(app)
    assert r.next_fire_at == datetime(2026, 3, 8, 17, tzinfo=UTC)  # Sunday 18:00 in Berlin (CET)
    assert "Your weekly review will come" not in texts(await chat.say("/goal 5h"))  # a change, not a first
    await chat.say("/log 2h")

    before = len(app.fake.sent)
    clock.set(datetime(2026, 3, 8, 17, tzinfo=UTC))
    await app.reminders.tick()
    await app.reminders.tick()
    sent = app.fake.sent[before:]
    assert len(sent) == 1  # once
    (to, digest) = sent[0]
    assert to.chat_id == "alice" and digest.plain().startswith("📅 Your week · Mar 2 – Mar 8, 2026")
    assert "Goal: 2 h 0 min of 5 h 0 min so far." in digest.plain()
    _picture(digest)
    (r,) = await _week_reminders(app)
    assert r.next_fire_at == datetime(2026, 3, 15, 17, tzinfo=UTC)  # next Sunday

    assert "No weekly review by itself" in texts(await chat.say("/week off"))
    assert await _week_reminders(app) == []
    await chat.say("/goal off")
    assert "Your weekly review will come" not in texts(await chat.say("/goal 4h"))  # off is remembered
    assert await _week_reminders(app) == []


async def test_week_on_moves_it_and_bad_days_change_nothing(app, chat, clock):
    await chat.say("/timezone UTC")
    assert "comes every Sat at 09:00 (UTC)" in texts(await chat.say("/week on sat 09:00"))
    (r,) = await _week_reminders(app)
    assert r.next_fire_at == datetime(2026, 3, 7, 9, tzinfo=UTC)
    for bad in ("funday", "daily 18:00", "mon,wed 18:00", "sun 25:00", "sun 18:00 and more"):
        assert "isn't one day of the week and a time" in texts(await chat.say(f"/week on {bad}")), bad
    (same,) = await _week_reminders(app)
    assert same.next_fire_at == r.next_fire_at and same.rule == r.rule
    assert "Send /week for your weekly review" in texts(await chat.say("/week sometimes"))
    await chat.say("/lang zh")
    assert "每周回顾会在" in texts(await chat.say("/week on 周日 18:00"))
    (moved,) = await _week_reminders(app)
    assert moved.next_fire_at == datetime(2026, 3, 8, 18, tzinfo=UTC) and moved.lang == "zh"


async def test_in_a_group_the_digest_is_refused_and_a_goal_there_starts_none(app):
    member = app.fake.chat("max", chat_id="study-group", group=True)
    assert "comes to our private chat" in texts(await member.say("/week on sun 18:00"))
    await member.say("/goal 6h")
    assert await _week_reminders(app) == []


async def test_the_digest_follows_a_zone_changed_since_and_the_learners_language(app, chat, clock):
    await chat.say("/lang zh")
    await chat.say("/timezone UTC")
    await chat.say("/week on sun 18:00")
    await chat.say("/timezone Asia/Tokyo")  # the digest moves with her: Sunday 18:00 in Tokyo
    clock.set(datetime(2026, 3, 8, 5, 30, tzinfo=UTC))  # Sunday 14:30 in Tokyo
    await chat.say("/log 25")
    clock.set(datetime(2026, 3, 8, 8, 59, tzinfo=UTC))
    before = len(app.fake.sent)
    await app.reminders.tick()
    assert app.fake.sent[before:] == []  # not yet
    clock.set(datetime(2026, 3, 8, 9, 0, tzinfo=UTC))  # 18:00 in Tokyo, 09:00 UTC
    await app.reminders.tick()
    ((_, digest),) = app.fake.sent[before:]
    assert digest.plain().startswith("📅 你的一周 · 3月2日")  # Tokyo's week, Mon Mar 2 to Sun Mar 8
    assert "本周学习 0 小时 25 分钟" in digest.plain()  # Sunday's 25 minutes, this week in Tokyo


async def test_export_has_the_digest_setting_and_forget_removes_the_digest(app, chat):
    await chat.say("/week off")
    export = (await chat.say("/export"))[0].attachment.data.decode()
    assert '"weekly_digest_off": true' in export
    await chat.say("/week on sun 18:00")
    await chat.say("/forget")
    await chat.click("Yes")
    assert await _week_reminders(app) == []


async def test_the_picture_is_drawn_after_the_transaction_off_the_event_loop(app, chat, monkeypatch):
    from handlers.week import picture

    real, seen = picture.render, []

    def render(card):  # noqa: ANN001, ANN202
        seen.append(
            (threading.current_thread() is threading.main_thread(), app.engine.sync_engine.pool.checkedout())
        )
        return real(card)

    monkeypatch.setattr(picture, "render", render)
    (reply,) = await chat.say("/week")
    _picture(reply)
    assert seen == [(False, 0)]  # a worker thread, and no database connection held meanwhile


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_this_weeks_practice_is_counted_in_one_statement(db_app, clock):
    from db.models import PracticeReview, QuizAnswer
    from db.practice import practice_since
    from db.users import get_or_create_user

    app, now = db_app, MONDAY
    async with app.sessions() as s, s.begin():
        me = (await get_or_create_user(s, "fake", "alice", "Alice", now)).id
        other = (await get_or_create_user(s, "fake", "bob", "Bob", now)).id
        for who, when in ((me, now), (me, now), (me, now - timedelta(days=8)), (other, now)):
            s.add(PracticeReview(user_id=who, step_id="s", card_id="c", rating=3, reviewed_at=when))
        for who, right, when in ((me, True, now), (me, False, now), (me, True, now - timedelta(days=8))):
            s.add(QuizAnswer(user_id=who, step_id="s", question_id="q", right=right, answered_at=when))
    async with app.sessions() as s:
        assert await practice_since(s, me, now - timedelta(days=1)) == (2, 2, 1)
        assert await practice_since(s, other, now - timedelta(days=1)) == (1, 0, 0)

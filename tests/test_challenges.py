"""/challenge (handlers/challenges.py, db/challenges.py): a group's N-day challenge for the members who
join it, check-ins from study logs (in SQL, in the group's zone) or explicit, runs and completion, the
limits and bad input in en and zh, and the one-shot summary through the reminder service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.adapters.base import ChatBlocked
from db.models import Challenge, ChallengeCheckin, ChallengeMember, Delivery, Reminder
from handlers.challenges import offsets
from tests.conftest import DATABASES, texts

GROUP = "study-group"


def members(app):  # noqa: ANN001, ANN201
    chat = app.fake.chat
    return (
        chat("gina", name="Gina", chat_id=GROUP, group=True, chat_admin=True),
        chat("max", name="Max", chat_id=GROUP, group=True),
        chat("lena", name="Lena", chat_id=GROUP, group=True),
        chat("zoe", name="Zoe", chat_id=GROUP, group=True),
    )


async def tick(app, clock, at: datetime) -> list[str]:  # noqa: ANN001
    """The reminder service's round at `at`: what it posted."""
    before = len(app.fake.sent)
    clock.set(at)
    await app.reminders.tick()
    return [r.plain() for _, r in app.fake.sent[before:]]


async def count(app, model) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(model))


def tokyo(day: int, hour: int, minute: int = 0) -> datetime:
    """March `day`, `hour`:`minute` in Tokyo (UTC+9, no DST), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_challenge_from_join_to_summary_with_logs_and_check_ins_in_the_groups_days(db_app, clock):
    app = db_app
    gina, max_, lena, zoe = members(app)
    await gina.say("/timezone Asia/Tokyo")
    clock.set(tokyo(3, 8))  # Tuesday 08:00 in Tokyo
    created = texts(await gina.say("/challenge new 3 Linear algebra sprint"))
    assert "#1 · Linear algebra sprint is on: 3 days, Mar 3 – Mar 5 (Asia/Tokyo)" in created
    assert "summary here on Mar 6 at 09:00" in created
    assert "Nobody has joined yet" in texts(await lena.say("/challenge"))
    await max_.say("/challenge join")
    clock.advance(minutes=1)
    await lena.say("/challenge join")
    assert "already" in texts(await max_.say("/challenge join"))
    await zoe.say("/log 40")  # before joining: does not count for her
    clock.set(tokyo(3, 9))
    await zoe.say("/challenge join")
    await max_.say("/log 25")  # day 1 from a log
    assert "✅ Checked in for day 1 of 3" in texts(await lena.say("/challenge checkin"))
    assert "already" in texts(await lena.say("/challenge checkin"))
    assert "the study time you logged counts" in texts(await max_.say("/challenge checkin"))
    await gina.say("/log 1h")  # never joined: never on the board
    board = texts(await gina.say("/challenge"))
    assert board.startswith("🎯 #1 · Linear algebra sprint — day 1 of 3 (Mar 3 – Mar 5)")
    assert "1. Max — 1/1 day · run 1" in board and "2. Lena — 1/1 day · run 1" in board
    assert "3. Zoe — 0/1 day · run 0" in board
    assert "Gina" not in board and "3 members have joined" in board

    clock.set(tokyo(4, 23, 50))  # day 2, late evening in Tokyo (14:50 UTC)
    await max_.say("/log 15")
    await zoe.say("/log 30")
    clock.set(tokyo(5, 0, 10))  # day 3, just after midnight in Tokyo (still Mar 4 in UTC)
    await max_.say("/log 15")
    board = texts(await gina.say("/challenge"))
    assert "day 3 of 3" in board
    assert "1. Max — 3/3 days · ✅ completed" in board  # Mar 3, Mar 4 and Mar 5 in Tokyo
    assert "2. Zoe — 1/3 days · run 1" in board and "3. Lena — 1/3 days · run 0" in board

    assert await tick(app, clock, tokyo(6, 8, 59)) == []
    (post,) = await tick(app, clock, tokyo(6, 9))  # the day after the last day, 09:00 group time
    assert post.startswith("🏁 #1 · Linear algebra sprint is over (Mar 3 – Mar 5, 3 days)")
    assert "Checked in on every day (1): Max" in post
    assert "3 members joined, with 5 days checked in altogether." in post
    assert await tick(app, clock, tokyo(6, 10)) == []  # once
    assert await tick(app, clock, tokyo(13, 9)) == []
    async with app.sessions() as s:
        (reminder,) = (await s.execute(select(Reminder).where(Reminder.kind == "challenge"))).scalars()
        assert reminder.next_fire_at is None and reminder.fired == 1  # one-shot: finished
    assert "No challenge is running" in texts(await gina.say("/challenge"))  # over: off the board


async def test_days_follow_the_zone_across_a_dst_change(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/timezone Europe/Berlin")
    assert "3 days, Mar 28 – Mar 30 (Europe/Berlin)" in texts(
        await gina.say("/challenge new 3 2026-03-28 Spring sprint")
    )
    assert "which starts Mar 28" in texts(await max_.say("/challenge join"))
    assert "#1 · Spring sprint — starts Mar 28: 3 days, until Mar 30" in texts(await gina.say("/challenge"))
    assert "hasn't started yet: check-ins count from Mar 28" in texts(await max_.say("/challenge checkin"))
    clock.set(datetime(2026, 3, 28, 22, 30, tzinfo=UTC))  # Mar 28 23:30 CET
    await max_.say("/log 20")
    clock.set(datetime(2026, 3, 29, 21, 30, tzinfo=UTC))  # Mar 29 23:30 CEST (after the change at 02:00)
    await max_.say("/log 20")
    clock.set(datetime(2026, 3, 29, 22, 30, tzinfo=UTC))  # Mar 30 00:30 CEST: the last day
    await max_.say("/log 20")
    assert "Max — 3/3 days · ✅ completed" in texts(await gina.say("/challenge"))


def test_the_offsets_of_a_zone_change_exactly_at_its_dst_changes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    assert offsets(berlin, start, end).spans == (
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 3600),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 7200),
        (None, 3600),
    )
    assert offsets(ZoneInfo("Asia/Kolkata"), start, end).spans == ((None, 19800),)


async def test_a_run_breaks_on_a_missed_day_and_a_late_joiner_cannot_complete(app, clock):
    gina, max_, lena, _ = members(app)
    await gina.say("/timezone UTC")
    await gina.say("/challenge new 5 Five days")
    await max_.say("/challenge join")
    for day in (2, 3, 5, 6):  # misses Mar 4
        clock.set(datetime(2026, 3, day, 12, tzinfo=UTC))
        await max_.say("/challenge checkin")
    clock.set(datetime(2026, 3, 6, 13, tzinfo=UTC))
    joined = texts(await lena.say("/challenge join"))
    assert "from day 5: the days from now on count" in joined
    await lena.say("/log 30")
    board = texts(await gina.say("/challenge"))
    assert "1. Max — 4/5 days · run 2" in board and "2. Lena — 1/5 days · run 1" in board
    (post,) = await tick(app, clock, datetime(2026, 3, 7, 9, tzinfo=UTC))
    assert "Nobody checked in on every day this time." in post
    assert "2 members joined, with 5 days checked in altogether." in post


async def test_only_admins_start_one_the_zone_comes_first_and_bad_input_changes_nothing(app, clock):
    gina, max_, _, _ = members(app)
    assert "Only this group's admins can start" in texts(await max_.say("/challenge new 30 ML maths"))
    assert "has none yet" in texts(await gina.say("/challenge new 30 ML maths"))
    await gina.say("/timezone Asia/Kolkata")
    cases = {
        "/challenge new": "Say how many days, then a title",
        "/challenge new 0 Nothing": "“0” isn't a number of days: a challenge lasts 1 to 366 days",
        "/challenge new 367 Too long": "“367” isn't a number of days",
        "/challenge new thirty ML": "“thirty” isn't a number of days",
        "/challenge new 30": "Give the challenge a title",
        "/challenge new 30 2026-03-10": "Give the challenge a title",
        "/challenge new 30 2026-02-30 ML": "“2026-02-30” isn't a date I can read",
        "/challenge new 30 2026-03-01 ML": "starts today (2026-03-02) or later",
        "/challenge new 30 2027-03-04 ML": "more than a year away",
        "/challenge new 30 " + "x" * 81: "That title has 81 characters; keep it to 80.",
        "/challenge dance": "Send /challenge for the board",
        "/challenge join": "No challenge is running in this group",
        "/challenge leave": "You're not in a challenge here",
        "/challenge checkin": "Join a challenge first",
    }
    for line, said in cases.items():
        assert said in texts(await gina.say(line)), line
    assert await count(app, Challenge) == 0 and await count(app, Reminder) == 0
    assert "x" * 80 in texts(await gina.say("/challenge new 366 " + "x" * 80))  # the limits themselves
    assert "Only this group's admins can end" in texts(await max_.say("/challenge end 1"))
    assert "Challenges live in groups" in texts(await app.fake.chat("max").say("/challenge join"))


async def test_at_most_three_at_once_and_several_are_named_by_number(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/timezone UTC")
    for title in ("One", "Two", "Three"):
        assert "is on" in texts(await gina.say(f"/challenge new 10 {title}"))
    refused = texts(await gina.say("/challenge new 10 Four"))
    assert "has 3 challenges running or about to start already (#1, #2, #3)" in refused
    assert await count(app, Challenge) == 3
    assert "say which, e.g. /challenge join 1" in texts(await max_.say("/challenge join"))
    assert "no challenge “7”" in texts(await max_.say("/challenge join 7"))
    assert "You're in #2 · Two!" in texts(await max_.say("/challenge join 2"))
    await max_.say("/challenge join #3")
    assert "say which, e.g. /challenge leave 2" in texts(await max_.say("/challenge leave"))
    both = texts(await max_.say("/challenge checkin"))  # one check-in covers every challenge joined
    assert "day 1 of 10 of #2 · Two" in both and "day 1 of 10 of #3 · Three" in both
    assert "You've left #3 · Three" in texts(await max_.say("/challenge leave 3"))
    assert "You're not in a challenge here" in texts(await max_.say("/challenge leave 3"))
    assert await count(app, ChallengeCheckin) == 1  # leaving took its check-in with it
    board = texts(await gina.say("/challenge"))
    assert board.index("#1 · One") < board.index("#2 · Two") < board.index("#3 · Three")
    assert "Max — 1/1 day" in board and board.count("Max") == 1
    assert "Challenge #1 · One is cancelled" in texts(await gina.say("/challenge cancel 1"))
    assert "is on" in texts(await gina.say("/challenge new 10 Four"))
    assert "#4 · Four" in texts(await gina.say("/challenge"))  # numbers are never reused


async def test_ending_early_posts_the_summary_once_and_a_scheduled_one_is_cancelled(app, clock):
    gina, max_, lena, _ = members(app)
    await gina.say("/timezone UTC")
    await gina.say("/challenge new 30 Long haul")
    await gina.say("/challenge new 7 2026-03-09 Later")
    await max_.say("/challenge join 1")
    await lena.say("/challenge join 1")
    await max_.say("/log 30")
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))
    await max_.say("/challenge checkin")
    ended = texts(await gina.say("/challenge end 1"))
    assert ended.startswith("🏁 #1 · Long haul was ended after 2 days (Mar 2 – Mar 3)")
    assert "Checked in on every day (1): Max" in ended and "2 members joined, with 2 days" in ended
    assert "no challenge “1”" in texts(await gina.say("/challenge end 1"))  # once
    assert "cancelled" in texts(await gina.say("/challenge end 2"))  # not started: nothing to sum up
    assert await count(app, Reminder) == 0
    for day in (10, 20, 31, 1):
        month = 4 if day == 1 else 3
        assert await tick(app, clock, datetime(2026, month, day, 9, tzinfo=UTC)) == []
    assert "No challenge is running" in texts(await gina.say("/challenge"))


async def test_nobody_joined_a_short_summary_and_a_gone_bot_follows_the_reminder_rules(app, clock):
    gina, _, _, _ = members(app)
    await gina.say("/timezone UTC")
    await gina.say("/challenge new 1 Quiet one")
    (post,) = await tick(app, clock, datetime(2026, 3, 3, 9, tzinfo=UTC))
    assert post == "🏁 #1 · Quiet one is over (Mar 2 – Mar 2, 1 day)\n\nNobody joined it."

    await gina.say("/challenge new 1 Nobody to tell")

    async def removed(chat, replies):  # noqa: ANN001, ANN202
        raise ChatBlocked("Forbidden: bot was kicked from the group chat")

    app.fake.send = removed
    assert await tick(app, clock, datetime(2026, 3, 4, 9, tzinfo=UTC)) == []
    async with app.sessions() as s:
        reminder = (await s.execute(select(Reminder).order_by(Reminder.id.desc()))).scalars().first()
        (status,) = (
            await s.execute(select(Delivery.status).where(Delivery.reminder_id == reminder.id))
        ).scalars()
        assert reminder.paused and status == "blocked"  # as a "board" post: paused, never retried


async def test_in_chinese(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/lang zh")
    await max_.say("/lang zh")
    assert "本群还没有设置时区" in texts(await gina.say("/challenge new 30 机器学习数学"))
    await gina.say("/timezone Asia/Shanghai")
    assert "只有本群管理员可以发起挑战" in texts(await max_.say("/challenge 新建 30 机器学习数学"))
    assert "“四十”不是天数" in texts(await gina.say("/challenge new 四十 机器学习数学"))
    assert "不是我能识别的日期" in texts(await gina.say("/challenge new 30 2026-13-01 机器学习数学"))
    assert "请在天数后面写上挑战的标题" in texts(await gina.say("/challenge new 30"))
    created = texts(await gina.say("/challenge 新建 30 机器学习数学"))
    assert "挑战 #1 · 机器学习数学 开始了：共 30 天" in created
    assert "你已加入 #1 · 机器学习数学" in texts(await max_.say("/challenge 加入"))
    assert "✅ 已打卡：#1 · 机器学习数学 第 1 天（共 30 天）" in texts(await max_.say("/challenge 打卡"))
    assert "你今天已经在 #1 · 机器学习数学 打过卡了" in texts(await max_.say("/challenge checkin"))
    assert "1. Max — 1/1 天 · 连续 1 天" in texts(await max_.say("/challenge"))
    assert "共 1 人加入" in texts(await max_.say("/challenge"))


async def test_export_lists_challenges_and_check_ins_and_forget_removes_them(app, clock):
    gina, max_, lena, _ = members(app)
    await gina.say("/timezone UTC")
    await gina.say("/challenge new 10 Private matters")
    await max_.say("/challenge join")
    await max_.say("/challenge checkin")
    await lena.say("/challenge join")
    await lena.say("/challenge checkin")
    private = app.fake.chat("max")
    export = (await private.say("/export"))[0].attachment.data.decode()
    assert '"challenges_joined"' in export and '"challenge_checkins"' in export
    assert '"day": "2026-03-02"' in export and "Private matters" in export
    await private.say("/forget")
    await private.click("Yes")
    async with app.sessions() as s:
        left = (await s.execute(select(ChallengeMember.user_id))).scalars().all()
        assert len(left) == 1 and await s.scalar(select(func.count()).select_from(ChallengeCheckin)) == 1
    board = texts(await gina.say("/challenge"))
    assert "Max" not in board and "Lena — 1/1 day" in board
    # the challenge is its admin's (their title, their reminder): it goes when they are forgotten
    admin = app.fake.chat("gina")
    assert '"challenges_started"' in (await admin.say("/export"))[0].attachment.data.decode()
    await admin.say("/forget")
    await admin.click("Yes")
    assert await count(app, Challenge) == 0 and await count(app, ChallengeMember) == 0


async def test_a_later_time_zone_moves_neither_the_days_nor_the_summary_and_it_is_posted_once(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/timezone Asia/Tokyo")  # Mar 2 19:00 in Tokyo
    assert "3 days, Mar 2 – Mar 4 (Asia/Tokyo)" in texts(await gina.say("/challenge new 3 Sprint"))
    await max_.say("/challenge join")
    await gina.say("/timezone Pacific/Honolulu")  # Mar 2 00:00 there: 19 hours behind
    assert "day 1 of 3" in texts(await gina.say("/challenge"))  # still Tokyo's Mar 2
    for day in (2, 3, 4):
        clock.set(tokyo(day, 20))
        await max_.say("/log 20")
    clock.set(tokyo(4, 23, 59))  # Mar 4 04:59 in Honolulu, the last day in Tokyo
    assert "Max — 3/3 days · ✅ completed" in texts(await gina.say("/challenge"))
    (post,) = await tick(app, clock, tokyo(5, 9))  # Mar 4 14:00 in Honolulu: Tokyo's days are over
    assert "#1 · Sprint is over (Mar 2 – Mar 4, 3 days)" in post and "(1): Max" in post
    assert "No challenge is running" in texts(await gina.say("/challenge"))
    assert "No challenge is running" in texts(await gina.say("/challenge end 1"))  # no second summary
    assert await tick(app, clock, tokyo(5, 23)) == []


async def test_any_spacing_parts_the_words_and_long_input_is_echoed_clipped(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/timezone UTC")
    assert "#1 · ML maths is on: 30 days" in texts(await gina.say("/challenge new\t30\n ML \n maths"))
    assert "#2 · Later is on: 7 days, Mar 9 – Mar 15" in texts(
        await gina.say("/challenge new 7\n2026-03-09\tLater")
    )
    assert "You're in #2 · Later" in texts(await max_.say("/challenge join\n2"))
    for line in ("/challenge join " + "9" * 3000, "/challenge new " + "7" * 3000 + " x"):
        said = texts(await gina.say(line))
        assert "9" * 39 + "…" in said or "7" * 39 + "…" in said, line
        assert len(said) < 300 and "9" * 41 not in said and "7" * 41 not in said
    said = texts(await gina.say("/challenge new 7 2026-" + "1" * 3000 + " x"))
    assert "isn't a date I can read" in said and len(said) < 300
    assert await count(app, Challenge) == 2


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_admins_starting_challenges_at_once_get_one_number_each_and_at_most_three(db_app, clock):
    app = db_app
    chat = app.fake.chat
    admins = [
        chat(f"admin{i}", name=f"Admin {i}", chat_id=GROUP, group=True, chat_admin=True) for i in range(5)
    ]
    await admins[0].say("/timezone UTC")
    said = await asyncio.gather(*(a.say(f"/challenge new 5 Sprint {i}") for i, a in enumerate(admins)))
    started = [texts(r) for r in said if "is on" in texts(r)]
    assert len(started) == 3 and sum("has 3 challenges running" in texts(r) for r in said) == 2
    async with app.sessions() as s:
        numbers = sorted((await s.execute(select(Challenge.number))).scalars())
    assert numbers == [1, 2, 3]


async def test_after_downtime_the_summary_comes_late_within_the_grace_else_never(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/timezone UTC")
    await gina.say("/challenge new 1 Short")
    await gina.say("/challenge new 2 Longer")
    await max_.say("/challenge join 1")
    (post,) = await tick(app, clock, datetime(2026, 3, 3, 14, tzinfo=UTC))  # down 09:00-14:00
    assert "#1 · Short is over" in post and "(1): Max" not in post
    assert await tick(app, clock, datetime(2026, 3, 3, 15, tzinfo=UTC)) == []  # once
    assert await tick(app, clock, datetime(2026, 3, 4, 16, tzinfo=UTC)) == []  # down 09:00-16:00: missed
    async with app.sessions() as s:
        statuses = (await s.execute(select(Delivery.status).order_by(Delivery.id))).scalars().all()
    assert statuses == ["sent", "missed"]


async def test_a_finished_focus_session_checks_a_member_in_and_a_cancelled_one_does_not(app, clock):
    gina, max_, lena, _ = members(app)
    await gina.say("/timezone UTC")
    await gina.say("/challenge new 3 focus week")
    for member in (max_, lena):
        await member.say("/challenge join")
    max_dm, lena_dm = app.fake.chat("max", name="Max"), app.fake.chat("lena", name="Lena")
    await max_dm.say("/focus 25 backprop")
    await lena_dm.say("/focus 25 numpy")
    await lena_dm.click("Cancel")
    clock.advance(minutes=26)
    await app.reminders.tick()  # Max's session ends by itself and is logged
    board = texts(await lena.say("/challenge"))
    assert "Max — 1/1 day · run 1" in board and "Lena — 0/1 day · run 0" in board

"""/leaderboard (handlers/boards.py, db/boards.py): a group's weekly board of the members who joined it
and no one else, counting only what they logged since joining, in the group's zone; the admins' weekly
post through the reminder service; en and zh."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.adapters.fake import FakeAdapter
from bot.app import App
from db.models import BoardLog, BoardMember, StudyLog
from tests.conftest import DATABASES, make_settings, texts
from tests.test_accounts import code_of

GROUP = "study-group"


def members(app):  # noqa: ANN001, ANN201
    chat = app.fake.chat
    return (
        chat("gina", name="Gina", chat_id=GROUP, group=True, chat_admin=True),
        chat("max", name="Max", chat_id=GROUP, group=True),
        chat("lena", name="Lena", chat_id=GROUP, group=True),
        chat("zoe", name="Zoe", chat_id=GROUP, group=True),
    )


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_only_members_who_joined_appear_with_the_minutes_since_they_joined(db_app, clock):
    app = db_app
    gina, max_, lena, zoe = members(app)
    assert "Nobody has joined this group's board yet" in texts(await max_.say("/leaderboard"))
    assert "You're on this group's board" in texts(await max_.say("/leaderboard join"))
    assert "already" in texts(await max_.say("/leaderboard join"))
    await max_.say("/log 30 pandas")
    await lena.say("/log 1h maths")  # never joined: never shown
    await zoe.say("/log 45")  # before joining: does not count
    clock.advance(minutes=1)
    await zoe.say("/leaderboard join")
    clock.advance(minutes=1)
    await zoe.say("/log 15")
    text = texts(await gina.say("/leaderboard"))
    assert text.startswith("🏆 This week's board · Mar 2 – Mar 8")
    assert "🥇 Max — 0 h 30 min" in text and "🥈 Zoe — 0 h 15 min" in text
    assert "Lena" not in text and "Gina" not in text
    assert "2 members are on this board" in text
    assert "Weeks follow UTC here until an admin sets" in text
    assert "you no longer appear" in texts(await max_.say("/leaderboard leave"))
    text = texts(await gina.say("/leaderboard"))
    assert "Max" not in text and "🥇 Zoe" in text
    assert "not on this group's board" in texts(await max_.say("/leaderboard leave"))


async def test_the_week_follows_the_groups_zone_and_other_groups_boards_are_apart(app, clock):
    gina, max_, _, _ = members(app)
    await gina.say("/timezone Asia/Tokyo")
    await max_.say("/leaderboard join")
    other = app.fake.chat("max", name="Max", chat_id="other-group", group=True)
    clock.set(datetime(2026, 3, 8, 14, 30, tzinfo=UTC))  # Sunday 23:30 in Tokyo
    await max_.say("/log 20")
    clock.set(datetime(2026, 3, 8, 15, 30, tzinfo=UTC))  # Monday 00:30 in Tokyo: a new week there
    await max_.say("/log 40")
    text = texts(await gina.say("/leaderboard"))
    assert "Mar 9 – Mar 15" in text and "Max — 0 h 40 min" in text and "UTC" not in text
    assert "Nobody has joined" in texts(await other.say("/leaderboard"))


async def test_the_weekly_post_is_for_admins_goes_out_once_and_is_skipped_when_empty(app, clock):
    gina, max_, _, _ = members(app)
    assert "Only this group's admins" in texts(await max_.say("/leaderboard weekly on"))
    assert "Only this group's admins" in texts(await max_.say("/leaderboard weekly off"))
    assert "zone" in texts(await gina.say("/leaderboard weekly on"))  # the group's zone first
    await gina.say("/timezone UTC")
    assert "every Monday at 09:00 (UTC)" in texts(await gina.say("/leaderboard weekly on"))
    await max_.say("/leaderboard join")
    await max_.say("/log 50 statistics")

    async def tick(at: datetime) -> list[str]:
        before = len(app.fake.sent)
        clock.set(at)
        await app.reminders.tick()
        return [r.plain() for _, r in app.fake.sent[before:]]

    (post,) = await tick(datetime(2026, 3, 9, 9, tzinfo=UTC))  # Monday: last week's board
    assert post.startswith("🏆 Last week's board · Mar 2 – Mar 8") and "Max — 0 h 50 min" in post
    assert await tick(datetime(2026, 3, 9, 9, 30, tzinfo=UTC)) == []  # once
    assert await tick(datetime(2026, 3, 16, 9, tzinfo=UTC)) == []  # nobody logged last week: skipped
    assert "No more weekly board posts" in texts(await gina.say("/leaderboard weekly off"))
    await max_.say("/log 10")
    assert await tick(datetime(2026, 3, 23, 9, tzinfo=UTC)) == []


async def test_in_chinese_and_in_a_private_chat(app):
    _, max_, _, _ = members(app)
    await max_.say("/lang zh")
    assert "你已加入本群排行榜" in texts(await max_.say("/leaderboard join"))
    await max_.say("/log 30")
    assert "🥇 Max — 0 小时 30 分钟" in texts(await max_.say("/leaderboard"))
    assert "排行榜只在群里使用" in texts(await app.fake.chat("max").say("/leaderboard join"))
    assert "Send /leaderboard for this week's board" in texts(
        await app.fake.chat("lena", chat_id=GROUP, group=True).say("/leaderboard dance")
    )


async def test_export_lists_the_boards_joined_and_forget_leaves_them(app):
    _, max_, _, _ = members(app)
    await max_.say("/leaderboard join")
    private = app.fake.chat("max")
    export = (await private.say("/export"))[0].attachment.data.decode()
    assert '"leaderboards_joined"' in export and GROUP in export
    await private.say("/forget")
    await private.click("Yes")
    async with app.sessions() as s:
        assert (await s.execute(select(BoardMember))).first() is None


async def copies_and_join(app):  # noqa: ANN001, ANN201
    """board_logs as stored, and what it must always equal: the join of board_members and study_logs
    (each member's logs studied since joining), as (log, platform, chat, learner, minutes) rows."""
    async with app.sessions() as s:
        stored = await s.execute(
            select(BoardLog.log_id, BoardLog.platform, BoardLog.chat_id, BoardLog.user_id, BoardLog.minutes)
        )
        join = await s.execute(
            select(StudyLog.id, BoardMember.platform, BoardMember.chat_id, StudyLog.user_id, StudyLog.minutes)
            .join(StudyLog, StudyLog.user_id == BoardMember.user_id)
            .where(StudyLog.studied_at >= BoardMember.joined_at)
        )
        return sorted(stored.all()), sorted(join.all())


async def assert_copies_hold(app) -> int:  # noqa: ANN001
    stored, join = await copies_and_join(app)
    assert stored == join
    return len(stored)


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_boards_copies_of_logs_follow_every_change_and_a_linked_learner_counts_once(
    tmp_path, db_url, clock
):
    tg, dc = FakeAdapter("telegram"), FakeAdapter("discord")
    async with App(make_settings(tmp_path, database_url=db_url), [tg, dc], clock=clock) as app:
        priya = tg.chat("42", name="Priya", chat_id=GROUP, group=True)
        priya_dm, priya_dc = tg.chat("42", name="Priya"), dc.chat("777", name="priya_d")
        guild = dc.chat("777", name="priya_d", chat_id="guild-1", group=True)
        admin = tg.chat("1", name="Gina", chat_id=GROUP, group=True, chat_admin=True)
        await priya.say("/log 10")  # before joining: never counts on this board
        clock.advance(minutes=1)
        await priya.say("/leaderboard join")
        await guild.say("/leaderboard join")  # the Discord account's own board, another group
        clock.advance(minutes=5)
        await priya_dm.say("/log 30 numpy")
        await priya_dm.say("/log yesterday 25")  # studied before joining: not on the board
        await priya_dc.say("/log 15 pandas")  # the other account, not yet the same learner
        assert await assert_copies_hold(app) == 2
        assert "Priya — 0 h 30 min" in texts(await admin.say("/leaderboard"))
        clock.advance(minutes=5)
        await priya_dc.say(f"/link {await code_of(priya_dm)}")
        assert await assert_copies_hold(app) == 4  # each log of the learner on each board since joining
        board = texts(await admin.say("/leaderboard"))
        assert "Priya — 0 h 45 min" in board and "1 member is on this board" in board  # counted once
        await priya_dm.say("/unlog")  # the latest log written, the 15 min logged on Discord
        assert await assert_copies_hold(app) == 2
        await priya.say("/leaderboard leave")
        assert await assert_copies_hold(app) == 1  # the guild's board keeps its own
        await priya.say("/leaderboard join")  # joining again starts again from now
        clock.advance(minutes=1)
        await priya.say("/log 20")
        assert await assert_copies_hold(app) == 3
        assert "Priya — 0 h 20 min" in texts(await admin.say("/leaderboard"))
        await priya_dc.say("/unlink")  # the guild's board goes with the Discord account, the logs stay
        assert await assert_copies_hold(app) == 1
        await priya_dc.say("/log 5")
        assert await assert_copies_hold(app) == 2
        assert "Priya — 0 h 20 min" in texts(await admin.say("/leaderboard"))
        await priya_dc.say("/forget")
        await priya_dc.click("Yes, delete everything")
        assert await assert_copies_hold(app) == 1

"""/stats (handlers/stats.py, db/stats.py, the group_activity middleware): a group's week for its
admins, sent to them privately; counted only from that group, in its zone; en and zh; /forget and
/export of the activity rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from db.models import ChatActivity
from handlers.core.markup import Bullets, Text
from tests.conftest import DATABASES, texts

GROUP = "study-group"
ODD = "**zebra** <b>quantum</b> marmalade"  # an unanswered question that looks like markup


def people(app):  # noqa: ANN001, ANN201
    chat = app.fake.chat
    return {
        "gina": chat("gina", name="Gina", chat_id=GROUP, group=True, chat_admin=True),
        "max": chat("max", name="Max", chat_id=GROUP, group=True),
        "lena": chat("lena", name="Lena", chat_id=GROUP, group=True),
        "olga": chat("olga", name="Olga", chat_id=GROUP, group=True),
        "zoe": chat("zoe", name="Zoe", chat_id="other-group", group=True),  # another group only
        "ben": chat("ben", name="Ben"),  # direct messages only
        "lena_dm": chat("lena", name="Lena"),
        "max_dm": chat("max", name="Max"),
    }


async def activity_rows(app) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return await s.scalar(select(func.count()).select_from(ChatActivity))


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_the_admin_gets_this_weeks_figures_of_the_group_alone_in_private(db_app, clock):
    app = db_app
    p = people(app)
    clock.set(datetime(2026, 2, 25, 12, 0, tzinfo=UTC))  # last week (Wednesday)
    await p["olga"].say("/log 50")  # active here last week only
    await p["max"].say("/log 2h")  # last week's minutes: not this week's
    await p["max"].say("/ask zebra quantum marmalade")
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # this week (Monday)
    await p["max"].say("/log 30 pandas")
    await p["max"].say("/progress")  # a second event the same day: no second row
    await p["lena_dm"].say("/log 1h")  # logged in a DM: hers, and she used the bot here this week
    await p["lena"].say("/help")
    await p["zoe"].say("/log 45")  # another group
    await p["ben"].say("/log 20")  # DMs only
    await p["max_dm"].say("/log 5")  # Max's DM time counts too: his study time this week
    for question in ("How much do ML engineers earn?", "zebra quantum marmalade", ODD):
        await p["lena"].say(f"/ask {question}")
    await p["max"].say("/ask zebra quantum marmalade")
    await p["zoe"].say("/ask lemon sherbet volcano")  # another group's question
    await p["ben"].say("/ask pickled comet biscuits")  # a DM's question
    replies = await p["gina"].say("/stats")
    (reply,) = replies
    text = reply.plain()
    assert text.startswith("📊 This group's week · Mar 2 – Mar 8")
    this_week, last_week = text.split("Last week")
    assert "3 members used the bot here this week" in this_week  # Max, Lena, Gina
    assert "Their study time this week: 1 h 35 min" in this_week  # 30 + 5 + 60
    assert "4 questions asked here, 25% of them answered" in this_week
    assert (
        "2 members used the bot here." in last_week and "Their study time that week: 2 h 50 min" in last_week
    )
    assert "1 question asked here, 0% of them answered" in last_week
    unanswered = text.split("not answered yet")[1]
    assert unanswered.index("zebra quantum marmalade (3 times)") < unanswered.index(ODD + " (once)")
    for other in ("lemon", "pickled", "earn", "Max", "Lena", "Olga", "Zoe", "Ben"):
        assert other not in unanswered
    (items,) = [b for b in reply.body if isinstance(b, Bullets)]
    assert items.items[1][0] == Text(ODD)  # the asker's words as text, never as markup
    assert "Weeks follow UTC here" in text
    # privately: the body to Gina's private chat, a note in the group
    assert reply.privately is not None
    assert [r.plain() for r in app.fake.sent_privately("gina")] == [text]
    group = [r.plain() for c, r in app.fake.sent if c.chat_id == GROUP]
    assert group[-1] == "📬 I've sent you this group's stats in our private chat."
    assert not any("This group's week" in t for t in group)


async def test_the_week_follows_the_groups_zone(app, clock):
    p = people(app)
    await p["gina"].say("/timezone Asia/Tokyo")
    clock.set(datetime(2026, 3, 8, 14, 30, tzinfo=UTC))  # Sunday 23:30 in Tokyo
    await p["max"].say("/log 20")
    clock.set(datetime(2026, 3, 8, 15, 30, tzinfo=UTC))  # Monday 00:30 in Tokyo: a new week
    await p["lena"].say("/log 40")
    text = texts(await p["gina"].say("/stats"))
    this_week, last_week = text.split("Last week")
    assert "Mar 9 – Mar 15" in this_week
    assert "2 members used the bot here this week" in this_week  # Lena, and Gina asking
    assert "0 h 40 min" in this_week
    assert "0 h 20 min" in last_week and "Weeks follow UTC" not in text


async def test_members_are_refused_and_a_private_chat_is_pointed_to_the_group(app):
    p = people(app)
    before = len(app.fake.sent)
    assert "Only this group's admins can see its stats" in texts(await p["max"].say("/stats"))
    assert app.fake.sent_privately("max") == [] and len(app.fake.sent) == before + 1
    assert "send it in the group you look after" in texts(await p["max_dm"].say("/stats"))


async def test_in_chinese(app):
    chat = app.fake.chat("wei", name="Wei", locale="zh-CN", chat_id=GROUP, group=True, chat_admin=True)
    await chat.say("/log 1h")
    (reply,) = await chat.say("/stats")
    assert "本周有 1 位成员在这里使用了机器人" in reply.plain() and "1 小时 0 分钟" in reply.plain()
    assert app.fake.sent[-1][1].plain() == "📬 我已经在私聊里把本群的统计发给你了。"
    member = app.fake.chat("li", locale="zh-CN", chat_id=GROUP, group=True)
    assert "只有本群的管理员" in texts(await member.say("/stats"))


async def test_forget_removes_a_members_activity_and_export_shows_it(app, clock):
    p = people(app)
    await p["max"].say("/help")
    await p["zoe"].say("/help")
    clock.advance(days=1)
    await p["max"].say("/help")
    assert await activity_rows(app) == 3
    (reply,) = await p["max_dm"].say("/export")
    exported = json.loads(reply.attachment.data)
    assert exported["group_activity"] == [
        {"platform": "fake", "chat": GROUP, "day": "2026-03-02"},
        {"platform": "fake", "chat": GROUP, "day": "2026-03-03"},
    ]
    await p["max_dm"].say("/forget")
    await p["max_dm"].click("Yes")
    assert await activity_rows(app) == 1  # Zoe's
    text = texts(await p["gina"].say("/stats"))
    assert "1 member used the bot here this week" in text  # Gina herself, now


async def test_a_learner_is_marked_once_a_day_per_group_however_often_they_write(app, clock):
    from sqlalchemy import event

    p = people(app)
    writes: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("INSERT INTO CHAT_ACTIVITY"):
            writes.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for text in ("/help", "/progress", "/roadmap"):
            await p["max"].say(text)
        await p["max_dm"].say("/help")  # a direct chat: no mark
        assert len(writes) == 1
        await p["zoe"].say("/help")  # another group, another learner
        clock.advance(days=1)
        await p["max"].say("/help")  # a new day in the group
        await p["max"].say("/help")
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", seen)
    assert len(writes) == 3 and await activity_rows(app) == 3

"""/link and /unlink (handlers/accounts.py, db/accounts.py): one learner across platforms, on both
databases where it matters."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters.fake import FakeAdapter
from bot.app import App
from db import accounts as store
from db.models import Account, LinkCode, Reminder, StepProgress, StudyLog, User
from tests.conftest import make_settings, texts


@pytest.fixture
async def two(tmp_path, db_url, clock):  # noqa: ANN001, ANN201
    """The app with a Telegram-like and a Discord-like fake: (app, telegram fake, discord fake)."""
    tg, dc = FakeAdapter("telegram"), FakeAdapter("discord")
    async with App(make_settings(tmp_path, database_url=db_url), [tg, dc], clock=clock) as app:
        yield app, tg, dc


async def code_of(chat) -> str:  # noqa: ANN001
    replies = await chat.say("/link")
    # the code is shown as code (it copies cleanly): find it in the doc itself
    found = re.search(r"Code\(value='([A-Z2-9]{8})'\)", repr(replies[0].body))
    assert found, repr(replies[0].body)
    return found[1]


async def count(app, model, *where) -> int:  # noqa: ANN001
    async with app.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)))


async def test_a_code_joins_two_platforms_into_one_learner_whose_minutes_count_once(two, clock):
    app, tg, dc = two
    priya_tg, priya_dc = tg.chat("42", name="Priya"), dc.chat("777", name="priya_d")
    await priya_tg.say("/log 30 numpy")
    await priya_tg.say("/done 1")
    await priya_dc.say("/log 20 pandas")
    await priya_dc.say("/timezone Asia/Kolkata")
    code = await code_of(priya_tg)
    assert len(code) == 8 and not set(code) & set("01OI")
    done = texts(await priya_dc.say(f"/link {code.lower()}"))  # typed in lower case: still the code
    assert "Linked" in done and "2 accounts" in done and "Telegram" in done
    assert await count(app, User) == 1 and await count(app, Account) == 2
    assert await count(app, LinkCode) == 0  # used up
    for chat in (priya_tg, priya_dc):
        assert "0 h 50 min" in texts(await chat.say("/progress"))  # each log once, seen from both sides
    async with app.sessions() as s:
        user = await s.scalar(select(User))
    assert user.timezone == "Asia/Kolkata"  # the code's learner had none set: the other's fills it
    # the code worked once
    assert "doesn't work" in texts(await dc.chat("888").say(f"/link {code}"))


async def test_step_states_merge_with_the_latest_change_winning(two, clock):
    app, tg, dc = two
    a, b = tg.chat("42"), dc.chat("777")
    await a.say("/done 1")
    await a.say("/doing 2")
    clock.advance(minutes=5)
    await b.say("/skip 1")  # later: wins over the Telegram side's done
    clock.advance(minutes=5)
    await a.say("/done 2")  # later again: wins over nothing on the other side
    await b.say("/doing 3")
    await b.say(f"/link {await code_of(a)}")
    async with app.sessions() as s:
        states = dict((await s.execute(select(StepProgress.step_id, StepProgress.state))).all())
    steps = [step.id for step in app.store.content.steps[:3]]
    assert states == {steps[0]: "skipped", steps[1]: "done", steps[2]: "doing"}


async def test_wrong_codes_are_refused_then_rate_limited_even_for_the_right_one(two, clock):
    app, tg, dc = two
    code = await code_of(tg.chat("42"))
    guesser = dc.chat("777")
    left = []
    for wrong in ("ABCDEFGH", "short", "ZZZZZZZZ", "<b>x</b>", "22222222"):
        reply = texts(await guesser.say(f"/link {wrong}"))
        left.append(reply)
    assert "4 more tries" in left[0] and "1 more try" in left[3] and "Too many wrong codes" in left[4]
    assert "<b>x</b>" not in "".join(left)
    assert "Too many wrong codes" in texts(await guesser.say(f"/link {code}"))
    assert await count(app, User) == 2  # nothing joined
    clock.advance(minutes=61)  # the tries age out, and so does the code
    assert "doesn't work" in texts(await guesser.say(f"/link {code}"))
    fresh = await code_of(tg.chat("42"))
    assert "Linked" in texts(await guesser.say(f"/link {fresh}"))


async def test_a_code_expires_after_ten_minutes_and_a_new_one_replaces_the_old(two, clock):
    app, tg, dc = two
    a, b = tg.chat("42"), dc.chat("777")
    old = await code_of(a)
    new = await code_of(a)
    assert "doesn't work" in texts(await b.say(f"/link {old}"))
    clock.advance(minutes=10, seconds=1)
    assert "doesn't work" in texts(await b.say(f"/link {new}"))
    assert await count(app, User) == 2


async def test_link_is_for_private_chats_and_not_for_ones_own_code(two):
    app, tg, _ = two
    group = tg.chat("42", chat_id="-100", group=True)
    assert "private chat" in texts(await group.say("/link"))
    assert await count(app, LinkCode) == 0
    me = tg.chat("42")
    assert "own code" in texts(await me.say(f"/link {await code_of(me)}"))
    assert "isn't linked" in texts(await me.say("/unlink"))


async def test_one_per_learner_reminders_stay_one_and_others_keep_their_chat(two, clock):
    app, tg, dc = two
    a, b = tg.chat("42"), dc.chat("777")
    for chat in (a, b):
        await chat.say("/timezone UTC")
        assert "22:00" in texts(await chat.say("/streak remind on"))
    assert "19:00" in texts(await b.say("/remind daily 19:00 revise"))
    await b.say(f"/link {await code_of(a)}")
    async with app.sessions() as s:
        rows = (await s.execute(select(Reminder.kind, Reminder.platform, Reminder.chat_id))).all()
    assert sorted(rows) == [("streak", "telegram", "42"), ("text", "discord", "777")]


async def test_unlink_splits_going_forward(two, clock):
    app, tg, dc = two
    a, b = tg.chat("42"), dc.chat("777")
    await a.say("/log 30")
    await a.say("/done 1")
    await b.say("/timezone UTC")
    assert "19:00" in texts(await b.say("/remind daily 19:00 revise"))
    await b.say(f"/link {await code_of(a)}")
    unlinked = texts(await b.say("/unlink"))
    assert "Unlinked" in unlinked
    assert await count(app, User) == 2 and await count(app, StudyLog) == 1
    assert "0 h 30 min" in texts(await a.say("/progress"))
    split = texts(await b.say("/progress"))
    assert (
        "0 h 0 min" in split and f"1 of {len(app.store.content.steps)} steps done" in split
    )  # steps copied, log history not
    async with app.sessions() as s:
        owner = await s.scalar(select(Reminder.owner_id))
        discord = await s.scalar(select(Account.user_id).where(Account.platform == "discord"))
    assert owner == discord  # the reminder made on Discord went with the Discord account
    await b.say("/log 15")
    assert "0 h 30 min" in texts(await a.say("/progress"))


async def test_export_shows_the_links_and_forget_asks_where(two, clock):
    app, tg, dc = two
    a, b = tg.chat("42"), dc.chat("777")
    await a.say("/log 30")
    await b.say(f"/link {await code_of(a)}")
    data = json.loads((await b.say("/export"))[0].attachment.data)
    assert {(x["platform"], x["user_id"]) for x in data["accounts"]} == {
        ("telegram", "42"),
        ("discord", "777"),
    }
    assert [(x["action"], x["platform"]) for x in data["account_links"]] == [("link", "discord")]
    assert "2 accounts" in texts(await b.say("/forget"))
    await b.click("Only this account")
    assert await count(app, Account) == 1 and await count(app, StudyLog) == 1
    assert "0 h 30 min" in texts(await a.say("/progress"))
    await b.say(f"/link {await code_of(a)}")
    await a.say("/forget")
    await a.click("Delete everywhere")
    assert await count(app, User) == 0 and await count(app, Account) == 0 and await count(app, StudyLog) == 0


async def test_in_chinese(two):
    app, tg, dc = two
    a, b = tg.chat("42", locale="zh-CN"), dc.chat("777", locale="zh-CN")
    replies = await a.say("/link")
    assert "关联验证码" in texts(replies)
    assert "本小时内还可以再试 4 次" in texts(await b.say("/link AAAAAAAA"))


async def test_join_moves_every_owned_table_and_settles_collisions(sessions):
    """db-level: the merge rules of the declarations, on SQLite and PostgreSQL."""
    from db.models import BoardMember, UnansweredAsker, UnansweredQuestion
    from db.users import get_or_create_user
    from tests.stores import NOW

    async with sessions() as s, s.begin():
        keep = (await get_or_create_user(s, "telegram", "1", "A", NOW)).id
        gone = (await get_or_create_user(s, "discord", "2", "B", NOW)).id
        s.add(StepProgress(user_id=keep, step_id="s1", state="done", updated_at=NOW))
        s.add(StepProgress(user_id=gone, step_id="s1", state="doing", updated_at=NOW + timedelta(hours=1)))
        s.add(BoardMember(platform="telegram", chat_id="g", user_id=keep, joined_at=NOW + timedelta(days=1)))
        s.add(BoardMember(platform="telegram", chat_id="g", user_id=gone, joined_at=NOW))
        q = UnansweredQuestion(text="q", lang="en", count=5, first_seen=NOW, last_seen=NOW)
        s.add(q)
        await s.flush()
        s.add(UnansweredAsker(question_id=q.id, user_id=keep, count=2))
        s.add(UnansweredAsker(question_id=q.id, user_id=gone, count=3))
    async with sessions() as s, s.begin():
        await store.join(s, keep, gone, (), NOW)
    async with sessions() as s:
        assert (await s.execute(select(StepProgress.user_id, StepProgress.state))).all() == [(keep, "doing")]
        assert (await s.execute(select(BoardMember.user_id, BoardMember.joined_at))).all() == [(keep, NOW)]
        assert (await s.execute(select(UnansweredAsker.user_id, UnansweredAsker.count))).all() == [(keep, 5)]
        assert (await s.scalars(select(Account.user_id))).all() == [keep, keep]
        assert await s.get(User, gone) is None

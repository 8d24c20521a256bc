"""The middleware chain: bad input, the error guard, flood control, admin checks and group etiquette."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from sqlalchemy import select

import bot.app
from bot.adapters import discord_render, telegram_render
from bot.adapters.fake import FakeAdapter
from bot.app import App
from db.models import Base, FaqStat, StepProgress, StudyLog, UnansweredQuestion, User
from db.progress import set_step_state
from db.study_logs import add_study_log
from db.users import set_user_timezone
from handlers.core.router import Router
from tests.conftest import make_settings, texts

INTERNAL = "Sorry, something went wrong on my side. Nothing was changed"
ADMIN_ONLY = "Only admins can use that command."
SLOW_DOWN = "You're sending messages very fast"


async def snapshot(app) -> dict[str, list[tuple]]:  # noqa: ANN001
    """The rows a learner's actions could change."""
    async with app.sessions() as session:
        progress = await session.execute(
            select(StepProgress.user_id, StepProgress.step_id, StepProgress.state).order_by(
                StepProgress.user_id, StepProgress.step_id
            )
        )
        logs = await session.execute(
            select(StudyLog.id, StudyLog.user_id, StudyLog.minutes, StudyLog.note).order_by(StudyLog.id)
        )
        return {
            "step_progress": [tuple(r) for r in progress.all()],
            "study_logs": [tuple(r) for r in logs.all()],
        }


async def table_sizes(app) -> dict[str, int]:  # noqa: ANN001
    async with app.sessions() as session:
        return {
            model.__tablename__: len((await session.execute(select(model))).scalars().all())
            for model in (User, StepProgress, StudyLog, FaqStat, UnansweredQuestion)
        }


@pytest.fixture
async def busy_chat(chat):  # noqa: ANN001, ANN201
    """Alice with some progress and a study log, so "changes nothing" has something to keep."""
    await chat.say("/done 1")
    await chat.say("/doing 2")
    await chat.say("/log 30 pandas")
    return chat


# Bad input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "I got an empty message"),
        ("   ", "I got an empty message"),
        ("\n\t  \n", "I got an empty message"),
        ("x" * 100_000, "That message is too long for me (the limit is 4000 characters)"),
        ("/ask " + "why " * 25_000, "That message is too long for me"),
        ("\x00", "invisible control characters"),
        ("hello\x00world", "invisible control characters"),
        ("\x1b[31m", "invisible control characters"),
        ("\x1b[31mhow do I start?\x1b[0m", "invisible control characters"),
        ("/log 30 \x00pandas", "invisible control characters"),
        ("/done 3\x1b[0m", "invisible control characters"),
    ],
)
async def test_bad_input_gets_a_short_hint_and_changes_nothing(
    busy_chat, app, text: str, expected: str
) -> None:  # noqa: ANN001
    before, sizes = await snapshot(app), await table_sizes(app)
    replies = await busy_chat.say(text)
    assert len(replies) == 1
    assert expected in texts(replies)
    assert len(texts(replies)) < 300
    assert await snapshot(app) == before
    assert await table_sizes(app) == sizes  # not even an unanswered question or a FAQ count


async def test_bad_input_from_a_new_user_creates_no_user(app) -> None:  # noqa: ANN001
    for text in ("", "\x00", "x" * 100_000):
        await app.fake.chat("mallory").say(text)
    assert (await table_sizes(app))["users"] == 0


async def every_row(app) -> dict[str, list[tuple]]:  # noqa: ANN001
    """Every row of every table, to show that refused input changes nothing anywhere."""
    async with app.sessions() as session:
        return {
            t.name: sorted(map(tuple, (await session.execute(select(t))).all()), key=repr)
            for t in Base.metadata.sorted_tables
        }


def renders_everywhere(replies) -> None:  # noqa: ANN001
    for reply in replies:
        assert telegram_render.render(reply) and discord_render.render(reply)
        assert len(telegram_render.keyboard(reply)) == len(reply.buttons)
        assert len(discord_render.components(reply)) >= len(reply.buttons)


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_HINT = "invisible characters that change the direction of the text"


async def test_bidi_overrides_are_refused_in_stored_free_text(busy_chat, app) -> None:  # noqa: ANN001
    await busy_chat.say("/timezone Europe/Berlin")
    before = await every_row(app)
    for c in BIDI:
        for line in (
            f"/remind daily 19:00 revise {c}gnp.exe",  # a reminder text
            f"/log 30 pandas{c}",  # a study note
            f"how do I {c}start{c}?",  # an FAQ question (stored when unanswered)
            f"zxqv {c}wibble",
            f"/ask what is {c}ML",
        ):
            replies = await busy_chat.say(line)
            assert len(replies) == 1 and BIDI_HINT in texts(replies), repr(line)
        replies = await busy_chat.press(f"faq:show:{c}kaggle")  # a button payload
        assert BIDI_HINT in texts(replies)
    assert await every_row(app) == before


async def test_refusals_speak_the_learners_chosen_language(chat, app) -> None:  # noqa: ANN001
    await chat.say("/lang zh")  # the platform locale is still English
    before = await every_row(app)
    assert "会改变文字方向的不可见字符" in texts(await chat.say("/log 30 \u202epandas"))
    assert "控制字符" in texts(await chat.say("/log 30 \x00pandas"))
    assert "太长" in texts(await chat.say("x" * 5000))
    assert "空消息" in texts(await chat.say("  "))
    assert await every_row(app) == before


BROKEN = "a broken character I can't read"


async def test_lone_surrogates_are_refused_kindly_and_change_nothing(busy_chat, app) -> None:  # noqa: ANN001
    await busy_chat.say("/timezone Europe/Berlin")
    before = await every_row(app)
    for line in (
        "\ud800",
        "how do I start \udc00?",
        "/log 30 \ud800",
        "/remind daily 19:00 \udfff",
        "/step \ud83d",
        "/faq \ud800salary",
        "\ud83d\ude00 two halves of an emoji, each alone",
    ):
        replies = await busy_chat.say(line)
        assert len(replies) == 1 and BROKEN in texts(replies), repr(line)
        assert INTERNAL not in texts(replies)
        renders_everywhere(replies)
    assert BROKEN in texts(await busy_chat.press("faq:show:\ud800"))
    assert await every_row(app) == before
    await busy_chat.say("/lang zh")
    assert "损坏的字符" in texts(await busy_chat.say("\ud800"))


async def test_lone_surrogates_from_a_new_user_create_no_user(app) -> None:  # noqa: ANN001
    assert BROKEN in texts(await app.fake.chat("mallory").say("hi \ud800"))
    assert (await table_sizes(app))["users"] == 0


async def test_display_name_is_cleaned_before_it_is_stored_or_echoed(db_app) -> None:  # noqa: ANN001
    eve = db_app.fake.chat("eve", name="Eve\ud800\u202e\u2066lyn\x1b[31m\n Smith\u2069")
    replies = await eve.say("/start")
    assert "Hi Evelyn [31m Smith!" in texts(replies)
    renders_everywhere(replies)
    async with db_app.sessions() as session:
        assert await session.scalar(select(User.display_name)) == "Evelyn [31m Smith"


async def test_unknown_command_says_so(busy_chat, app) -> None:  # noqa: ANN001
    before = await snapshot(app)
    text = texts(await busy_chat.say("/frobnicate"))
    assert "I don't know the command /frobnicate. Type /help" in text
    assert "Did you mean" not in text
    assert await snapshot(app) == before


async def test_unknown_command_suggests_the_close_one(busy_chat, app) -> None:  # noqa: ANN001
    before = await snapshot(app)
    text = texts(await busy_chat.say("/stpe 3"))
    assert "I don't know the command /stpe. Did you mean /step?" in text
    assert await snapshot(app) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/step 99", 'There is no step "99". Steps are numbered 1 to 12'),
        ("/step 0", 'There is no step "0"'),
        ("/step banana", 'There is no step "banana"'),
        ("/done 99", 'There is no step "99"'),
        ("/skip banana", 'There is no step "banana"'),
        ("/undo", "Which step? Give its number"),
        ("/log abc", "is not a study time I understand"),
    ],
)
async def test_wrong_arguments_get_help_and_change_nothing(busy_chat, app, text: str, expected: str) -> None:  # noqa: ANN001
    before = await snapshot(app)
    total = len(app.store.content.steps)
    replies = await busy_chat.say(text)
    assert expected.replace("1 to 12", f"1 to {total}") in texts(replies)
    assert await snapshot(app) == before


async def test_done_with_nothing_in_progress_asks_which_step(chat, app) -> None:  # noqa: ANN001
    await chat.say("/done 1")
    before = await snapshot(app)
    text = texts(await chat.say("/done"))
    assert "Which step? Give its number" in text
    assert "/done 3" in text
    assert await snapshot(app) == before


# The error guard


boom = Router("boom")


@boom.command("boom")
async def _boom(ctx):  # noqa: ANN001, ANN202
    """Write to the database, then fail."""
    await set_step_state(ctx.session, ctx.user.id, ctx.content.steps[0].id, "done", ctx.now())
    await add_study_log(ctx.session, ctx.user.id, 60, "half-written", ctx.now())
    await set_user_timezone(ctx.session, ctx.user.id, "Asia/Kolkata")
    raise RuntimeError("boom")


@pytest.fixture
async def boom_app(tmp_path, clock):  # noqa: ANN001, ANN201
    fake = FakeAdapter()
    async with App(make_settings(tmp_path), [fake], clock=clock, routers=(*bot.app.ROUTERS, boom)) as running:
        running.fake = fake
        yield running


async def test_error_guard_replies_kindly_and_rolls_back(boom_app) -> None:  # noqa: ANN001
    chat = boom_app.fake.chat("alice")
    await chat.say("/log 30 pandas")
    before, sizes = await snapshot(boom_app), await table_sizes(boom_app)

    replies = await chat.say("/boom")
    assert len(replies) == 1
    assert INTERNAL in texts(replies)
    assert "RuntimeError" not in texts(replies)

    assert await snapshot(boom_app) == before
    assert await table_sizes(boom_app) == sizes
    async with boom_app.sessions() as session:
        assert await session.scalar(select(User.timezone)) == "UTC"


async def test_error_guard_rolls_back_a_new_users_row_too(boom_app) -> None:  # noqa: ANN001
    assert INTERNAL in texts(await boom_app.fake.chat("newbie").say("/boom"))
    assert await table_sizes(boom_app) == {
        "users": 0,
        "step_progress": 0,
        "study_logs": 0,
        "faq_stats": 0,
        "unanswered_questions": 0,
    }


async def test_error_guard_speaks_the_learners_language(boom_app) -> None:  # noqa: ANN001
    chat = boom_app.fake.chat("li", locale="zh_CN")
    assert "抱歉，我这边出了点问题" in texts(await chat.say("/boom"))


async def test_the_app_keeps_working_after_an_error(boom_app) -> None:  # noqa: ANN001
    chat = boom_app.fake.chat("alice")
    await chat.say("/boom")
    assert "Logged 30 min" in texts(await chat.say("/log 30"))


# Flood control


@pytest.fixture
async def flood_app(tmp_path, clock):  # noqa: ANN001, ANN201
    fake = FakeAdapter()
    async with App(make_settings(tmp_path, flood_limit="5/minute"), [fake], clock=clock) as running:
        running.fake = fake
        yield running


async def test_flood_control_slows_down_then_drops(flood_app) -> None:  # noqa: ANN001
    alice = flood_app.fake.chat("alice")
    for _ in range(5):
        replies = await alice.say("/help")
        assert "Here is what I can do" in texts(replies)
    replies = await alice.say("/help")
    assert len(replies) == 1 and SLOW_DOWN in texts(replies)
    assert await alice.say("/help") == []
    assert await alice.say("/log 30") == []

    bob = flood_app.fake.chat("bob")
    assert "Here is what I can do" in texts(await bob.say("/help"))


async def test_flooded_messages_change_nothing(flood_app) -> None:  # noqa: ANN001
    alice = flood_app.fake.chat("alice")
    for _ in range(5):
        await alice.say("/log 10")
    await alice.say("/log 10")  # slowed down
    await alice.say("/log 10")  # dropped
    logs = (await snapshot(flood_app))["study_logs"]
    assert [minutes for _, _, minutes, _ in logs] == [10] * 5


async def test_flood_control_is_per_platform_user_not_per_display_name(flood_app) -> None:  # noqa: ANN001
    for _ in range(6):
        await flood_app.fake.chat("alice").say("/help")
    other = flood_app.fake.chat("alice2", name="Alice")
    assert "Here is what I can do" in texts(await other.say("/help"))


async def test_a_flooded_learner_gets_room_back_at_the_limits_rate_and_idle_buckets_are_dropped() -> None:
    from handlers.core.middleware import flood_control  # noqa: PLC0415

    mw = flood_control("4/second", memo_size=2)
    seen: list[str] = []

    async def handler(ctx) -> list:  # noqa: ANN001
        seen.append(ctx.event.user.user_id)
        return ["ok"]

    def ctx_of(who: str):  # noqa: ANN202
        return SimpleNamespace(
            event=SimpleNamespace(user=SimpleNamespace(platform="console", user_id=who)),
            reply=lambda key: key,
            outcome=None,
        )

    assert [await mw(handler, ctx_of("a")) for _ in range(4)] == [["ok"]] * 4  # the burst
    assert await mw(handler, ctx_of("a")) == ["error.flood"]
    assert await mw(handler, ctx_of("a")) == []
    await asyncio.sleep(0.3)  # a quarter second per event at 4 a second
    assert await mw(handler, ctx_of("a")) == ["ok"]
    assert await mw(handler, ctx_of("a")) == []
    for who in ("b", "c", "d"):  # more learners than the memo keeps: drained buckets make room
        assert await mw(handler, ctx_of(who)) == ["ok"]
    await asyncio.sleep(1.1)
    for who in ("e", "f", "g"):
        assert await mw(handler, ctx_of(who)) == ["ok"]
    assert seen == ["a"] * 5 + ["b", "c", "d", "e", "f", "g"]


async def test_flood_control_off_by_default_in_tests(chat) -> None:  # noqa: ANN001
    for _ in range(40):
        assert "Here is what I can do" in texts(await chat.say("/help"))


# Admin commands


@pytest.mark.parametrize("command", ["/gaps", "/reload"])
async def test_admin_commands_refused_for_normal_users(chat, app, command: str) -> None:  # noqa: ANN001
    replies = await chat.say(command)
    assert texts(replies) == ADMIN_ONLY


async def test_admin_commands_refused_in_a_group_for_non_admins(app) -> None:  # noqa: ANN001
    carol = app.fake.chat("carol", chat_id="g1", group=True, chat_admin=False)
    assert texts(await carol.say("/gaps")) == ADMIN_ONLY
    assert texts(await carol.say("/reload")) == ADMIN_ONLY


async def test_chat_admin_flag_does_not_count_in_a_direct_chat(app) -> None:  # noqa: ANN001
    dave = app.fake.chat("dave", group=False, chat_admin=True)
    assert texts(await dave.say("/gaps")) == ADMIN_ONLY


async def test_bot_admin_can_use_gaps_and_reload(app) -> None:  # noqa: ANN001
    admin = app.fake.chat("admin")
    assert "No unanswered questions recorded yet." in texts(await admin.say("/gaps"))
    text = texts(await admin.say("/reload"))
    assert "Content reloaded:" in text
    assert f"{len(app.store.content.steps)} roadmap steps" in text


async def test_gaps_lists_unanswered_questions_for_the_admin(app) -> None:  # noqa: ANN001
    await app.fake.chat("alice").say("zxqv wibble flumph?")
    text = texts(await app.fake.chat("admin").say("/gaps"))
    assert "Questions I could not answer" in text
    assert "zxqv wibble flumph?" in text


async def test_group_chat_admin_can_use_admin_commands(app) -> None:  # noqa: ANN001
    bob = app.fake.chat("bob", group=True, chat_admin=True)
    assert "No unanswered questions recorded yet." in texts(await bob.say("/gaps"))
    assert "Content reloaded:" in texts(await bob.say("/reload"))


async def test_help_hides_admin_commands_from_normal_users(app) -> None:  # noqa: ANN001
    normal = texts(await app.fake.chat("alice").say("/help"))
    admin = texts(await app.fake.chat("admin").say("/help"))
    assert "/gaps" not in normal and "/reload" not in normal
    assert "/gaps" in admin and "/reload" in admin


# Groups


async def test_plain_text_in_a_group_gets_no_reply_and_stores_nothing(app) -> None:  # noqa: ANN001
    bob = app.fake.chat("bob", chat_id="g1", group=True)
    assert await bob.say("how do I become an ML engineer?") == []
    assert await bob.say("zxqv wibble flumph?") == []
    assert await table_sizes(app) == {
        "users": 0,
        "step_progress": 0,
        "study_logs": 0,
        "faq_stats": 0,
        "unanswered_questions": 0,
    }


async def test_a_mention_in_a_group_gets_an_answer(app) -> None:  # noqa: ANN001
    bob = app.fake.chat("bob", chat_id="g1", group=True)
    replies = await bob.say("how do I become an ML engineer?", mention=True)
    assert replies and texts(replies).strip()


async def test_a_reply_to_the_bot_in_a_group_gets_an_answer(app) -> None:  # noqa: ANN001
    bob = app.fake.chat("bob", chat_id="g1", group=True)
    replies = await bob.say("hello", reply_to_bot=True)
    assert "Ask me anything about becoming an ML engineer" in texts(replies)


async def test_commands_in_a_group_are_answered(app) -> None:  # noqa: ANN001
    bob = app.fake.chat("bob", chat_id="g1", group=True)
    assert "Here is what I can do" in texts(await bob.say("/help"))
    assert "Your roadmap to ML engineer" in texts(await bob.say("/roadmap"))
    assert "Did you mean /step?" in texts(await bob.say("/stpe 3"))


async def test_bad_input_in_a_group_without_mention_is_ignored(app) -> None:  # noqa: ANN001
    bob = app.fake.chat("bob", chat_id="g1", group=True)
    assert await bob.say("   ") == []
    assert await bob.say("\x00") == []

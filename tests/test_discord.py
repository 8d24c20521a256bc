"""The Discord adapter with the real discord.py, against the fake Discord in tests/ (REST + gateway).

Tests play server members and DM users: slash commands, autocomplete, button clicks, mentions; and read
what the bot posted the way Discord holds it (content, flags, components, allowed_mentions).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.adapters.base import ChatBlocked
from bot.adapters.discord import DiscordAdapter
from bot.app import ROUTERS, App
from db.models import Reminder, StudyLog
from handlers.core.markup import parse
from handlers.core.router import declared_commands
from handlers.core.types import Button, ChatRef, Reply
from tests.conftest import LogLines, make_settings
from tests.fake_discord import (
    ALICE,
    BOB,
    GENERAL,
    GUILD,
    MANAGE_GUILD,
    MODS,
    QUIET,
    FakeDiscord,
    FakeRole,
    study_server,
)

# Through the real client library against the fake platform server: `make test` runs these, the fast
# lane leaves them out (pyproject.toml markers).
pytestmark = pytest.mark.platform

CAROL = 1_160_000_000_000_000_033  # DMs only
world = study_server  # ALICE moderates the server (Manage Server), BOB is a member


@contextlib.asynccontextmanager
async def running(tmp_path, clock, fake=None, db_url=None, **adapter_options):  # noqa: ANN001, ANN201
    """The bot on the fake Discord; on the way out: nothing the fake had to refuse or could not
    serve, no interaction answered late, no mention allowed, the token in no log line."""
    fake = fake or world()
    lines = LogLines()
    logging.getLogger().addHandler(lines)
    async with fake:
        options = {"identify_pause": 0, "ready_timeout": 10, "guild_ready_timeout": 0.1, **adapter_options}
        adapter = DiscordAdapter(fake.token, *_urls(fake), **options)
        db = {"database_url": db_url} if db_url else {}
        settings = make_settings(tmp_path, bot_admins="discord:1160000000000000999", **db)
        app = App(settings, [adapter], clock=clock)
        try:
            async with app:
                yield fake, app
        finally:
            logging.getLogger().removeHandler(lines)
    assert fake.unhandled == [] and fake.crashes == [], (fake.unhandled, fake.crashes)
    for it in fake.interactions.values():
        first = next((r for r in it.replies if r.kind == "callback"), None)
        assert first is not None and first.after < 3.0, f"interaction {it.id} was not answered in time"
    for message in fake.messages.values():
        assert message.allowed_mentions is not None and message.allowed_mentions.get("parse") == []
    assert not [line for _, line in lines.lines if fake.token in line], "the token reached the logs"


def _urls(fake: FakeDiscord) -> tuple[str, str]:
    return f"http://127.0.0.1:{fake.port}/api/v10", f"ws://127.0.0.1:{fake.port}/gateway"


@pytest.fixture
async def dc(tmp_path, clock):  # noqa: ANN001, ANN201
    async with running(tmp_path, clock) as (fake, app):
        yield fake, app


def shown(message) -> str:  # noqa: ANN001
    """What a user sees of a message or an interaction reply: its text and its embeds' titles and text."""
    embeds = [f"{e.get('title', '')}\n{e.get('description', '')}" for e in message.embeds]
    return "\n".join([message.content or "", *embeds])


async def replies_to(fake: FakeDiscord, it, count: int = 1) -> list:  # noqa: ANN001
    assert await fake.wait_for(lambda: len(fake.interaction_replies(it.id)) >= count)
    return fake.interaction_replies(it.id)


async def test_slash_commands_in_a_dm_and_in_a_server(dc):
    fake, _ = dc
    it = await fake.slash(CAROL, "roadmap")
    (reply,) = await replies_to(fake, it)
    assert reply.type == 4 and "Your roadmap" in shown(reply) and not reply.ephemeral
    it = await fake.slash(BOB, "progress", guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    assert reply.ephemeral and "0 of 12 steps" in shown(reply)  # personal: only Bob sees it
    it = await fake.slash(BOB, "faq", {"topic": "salary"}, guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    assert not reply.ephemeral and "earn" in shown(reply)  # an answer for the channel


async def test_dms_take_free_text_servers_only_mentions_and_replies(dc):
    fake, _ = dc
    await fake.user_says(CAROL, "how much does an ml engineer earn")
    assert await fake.wait_for(lambda: fake.sent_to_user(CAROL))
    assert "earn" in shown(fake.sent_to_user(CAROL)[0])
    await fake.user_says(BOB, "anyone studying tonight?", channel_id=GENERAL, guild_id=GUILD)
    mid = await fake.user_says(
        BOB, "do I need a GPU laptop", channel_id=GENERAL, guild_id=GUILD, mentions_bot=True
    )
    assert await fake.wait_for(lambda: fake.sent_to(GENERAL))
    (answer,) = fake.sent_to(GENERAL)
    assert "GPU" in shown(answer) and str(answer.message_reference["message_id"]) == str(mid)
    await fake.user_says(BOB, "thanks!", channel_id=GENERAL, guild_id=GUILD, reply_to=answer.id)
    assert await fake.wait_for(lambda: len(fake.sent_to(GENERAL)) == 2)
    await asyncio.sleep(0.2)
    assert len(fake.sent_to(GENERAL)) == 2  # the chatter got nothing


async def test_nobody_can_be_pinged_through_the_bot(dc):
    fake, _ = dc
    it = await fake.slash(ALICE, "timezone", {"zone": "UTC"}, guild_id=GUILD, channel_id=GENERAL)
    await replies_to(fake, it)
    text = "@everyone @here <@1160000000000000022> <@&1160000000000000401> revise"
    it = await fake.slash(
        ALICE, "remind", {"when": "in 2h", "text": text}, guild_id=GUILD, channel_id=GENERAL
    )
    (reply,) = await replies_to(fake, it)
    assert "Reminder saved" in shown(reply) and "revise" in shown(reply)
    assert reply.data["allowed_mentions"] == {"parse": []}
    for ping in ("@everyone", "@here", "<@1160000000000000022>", "<@&1160000000000000401>"):
        assert ping not in shown(reply)


async def test_buttons_browse_in_place_in_dms_and_privately_in_servers(dc):
    fake, _ = dc
    it = await fake.slash(CAROL, "roadmap")
    (reply,) = await replies_to(fake, it)
    roadmap = fake.messages[reply.message_id]
    (open_step,) = roadmap.custom_ids()
    click = await fake.click(CAROL, open_step, roadmap.id)
    (edit,) = await replies_to(fake, click)
    assert edit.type == 7 and edit.message_id == roadmap.id  # the message became the step
    step = fake.messages[roadmap.id]  # now an embed with the step's title, the roadmap's text gone
    assert step.content == "" and step.embeds[0]["title"].startswith("1. Understand the role")
    done = next(c for c in fake.messages[roadmap.id].custom_ids() if c.startswith("step:done:"))
    click = await fake.click(CAROL, done, roadmap.id)
    (edit,) = await replies_to(fake, click)
    assert edit.type == 7 and "1/12" in shown(fake.messages[roadmap.id])
    # in a server the roadmap is public; a member's press answers that member alone
    it = await fake.slash(BOB, "roadmap", guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    public = fake.messages[reply.message_id]
    click = await fake.click(BOB, public.custom_ids()[0], public.id)
    (answer,) = await replies_to(fake, click)
    assert answer.type == 4 and answer.ephemeral and "Understand the role" in shown(answer)
    assert "Your roadmap" in shown(fake.messages[public.id])  # untouched


async def test_autocomplete_for_steps_topics_and_time_zones(dc):
    fake, _ = dc
    it = await fake.autocomplete(BOB, "step", focused="step", value="math", guild_id=GUILD)
    (reply,) = await replies_to(fake, it)
    assert reply.type == 8
    assert reply.choices == [
        {"name": "3. Math: linear algebra, calculus, probability and statistics", "value": "math-foundations"}
    ]
    it = await fake.autocomplete(BOB, "faq", focused="topic", value="salary", guild_id=GUILD)
    (reply,) = await replies_to(fake, it)
    assert [c["value"] for c in reply.choices][:1] == ["salary"]
    it = await fake.autocomplete(CAROL, "timezone", focused="zone", value="kolk")
    (reply,) = await replies_to(fake, it)
    assert reply.choices == [{"name": "Asia/Kolkata", "value": "Asia/Kolkata"}]
    it = await fake.autocomplete(CAROL, "done", focused="step", value="", locale="zh-CN")
    (reply,) = await replies_to(fake, it)
    assert len(reply.choices) == 12 and reply.choices[0]["name"].startswith("1. ")


async def test_server_settings_need_manage_server_checked_at_run_time(dc):
    fake, app = dc
    it = await fake.slash(BOB, "timezone", {"zone": "Asia/Kolkata"}, guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    assert "Only the group's admins" in shown(reply)
    it = await fake.slash(
        BOB, "remind", {"when": "daily 20:00", "text": "study hour"}, guild_id=GUILD, channel_id=GENERAL
    )
    (reply,) = await replies_to(fake, it)
    assert "Only the group's admins can set reminders" in shown(reply)
    it = await fake.slash(BOB, "gaps", guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    assert "Only admins" in shown(reply) and reply.ephemeral
    it = await fake.slash(ALICE, "timezone", {"zone": "Asia/Kolkata"}, guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    assert "Asia/Kolkata" in shown(reply) and "Only" not in shown(reply)
    it = await fake.slash(
        ALICE, "remind", {"when": "daily 20:00", "text": "study hour"}, guild_id=GUILD, channel_id=GENERAL
    )
    (reply,) = await replies_to(fake, it)
    assert "Reminder saved" in shown(reply) and "IST" in shown(reply)
    async with app.sessions() as s:
        r = (await s.execute(select(Reminder))).scalar_one()
    assert (r.chat_id, r.is_group, r.platform) == (str(GENERAL), True, "discord")


async def test_the_language_follows_the_discord_client_until_lang(dc):
    fake, _ = dc
    it = await fake.slash(CAROL, "help", locale="zh-CN")
    (reply,) = await replies_to(fake, it)
    assert "我能帮你做这些事" in shown(reply)
    it = await fake.slash(CAROL, "lang", {"language": "en"}, locale="zh-CN")
    await replies_to(fake, it)
    it = await fake.slash(CAROL, "help", locale="zh-CN")
    (reply,) = await replies_to(fake, it)
    assert "Here is what I can do" in shown(reply)


async def test_a_slow_answer_is_deferred_then_followed_up(tmp_path, clock):
    async with running(tmp_path, clock, defer_after=0.1) as (fake, app):
        (adapter,) = app.adapters
        fast = adapter._dispatch

        async def slow(event):  # noqa: ANN001, ANN202
            await asyncio.sleep(0.4)
            return await fast(event)

        adapter._dispatch = slow
        it = await fake.slash(BOB, "progress", guild_id=GUILD, channel_id=GENERAL)
        defer, follow = await replies_to(fake, it, 2)
        assert defer.type == 5 and defer.ephemeral and follow.after >= 0.4
        assert follow.kind == "followup" and "Your progress" in shown(follow) and follow.ephemeral


async def test_export_is_an_ephemeral_file_in_a_server(dc):
    fake, _ = dc
    it = await fake.slash(BOB, "log", {"time": "45m", "what": "backprop"}, guild_id=GUILD, channel_id=GENERAL)
    await replies_to(fake, it)
    it = await fake.slash(BOB, "export", guild_id=GUILD, channel_id=GENERAL)
    (reply,) = await replies_to(fake, it)
    assert reply.ephemeral
    ((name, data),) = reply.files
    assert name.endswith(".json") and json.loads(data)["study_log"][0]["minutes"] == 45


async def test_reminders_reach_dms_and_channels_and_their_buttons_survive_a_restart(tmp_path, clock):
    fake = world()
    async with running(tmp_path, clock, fake=fake) as (fake, app):
        it = await fake.slash(CAROL, "timezone", {"zone": "UTC"})
        await replies_to(fake, it)
        it = await fake.slash(CAROL, "remind", {"when": "daily 10:30", "text": "read a paper"})
        await replies_to(fake, it)
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        reminder = fake.sent_to_user(CAROL)[-1]
        assert reminder.content.startswith("⏰ read a paper") and len(reminder.custom_ids()) == 4
    fake2 = fake  # the same Discord; a new bot process
    async with running(tmp_path, clock, fake=fake2) as (fake, app):
        click = await fake.click(CAROL, reminder.custom_ids()[0], reminder.id)
        (edit,) = await replies_to(fake, click)
        assert edit.type == 7 and "logged a 30-minute" in shown(fake.messages[reminder.id])
        assert fake.messages[reminder.id].custom_ids() == []  # can't be pressed twice


async def test_closed_dms_and_deleted_channels_pause_reminders(tmp_path, clock):
    fake = world()
    async with running(tmp_path, clock, fake=fake) as (fake, app):
        for who, where in ((CAROL, {}), (ALICE, {"guild_id": GUILD, "channel_id": QUIET})):
            it = await fake.slash(who, "timezone", {"zone": "UTC"}, **where)
            await replies_to(fake, it)
            it = await fake.slash(who, "remind", {"when": "daily 10:30", "text": "flashcards"}, **where)
            await replies_to(fake, it)
        fake.closed_dms.add(CAROL)
        await fake.delete_channel(QUIET)
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        async with app.sessions() as s:
            paused = [r.paused for r in (await s.execute(select(Reminder))).scalars()]
        assert paused == [True, True]
        with pytest.raises(ChatBlocked):
            await app.send_to(ChatRef("discord", str(CAROL)), [Reply(parse("hello"))])


async def test_a_429_is_waited_out_by_discord_py(dc):
    fake, app = dc
    fake.force_429("POST /channels/{channel_id}/messages", retry_after=0.2)
    await app.send_to(ChatRef("discord", str(GENERAL), is_direct=False), [Reply(parse("study hour"))])
    assert [m.content for m in fake.sent_to(GENERAL)] == ["study hour"]
    assert len(fake.rate_limited) == 1


async def test_a_channel_reminder_done_by_a_member_is_logged_for_that_member_only(tmp_path, clock):
    async with running(tmp_path, clock) as (fake, app):
        it = await fake.slash(ALICE, "timezone", {"zone": "UTC"}, guild_id=GUILD, channel_id=GENERAL)
        await replies_to(fake, it)
        it = await fake.slash(
            ALICE, "remind", {"when": "daily 10:30", "text": "study hour"}, guild_id=GUILD, channel_id=GENERAL
        )
        await replies_to(fake, it)
        clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
        await app.reminders.tick()
        reminder = fake.sent_to(GENERAL)[-1]
        assert reminder.content.startswith("⏰ study hour") and reminder.via == "channel"
        click = await fake.click(BOB, reminder.custom_ids()[0], reminder.id)
        (answer,) = await replies_to(fake, click)
        assert answer.ephemeral and "logged a 30-minute" in shown(answer)
        assert len(fake.messages[reminder.id].custom_ids()) == 4  # still there for the others


async def test_commands_sync_on_request_with_chinese_and_permissions(tmp_path):
    async with world() as fake:
        from bot.cli import _discord_sync
        from bot.settings import load_settings

        settings = load_settings(
            _env_file=None,
            discord_bot_token=fake.token,
            discord_api_base_url=_urls(fake)[0],
            discord_gateway_url=_urls(fake)[1],
        )
        assert await _discord_sync(settings) == 0
    commands = {c["name"]: c for c in fake.commands[None]}
    assert {"roadmap", "remind", "ask", "faq", "step", "timezone", "lang", "export"} <= set(commands)
    remind = commands["remind"]
    assert remind["description_localizations"]["zh-CN"].startswith("设置学习提醒")
    assert int(remind["default_member_permissions"]) == MANAGE_GUILD
    when = next(o for o in remind["options"] if o["name"] == "when")
    assert (
        when["required"]
        and when["type"] == 3
        and when["description_localizations"]["zh-CN"].startswith("时间")
    )
    assert next(o for o in commands["step"]["options"])["autocomplete"]
    assert commands["roadmap"].get("default_member_permissions") is None


async def test_works_sharded(tmp_path, clock):
    async with running(tmp_path, clock, shard_count=2) as (fake, app):
        assert fake.connected_shards() == [0, 1]
        it = await fake.slash(BOB, "help", guild_id=GUILD, channel_id=GENERAL)
        (reply,) = await replies_to(fake, it)
        assert "/roadmap" in shown(reply)


@pytest.mark.slow
async def test_python_m_bot_runs_discord_and_telegram_together_in_one_process(tmp_path):
    import signal
    import sys

    from tests.conftest import bot_env
    from tests.fake_telegram import FakeTelegram

    telegram = FakeTelegram()
    telegram_url = await telegram.start()
    async with world() as fake:
        api, gateway = _urls(fake)
        env = bot_env(
            TELEGRAM_BOT_TOKEN=telegram.token,
            TELEGRAM_API_BASE_URL=telegram_url,
            DISCORD_BOT_TOKEN=fake.token,
            DISCORD_API_BASE_URL=api,
            DISCORD_GATEWAY_URL=gateway,
            LOG_LEVEL="DEBUG",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            assert await fake.wait_for(lambda: fake.connected_shards() == [0], timeout=30)
            assert await telegram.wait_for(lambda: telegram.calls["getUpdates"] > 0, timeout=30)
            it = await fake.slash(CAROL, "help")
            telegram.user_says(1001, "/help")
            assert await fake.wait_for(lambda: fake.interaction_replies(it.id), timeout=20)
            assert await telegram.wait_for(lambda: telegram.texts_to(1001), timeout=20)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
            await telegram.stop()
    logs = err.decode()
    assert proc.returncode == 0, logs[-2000:]
    assert (
        "/roadmap" in shown(fake.interaction_replies(it.id)[0]) and "/roadmap" in telegram.texts_to(1001)[0]
    )
    # both were answered by this one process (the replies can be out before the app's "ready" line, and
    # a stop while the app still starts abandons the start)
    assert all(f"platform={p} chat=direct kind=/help" in logs for p in ("discord", "telegram"))
    assert fake.token not in logs and telegram.token not in logs


async def test_a_long_reply_is_split_under_2000_characters_with_the_buttons_last(dc):
    fake, app = dc
    paragraphs = "\n\n".join(f"Paragraph {i}: " + "gradient *descent* & more " * 12 for i in range(12))
    reply = Reply(parse(paragraphs), buttons=((Button("Next", "step:roadmap"),),))
    await app.send_to(ChatRef("discord", str(GENERAL), is_direct=False), [reply])
    parts = fake.sent_to(GENERAL)
    assert len(parts) >= 2 and all(len(p.content) <= 2000 for p in parts)
    assert all(p.content.startswith("Paragraph") for p in parts)
    assert [bool(p.custom_ids()) for p in parts] == [False] * (len(parts) - 1) + [True]


async def test_commands_sync_on_start_when_the_setting_says_so(tmp_path, clock):
    async with running(tmp_path, clock, sync_commands=True) as (fake, app):
        chat_commands = {r.name for r in app.dispatcher.command_routes() if not r.hidden}
        assert {c["name"] for c in fake.commands[None]} == chat_commands  # every chat command, no other
    async with running(tmp_path, clock) as (fake, _):
        assert fake.commands == {}  # not on every start


async def test_shards_can_be_split_across_processes(tmp_path):
    """Two adapters (as in two processes) with DISCORD_SHARD_IDS 0 and 1 of 2: each server is served once."""
    from bot.settings import REPO_CONTENT
    from handlers.content.store import ContentStore

    async with world() as fake:
        store = ContentStore(REPO_CONTENT, None)
        seen: list[tuple[int, str]] = []

        def dispatcher(n: int):  # noqa: ANN202
            async def dispatch(event):  # noqa: ANN001, ANN202
                seen.append((n, event.chat.chat_id))
                return [Reply(parse("ok"))]

            return dispatch

        adapters = []
        for n in (0, 1):
            a = DiscordAdapter(
                fake.token,
                *_urls(fake),
                shard_count=2,
                shard_ids=[n],
                identify_pause=0,
                guild_ready_timeout=0.1,
                ready_timeout=10,
            )
            a.use_content(store)
            a.use_commands(declared_commands(ROUTERS))
            await a.start(dispatcher(n))
            adapters.append(a)
        try:
            assert fake.connected_shards() == [0, 1]
            home = (GUILD >> 22) % 2
            it = await fake.slash(BOB, "help", guild_id=GUILD, channel_id=GENERAL)
            await replies_to(fake, it)
            assert seen == [(home, str(GENERAL))]  # only the shard that owns the server answered
        finally:
            for a in adapters:
                await a.stop()


async def test_two_adapters_in_one_process_each_talk_to_their_own_discord():
    """Each adapter's client has its own REST base and gateway (bot.adapters.discord_http): starting
    them leaves discord.py's process-wide defaults as they were (the fakes point those at the last one
    entered, `two`), and commands, answers and sends reach each adapter's own server."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    from bot.settings import REPO_CONTENT
    from handlers.content.store import ContentStore

    store = ContentStore(REPO_CONTENT, None)

    async def dispatch(event):  # noqa: ANN001, ANN202
        return [Reply(parse(f"ok {event.what.name}"))]

    async with world() as one, world() as two:
        defaults = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        adapters = []
        for fake in (one, two):
            a = DiscordAdapter(fake.token, *_urls(fake), identify_pause=0, guild_ready_timeout=0.1)
            a.use_content(store)
            a.use_commands(declared_commands(ROUTERS))
            await a.start(dispatch)
            adapters.append(a)
        try:
            still = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
            assert still == defaults
            assert one.connected_shards() == [0] and two.connected_shards() == [0]
            first, second = await one.slash(BOB, "help"), await two.slash(BOB, "roadmap")
            assert shown((await replies_to(one, first))[0]) == "ok help"
            assert shown((await replies_to(two, second))[0]) == "ok roadmap"
            general = ChatRef("discord", str(GENERAL), is_direct=False)
            await adapters[0].send(general, [Reply(parse("hi one"))])
            await adapters[1].send(general, [Reply(parse("hi two"))])
            assert [m.content for m in one.sent_to(GENERAL)] == ["hi one"]
            assert [m.content for m in two.sent_to(GENERAL)] == ["hi two"]
        finally:
            for a in adapters:
                await a.stop()
        assert one.unhandled == two.unhandled == [] and one.crashes == two.crashes == []


async def test_an_interaction_delivered_twice_is_handled_once(tmp_path, clock, db_url):
    """The same INTERACTION_CREATE twice (a replayed event, two copies of a shard during a deploy):
    discord.py does not drop it; the bot logs once and answers once."""
    async with running(tmp_path, clock, db_url=db_url) as (fake, app):
        it = await fake.slash(CAROL, "log", {"time": "30", "what": "embeddings"})
        (reply,) = await replies_to(fake, it)
        assert "Logged **30 min**" in shown(reply)
        await fake.redeliver(it)
        handled = {"platform": "discord", "chat": "direct", "outcome": "repeat"}
        metric = "studybuddy_messages_handled_total"
        assert await fake.wait_for(lambda: app.metrics.registry.get_sample_value(metric, handled) == 1)
        async with app.sessions() as s:
            assert len((await s.execute(select(StudyLog))).scalars().all()) == 1
        assert len(fake.interaction_replies(it.id)) == 1


@pytest.mark.slow
async def test_a_rejected_discord_token_stops_start_up_with_one_clear_line(tmp_path):
    import sys

    from tests.conftest import bot_env

    async with world() as fake:
        api, gateway = _urls(fake)
        wrong = "MTE2MDAwMDAwMDAwMDAwMDk5OQ.wrong.token-that-discord-rejects"
        env = bot_env(DISCORD_BOT_TOKEN=wrong, DISCORD_API_BASE_URL=api, DISCORD_GATEWAY_URL=gateway)
        for command in ((), ("discord", "sync")):  # serving, and syncing the slash commands
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *command, cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
            )
            _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
            output = err.decode()
            assert proc.returncode == 2, output[-3000:]
            (line,) = [line for line in output.splitlines() if "Could not start" in line]
            assert "Discord" in line and "DISCORD_BOT_TOKEN" in line
            assert wrong not in output and "Traceback" not in output


# Practice (issue 14): a nudge in a DM becomes the review; a server's quiz of the day answers each
# member privately (ephemeral), and the post stays as it is.


async def test_a_nudge_becomes_the_review_and_a_server_quiz_answers_privately(tmp_path, clock):
    async with running(tmp_path, clock) as (fake, app):
        for name, options in (("timezone", {"zone": "UTC"}), ("review", {"action": "add", "what": "1"})):
            await replies_to(fake, await fake.slash(CAROL, name, options))
        (saved,) = await replies_to(
            fake, await fake.slash(CAROL, "review", {"action": "daily", "what": "11:00"})
        )
        assert "every day at 11:00" in shown(saved)
        clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
        await app.reminders.tick()
        nudge = [m for m in fake.messages.values() if m.content.startswith("📚")][-1]
        start = await fake.click(CAROL, nudge.custom_ids()[0], nudge.id)
        (edit,) = await replies_to(fake, start)
        assert edit.type == 7 and edit.message_id == nudge.id
        assert shown(fake.messages[nudge.id]).startswith("Card 1 ·")

        await replies_to(
            fake, await fake.slash(ALICE, "timezone", {"zone": "UTC"}, guild_id=GUILD, channel_id=GENERAL)
        )
        it = await fake.slash(
            ALICE, "quiz", {"step": "daily", "time": "12:00"}, guild_id=GUILD, channel_id=GENERAL
        )
        (saved,) = await replies_to(fake, it)
        assert "every day at 12:00" in shown(saved)
        clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
        await app.reminders.tick()
        post = fake.sent_to(GENERAL)[-1]
        assert "Quiz of the day" in shown(post) and post.via == "channel"
        before = shown(post)
        click = await fake.click(BOB, post.custom_ids()[0], post.id)
        (answer,) = await replies_to(fake, click)
        assert answer.ephemeral and shown(answer).startswith(("✅ Right", "❌ Not quite"))
        assert shown(fake.messages[post.id]) == before and len(fake.messages[post.id].custom_ids()) >= 3


async def test_practice_in_chinese_on_discord_review_and_a_private_answer(dc, clock):
    fake, app = dc
    zh = {"locale": "zh-CN"}
    await replies_to(fake, await fake.slash(CAROL, "review", {"action": "add", "what": "1"}, **zh))
    (card,) = await replies_to(fake, await fake.slash(CAROL, "review", **zh))
    assert shown(card).startswith("第 1 张")
    message = fake.messages[card.message_id]
    (edit,) = await replies_to(fake, await fake.click(CAROL, message.custom_ids()[0], message.id, **zh))
    assert edit.type == 7 and len(fake.messages[message.id].custom_ids()) == 4
    assert [c["label"] for row in fake.messages[message.id].components for c in row["components"]] == [
        "忘了",
        "困难",
        "记得",
        "简单",
    ]
    it = await fake.slash(ALICE, "timezone", {"zone": "UTC"}, guild_id=GUILD, channel_id=GENERAL, **zh)
    await replies_to(fake, it)
    it = await fake.slash(
        ALICE, "quiz", {"step": "daily", "time": "12:00"}, guild_id=GUILD, channel_id=GENERAL, **zh
    )
    assert "每天 12:00" in shown((await replies_to(fake, it))[0])
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await app.reminders.tick()
    post = fake.sent_to(GENERAL)[-1]
    assert "每日一题" in shown(post)
    (answer,) = await replies_to(fake, await fake.click(BOB, post.custom_ids()[0], post.id, **zh))
    assert answer.ephemeral and shown(answer).startswith(("✅ 答对了", "❌ 不太对"))


async def test_notes_through_slash_commands(dc):
    fake, _ = dc
    it = await fake.slash(CAROL, "note", {"step": "3", "text": "eigenvectors **finally** clicked"})
    (saved,) = await replies_to(fake, it)
    assert "Saved as note \\#1 on step 3" in shown(saved)
    (listed,) = await replies_to(fake, await fake.slash(CAROL, "notes", {"step": "3"}))
    assert "eigenvectors \\*\\*finally\\*\\* clicked" in shown(listed)  # escaped for Discord's markdown


async def test_the_weekly_review_is_an_embed_showing_its_picture_in_both_languages(dc):
    fake, _ = dc
    await replies_to(fake, await fake.slash(CAROL, "log", {"time": "45m", "what": "backprop"}))
    (week,) = await replies_to(fake, await fake.slash(CAROL, "week"))
    ((name, data),) = week.files
    assert name.startswith("week-") and data.startswith(b"\x89PNG") and len(data) < 200_000
    (card,) = week.embeds
    assert card["title"].startswith("📅 Your week") and card["image"]["url"] == f"attachment://{name}"
    assert "Studied **0 h 45 min** this week" in card["description"]
    (zh,) = await replies_to(fake, await fake.slash(CAROL, "week", locale="zh-CN"))
    assert zh.embeds[0]["title"].startswith("📅 你的一周") and zh.files


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en-US", ("weekly goal: **6 h 0 min**", "Current streak", "Next:", "**30 min** of backprop logged")),
        ("zh-CN", ("每周目标：**6 小时 0 分钟**", "当前连续学习", "下一步：", "记录了 **30 分钟** backprop")),
    ],
)
async def test_goal_streak_next_a_tick_and_a_focus_run_to_its_end_on_discord(tmp_path, clock, locale, words):
    goal, streak, nxt, logged = words
    async with running(tmp_path, clock) as (fake, app):

        async def slash(name: str, options: dict | None = None) -> str:
            (reply,) = await replies_to(fake, await fake.slash(CAROL, name, options or {}, locale=locale))
            return shown(reply)

        assert goal in await slash("goal", {"hours": "6h"})
        assert streak in await slash("streak")
        (step,) = await replies_to(fake, await fake.slash(CAROL, "step", {"step": "1"}, locale=locale))
        message = fake.messages[step.message_id]
        tick = next(c for c in message.custom_ids() if ":tick:" in c or c.startswith("step:tick"))
        await replies_to(fake, await fake.click(CAROL, tick, message.id, locale=locale))
        assert "✅" in json.dumps(fake.messages[message.id].components, ensure_ascii=False)
        assert nxt in await slash("next")
        await slash("focus", {"minutes": 25, "what": "backprop"})
        started = fake.sent_to_user(CAROL)[-1]
        more = next(c for c in started.custom_ids() if ":more:" in c or "more" in c)
        await replies_to(fake, await fake.click(CAROL, more, started.id, locale=locale))
        clock.advance(minutes=30)
        await app.reminders.tick()
        await app.reminders.tick()
        ends = [m for m in fake.sent_to_user(CAROL) if logged in shown(m)]
        assert len(ends) == 1  # sent once


async def test_a_server_board_lists_only_who_joined_and_pings_nobody(dc):
    fake, _ = dc
    fake.user(BOB, "@everyone")  # a display name that would ping the server if it were allowed to
    server = {"guild_id": GUILD, "channel_id": GENERAL}

    async def slash(user: int, options: dict | None = None):  # noqa: ANN202
        (reply,) = await replies_to(fake, await fake.slash(user, "leaderboard", options or {}, **server))
        return reply

    assert "on this group's board" in shown(await slash(BOB, {"action": "join"}))
    await replies_to(fake, await fake.slash(BOB, "log", {"time": "45m", "what": "backprop"}, **server))
    await replies_to(fake, await fake.slash(ALICE, "log", {"time": "2h"}, **server))  # never joined
    board = await slash(ALICE)
    assert board.data["allowed_mentions"] == {"parse": []}
    assert "everyone" in shown(board) and "0 h 45 min" in shown(board) and "2 h 0 min" not in shown(board)
    assert "Only this group's admins" in shown(await slash(BOB, {"action": "weekly on"}))
    await replies_to(fake, await fake.slash(ALICE, "timezone", {"zone": "UTC"}, **server))
    assert "every Monday at 09:00" in shown(await slash(ALICE, {"action": "weekly on"}))


def read(message) -> str:  # noqa: ANN001
    """What a user reads of a message: Discord's markdown marks and escapes, and the zero-width space
    that keeps an "@everyone" from pinging, taken out."""
    text = shown(message).replace("\u200b", "").replace("**", "")
    return re.sub(r"\\(.)", r"\1", text)


async def test_a_server_challenge_refuses_non_admins_pings_nobody_and_sums_up_once(tmp_path, clock):
    dan, erin = 1_160_000_000_000_000_044, 1_160_000_000_000_000_055  # members; Erin never joins
    fake = FakeDiscord()
    fake.add_guild(
        GUILD,
        "ML study",
        channels={GENERAL: "general", QUIET: "quiet"},
        roles=[FakeRole(MODS, "mods", MANAGE_GUILD, position=2)],
        members={ALICE: [MODS], BOB: [], dan: [], erin: []},
    )
    fake.user(BOB, "@everyone")  # a display name that would ping the server if it were allowed to
    fake.user(dan, "Dan")
    fake.user(erin, "Erin")
    server = {"guild_id": GUILD, "channel_id": GENERAL}
    async with running(tmp_path, clock, fake=fake) as (fake, app):

        async def slash(user: int, options: dict | None = None):  # noqa: ANN202
            (reply,) = await replies_to(fake, await fake.slash(user, "challenge", options or {}, **server))
            return reply

        async def log(user: int, time: str) -> None:
            await replies_to(fake, await fake.slash(user, "log", {"time": time}, **server))

        await replies_to(fake, await fake.slash(ALICE, "timezone", {"zone": "UTC"}, **server))
        refused = await slash(BOB, {"action": "new", "details": "7 Bob's week"})
        assert "Only this group's admins can start" in read(refused)
        assert "No challenge is running" in read(await slash(BOB))  # the refusal made nothing
        created = await slash(ALICE, {"action": "new", "details": "2 @here sprint"})
        assert "#1 · @here sprint is on: 2 days, Mar 2 – Mar 3 (UTC)" in read(created)
        assert created.data["allowed_mentions"] == {"parse": []}
        assert "You're in #1" in read(await slash(BOB, {"action": "join"}))
        assert "You're in #1" in read(await slash(dan, {"action": "join"}))
        await log(BOB, "45m")
        assert "✅ Checked in for day 1 of 2" in read(await slash(dan, {"action": "checkin"}))
        await log(erin, "2h")  # never joined
        board = await slash(erin)
        assert board.data["allowed_mentions"] == {"parse": []}
        assert "1. @everyone — 1/1 day · run 1" in read(board)
        assert "Dan — 1/1 day" in read(board)
        assert "Erin" not in read(board) and "2 members have joined" in read(board)
        clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
        await log(BOB, "20m")
        await log(erin, "1h")

        def summaries() -> list:
            return [m for m in fake.sent_to(GENERAL) if read(m).startswith("🏁")]

        clock.set(datetime(2026, 3, 4, 8, 59, tzinfo=UTC))
        await app.reminders.tick()
        assert summaries() == []
        clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
        await app.reminders.tick()
        await app.reminders.tick()
        assert await fake.wait_for(lambda: summaries())
        (post,) = summaries()
        assert post.via == "channel" and post.allowed_mentions == {"parse": []}
        text = read(post)
        assert text.startswith("🏁 #1 · @here sprint is over (Mar 2 – Mar 3, 2 days)")
        assert "Checked in on every day (1): @everyone" in text and "Erin" not in text
        assert "2 members joined, with 3 days checked in altogether" in text
        clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
        await app.reminders.tick()
        assert len(summaries()) == 1  # once


async def test_stats_are_ephemeral_for_a_servers_admin_and_refused_to_members(dc):
    fake, _ = dc
    server = {"guild_id": GUILD, "channel_id": GENERAL}
    await replies_to(fake, await fake.slash(BOB, "log", {"time": "45m"}, **server))
    await replies_to(fake, await fake.slash(BOB, "ask", {"question": "zebra quantum marmalade"}, **server))
    (refused,) = await replies_to(fake, await fake.slash(BOB, "stats", **server))
    assert "Only this group's admins can see its stats" in shown(refused) and refused.ephemeral
    (reply,) = await replies_to(fake, await fake.slash(ALICE, "stats", **server))
    assert reply.ephemeral and "This group's week" in shown(reply)  # only Alice sees it
    assert "2 members used the bot here this week" in shown(reply) and "0 h 45 min" in shown(reply)
    assert "zebra quantum marmalade" in shown(reply) and "sent you" not in shown(reply)
    (dm,) = await replies_to(fake, await fake.slash(CAROL, "stats"))
    assert "send it in the group you look after" in shown(dm)

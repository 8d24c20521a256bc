"""The Discord fake against plain discord.py clients (no project code): if these pass, the fake speaks
enough Discord for the real library, and refuses what Discord refuses."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fake_discord import (
    ALICE,
    BOB,
    GENERAL,
    GUILD,
    MODS,
    OTHER_GUILD,
    QUIET,
    FakeDiscord,
    connected,
    study_server,
)

# Through the real client library against the fake platform server: `make test` runs these, the fast
# lane leaves them out (pyproject.toml markers).
pytestmark = pytest.mark.platform

world = study_server


@pytest.fixture
async def fake():  # noqa: ANN201
    async with world() as running:
        yield running


def client(
    cls: type[discord.Client] = discord.Client, *, content: bool = True, **kw: object
) -> discord.Client:
    intents = discord.Intents.default()
    intents.message_content = content
    return cls(intents=intents, guild_ready_timeout=0.05, **kw)


async def test_connects_sees_ready_and_the_guild(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        assert bot.user.id == fake.bot.id and bot.user.bot
        assert bot.application_id == fake.application_id
        guild = bot.get_guild(GUILD)
        assert guild is not None and guild.name == "ML study" and not guild.unavailable
        assert [c.id for c in guild.text_channels] == [GENERAL, QUIET]
        assert guild.get_role(MODS).permissions.manage_guild
        assert (
            guild.default_role.permissions.send_messages and not guild.default_role.permissions.manage_guild
        )
        assert guild.me is not None and guild.me.guild_permissions.send_messages
        assert guild.owner_id == fake.owner.id
        assert guild.member_count == 4  # owner, Alice, Bob, the bot
    assert fake.identifies[0]["intents"] == bot.intents.value
    assert fake.identifies[0]["token"] == "<ok>"
    assert [c.route for c in fake.requests[:2]] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert fake.unhandled == [] and fake.refused == []


async def test_message_create_reaches_on_message_and_the_reply_is_recorded(fake: FakeDiscord) -> None:
    bot = client()
    seen: list[discord.Message] = []

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        seen.append(message)
        await message.channel.send(
            f"you said {message.content}", allowed_mentions=discord.AllowedMentions.none()
        )

    async with connected(bot, fake):
        await fake.user_says(ALICE, "hello", channel_id=QUIET)
        await fake.user_says(BOB, "in private")  # no guild: a DM
        assert await fake.wait_for(lambda: fake.sent_to(QUIET) and fake.sent_to_user(BOB))
    assert seen[0].author.id == ALICE and seen[0].guild.id == GUILD and seen[0].channel.id == QUIET
    assert isinstance(seen[0].author, discord.Member) and seen[0].author.get_role(MODS) is not None
    assert isinstance(seen[1].channel, discord.DMChannel) and seen[1].guild is None
    [reply] = fake.sent_to(QUIET)
    assert reply.content == "you said hello"
    assert reply.allowed_mentions == {"parse": []}
    assert fake.sent_to_user(BOB)[0].content == "you said in private"


async def test_without_the_message_content_intent_guild_text_arrives_empty(fake: FakeDiscord) -> None:
    bot = client(content=False)
    seen: list[str] = []
    bot.event(_recorder(seen))
    async with connected(bot, fake):
        await fake.user_says(ALICE, "secret", guild_id=GUILD)
        await fake.user_says(ALICE, "hi bot", guild_id=GUILD, mentions_bot=True)
        await fake.user_says(ALICE, "dm text")
        assert await fake.wait_for(lambda: len(seen) == 3)
    assert seen == ["", f"<@{fake.bot.id}> hi bot", "dm text"]


def _recorder(seen: list[str]):  # noqa: ANN202
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    return on_message


async def test_slash_command_answered_ephemerally(fake: FakeDiscord) -> None:
    bot = client()
    tree = app_commands.CommandTree(bot)
    seen: list[discord.Interaction] = []

    @tree.command(description="Say hello")
    async def hello(interaction: discord.Interaction, topic: str, times: int = 1) -> None:
        seen.append(interaction)
        await interaction.response.send_message(f"hello {topic} x{times}", ephemeral=True)

    async with connected(bot, fake):
        it = await fake.slash(ALICE, "hello", {"topic": "ml", "times": 2}, guild_id=GUILD, locale="de")
        assert await fake.wait_for(lambda: fake.interaction_replies(it.id))
    [reply] = fake.interaction_replies(it.id)
    assert reply.type == 4 and reply.flags & 64 and reply.ephemeral
    assert reply.content == "hello ml x2"
    assert reply.after < 3.0
    interaction = seen[0]
    assert interaction.id == it.id and interaction.locale is discord.Locale.german
    assert interaction.user.id == ALICE and interaction.permissions.manage_guild  # via the mods role
    assert interaction.app_permissions.send_messages and interaction.channel.id == GENERAL
    message = fake.messages[reply.message_id]
    assert message.ephemeral and message.via == "interaction" and message.channel_id == GENERAL


async def test_deferred_response_then_followups(fake: FakeDiscord) -> None:
    bot = client()
    tree = app_commands.CommandTree(bot)

    @tree.command(description="Slow")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("first")
        await interaction.followup.send("second", ephemeral=True)

    async with connected(bot, fake):
        it = await fake.slash(BOB, "slow")  # in Bob's DMs
        assert await fake.wait_for(lambda: len(fake.interaction_replies(it.id)) == 3)
    defer, first, second = fake.interaction_replies(it.id)
    assert (defer.kind, defer.type, first.kind, second.kind) == ("callback", 5, "followup", "followup")
    assert first.after >= 0.05
    # the first follow-up fills the "thinking" message; later ones are new messages
    assert first.message_id == defer.message_id != second.message_id
    assert [m.content for m in fake.sent_to_user(BOB)] == ["first", "second"]
    assert fake.messages[second.message_id].ephemeral


async def test_persistent_button_click_is_answered_by_editing_the_message(fake: FakeDiscord) -> None:
    clicks: list[int] = []

    class Done(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Done", custom_id="study:done", style=discord.ButtonStyle.success)
        async def done(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            clicks.append(interaction.user.id)
            await interaction.response.edit_message(content="Step done ✔", view=None)

    class Bot(discord.Client):
        async def setup_hook(self) -> None:
            self.add_view(Done())

    bot = client(Bot)
    async with connected(bot, fake):
        sent = await bot.get_channel(GENERAL).send("Step 1: read chapter 2", view=Done())
        assert fake.messages[sent.id].custom_ids() == ["study:done"]
        it = await fake.click(BOB, "study:done", sent.id)
        assert await fake.wait_for(lambda: fake.interaction_replies(it.id))
        with pytest.raises(ValueError, match="no component"):
            await fake.click(BOB, "study:other", sent.id)
    assert clicks == [BOB]
    [reply] = fake.interaction_replies(it.id)
    assert reply.type == 7 and reply.message_id == sent.id
    message = fake.messages[sent.id]
    assert message.content == "Step done ✔" and message.components == [] and len(message.edits) == 1


async def test_autocomplete_returns_choices(fake: FakeDiscord) -> None:
    bot = client()
    tree = app_commands.CommandTree(bot)
    topics = ["python", "pytorch", "pandas", "statistics"]

    async def topic_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t.title(), value=t) for t in topics if t.startswith(current)]

    @tree.command(description="Study a topic")
    @app_commands.autocomplete(topic=topic_choices)
    async def study(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(topic)

    async with connected(bot, fake):
        it = await fake.autocomplete(ALICE, "study", focused="topic", value="py", guild_id=GUILD)
        assert await fake.wait_for(lambda: fake.interaction_replies(it.id))
    [reply] = fake.interaction_replies(it.id)
    assert reply.type == 8
    assert reply.choices == [{"name": "Python", "value": "python"}, {"name": "Pytorch", "value": "pytorch"}]


async def test_429_with_via_is_retried_by_discord_py(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        fake.force_429("POST /channels/{channel_id}/messages", retry_after=0.2)
        started = time.monotonic()
        await bot.get_channel(GENERAL).send("after the wait")
        elapsed = time.monotonic() - started
    calls = fake.calls_to("POST /channels/{channel_id}/messages")
    assert [c.status for c in calls] == [429, 200]
    assert elapsed >= 0.2 and len(fake.rate_limited) == 1
    assert [m.content for m in fake.sent_to(GENERAL)] == ["after the wait"]


async def test_429_without_via_is_a_cloudflare_ban_and_not_retried(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        fake.force_429("POST /channels/{channel_id}/messages", cloudflare=True)
        with pytest.raises(discord.HTTPException) as e:
            await bot.get_channel(GENERAL).send("never")
    assert e.value.status == 429
    assert len(fake.calls_to("POST /channels/{channel_id}/messages")) == 1 and fake.sent_to(GENERAL) == []


async def test_rate_limit_headers_make_discord_py_pace_itself() -> None:
    async with world(channel_rate=(2, 0.3)) as fake:
        bot = client()
        async with connected(bot, fake):
            channel = bot.get_channel(GENERAL)
            started = time.monotonic()
            await asyncio.gather(*(channel.send(f"n{i}") for i in range(5)))
            elapsed = time.monotonic() - started
        calls = fake.calls_to("POST /channels/{channel_id}/messages")
    assert fake.rate_limited == [] and [c.status for c in calls] == [200] * 5
    assert elapsed >= 0.55  # 5 sends at 2 per 0.3 s: three windows
    assert sorted(m.content for m in fake.sent_to(GENERAL)) == [f"n{i}" for i in range(5)]


async def test_global_rate_limit_answers_429_global_and_discord_py_recovers(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        fake.global_rate = 4  # login's two requests are still in the 1 s window
        await asyncio.gather(*(bot.get_channel(c).send("x") for c in [GENERAL, QUIET] * 2))
    assert any("global=True" in r for r in fake.rate_limited)
    assert len(fake.sent_to(GENERAL)) == len(fake.sent_to(QUIET)) == 2


async def test_closed_dms_raise_forbidden_50007(fake: FakeDiscord) -> None:
    fake.closed_dms.add(BOB)
    bot = client()
    async with connected(bot, fake):
        user = await bot.fetch_user(BOB)
        with pytest.raises(discord.Forbidden) as e:
            await user.send("your reminder")
        await (await bot.fetch_user(ALICE)).send("open DMs work")
    assert e.value.code == 50007 and "Cannot send messages to this user" in str(e.value)
    assert fake.sent_to_user(BOB) == [] and [m.content for m in fake.sent_to_user(ALICE)] == ["open DMs work"]


async def test_deleted_channel_is_unknown_channel_10003(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        channel = bot.get_channel(QUIET)
        await fake.delete_channel(QUIET)
        assert await fake.wait_for(lambda: bot.get_channel(QUIET) is None)  # CHANNEL_DELETE reached it
        with pytest.raises(discord.NotFound) as e:
            await channel.send("anyone?")
    assert e.value.code == 10003


async def test_auto_sharded_client_gets_each_guild_on_its_shard() -> None:
    fake = world()
    fake.add_guild(OTHER_GUILD, "Other", members={ALICE: []})
    ready_shards: list[int] = []
    heard: list[tuple[int, int]] = []

    class Sharded(discord.AutoShardedClient):
        async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
            pass  # the default sleeps 5 s between shards (Discord's identify concurrency)

        async def on_shard_ready(self, shard_id: int) -> None:
            ready_shards.append(shard_id)

        async def on_message(self, message: discord.Message) -> None:
            heard.append((message.guild.id, message.guild.shard_id))

    async with fake:
        bot = client(Sharded, shard_count=2)
        async with connected(bot, fake):
            assert fake.connected_shards() == [0, 1]
            assert bot.get_guild(GUILD).shard_id == 1 and bot.get_guild(OTHER_GUILD).shard_id == 0
            await fake.user_says(ALICE, "to shard 1", guild_id=GUILD)
            await fake.user_says(ALICE, "to shard 0", guild_id=OTHER_GUILD)
            assert await fake.wait_for(lambda: len(heard) == 2)
            by_shard = {s.shard_id: s for s in fake.sessions.values()}
            # READY, one GUILD_CREATE, one MESSAGE_CREATE each: the message went to its guild's shard only
            assert by_shard[0].seq == by_shard[1].seq == 3
    assert sorted(fake.guild_creates) == [(0, OTHER_GUILD), (1, GUILD)]
    assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
    assert sorted(ready_shards) == [0, 1]
    assert sorted(heard) == sorted([(GUILD, 1), (OTHER_GUILD, 0)])
    assert fake.calls_to("GET /gateway/bot") == []  # shard_count given: discord.py does not ask


async def test_auto_sharded_client_follows_gateway_bot_advice() -> None:
    class Sharded(discord.AutoShardedClient):
        async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
            pass

    async with world(recommended_shards=3) as fake:
        bot = client(Sharded)
        async with connected(bot, fake):
            assert bot.shard_count == 3 and fake.connected_shards() == [0, 1, 2]
    assert len(fake.calls_to("GET /gateway/bot")) == 1


async def test_content_over_2000_chars_is_invalid_form_body(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        channel = bot.get_channel(GENERAL)
        with pytest.raises(discord.HTTPException) as e:
            await channel.send("x" * 2001)
        await channel.send("x" * 2000)
    assert e.value.status == 400 and e.value.code == 50035
    assert "Must be 2000 or fewer in length" in str(e.value)
    assert [len(m.content) for m in fake.sent_to(GENERAL)] == [2000]


async def test_component_limits_that_discord_py_does_not_check(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        channel = bot.get_channel(GENERAL)
        long_label = discord.ui.View()
        long_label.add_item(discord.ui.Button(label="x" * 81, custom_id="ok"))
        long_id = discord.ui.View()
        long_id.add_item(discord.ui.Button(label="ok", custom_id="c" * 101))
        errors = []
        for view in (long_label, long_id):
            with pytest.raises(discord.HTTPException) as e:
                await channel.send("pick", view=view)
            errors.append(e.value)
        files = [discord.File(__file__, filename="notes.py")]
        embeds = [discord.Embed(title=str(i)) for i in range(11)]
        with pytest.raises(discord.HTTPException) as too_many:  # discord.py itself stops 11 in send()
            await bot.http.request(
                discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL),
                json={"content": "x", "embeds": [e.to_dict() for e in embeds]},
            )
        await channel.send("with a file", files=files)
    assert all(e.code == 50035 for e in errors) and too_many.value.code == 50035
    assert "components.0.components.0.label" in str(errors[0]) and "custom_id" in str(errors[1])
    [sent] = fake.sent_to(GENERAL)
    assert sent.filenames == ["notes.py"] and sent.files[0][1].startswith(b'"""The Discord fake')


async def test_interaction_window_and_single_acknowledgement() -> None:
    async with world(interaction_window=0.2) as fake:
        bot = client()
        tree = app_commands.CommandTree(bot)
        errors: list[Exception] = []

        @tree.command(description="Too slow")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.3)
            try:
                await interaction.response.send_message("late")
            except discord.HTTPException as e:
                errors.append(e)

        async with connected(bot, fake):
            slow = await fake.slash(ALICE, "late", guild_id=GUILD)
            assert await fake.wait_for(lambda: errors)
            # the raw callback route: a second acknowledgement is refused
            it = await fake.slash(ALICE, "late", guild_id=GUILD)
            url = f"{fake.rest_base}/interactions/{it.id}/{it.token}/callback"
            async with aiohttp.ClientSession() as http:
                first = await http.post(url, json={"type": 5})
                second = await http.post(url, json={"type": 4, "data": {"content": "again"}})
                body = await second.json()
            assert await fake.wait_for(lambda: len(errors) == 2)  # the bot's own late reply to `it`
    assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062
    assert fake.interaction_replies(slow.id) == []
    assert first.status == 204 and second.status == 400 and body["code"] == 40060
    assert errors[1].code == 40060  # the bot's late answer to the interaction acknowledged by hand
    assert [r.type for r in fake.interaction_replies(it.id)] == [5]


async def test_tokens_are_checked_on_rest_and_gateway(fake: FakeDiscord) -> None:
    bot = client()
    with pytest.raises(discord.LoginFailure):
        async with connected(bot, fake, token="not-the-token"):
            pass
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws,
    ):
        hello = await ws.receive_json()
        await ws.send_str(json.dumps({"op": 2, "d": {"token": "nope", "intents": 0, "properties": {}}}))
        closed = await ws.receive()
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4004
    assert fake.refused[0].startswith("401") and fake.gateway_closes == [4004]


async def test_unfaked_routes_are_404_and_recorded(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        message = await bot.get_channel(GENERAL).send("react to me")
        with pytest.raises(discord.NotFound) as e:
            await message.add_reaction("👍")
    assert "does not implement" in str(e.value)
    assert fake.unhandled == [f"PUT /channels/{GENERAL}/messages/{message.id}/reactions/👍/@me"]


async def test_synced_commands_are_recorded_and_used_by_slash(fake: FakeDiscord) -> None:
    bot = client()
    tree = app_commands.CommandTree(bot)
    got: list[discord.Member] = []

    @tree.command(description="Kudos to someone")
    async def kudos(interaction: discord.Interaction, who: discord.Member) -> None:
        got.append(who)
        await interaction.response.send_message(f"kudos {who.mention}")

    guild = discord.Object(GUILD)
    tree.copy_global_to(guild=guild)
    async with connected(bot, fake):
        synced = await tree.sync(guild=guild)
        it = await fake.slash(ALICE, "kudos", {"who": BOB}, guild_id=GUILD)
        assert await fake.wait_for(lambda: fake.interaction_replies(it.id))
    assert [c.name for c in synced] == ["kudos"] and synced[0].guild_id == GUILD
    assert [c["name"] for c in fake.commands[GUILD]] == ["kudos"]
    assert it.data["guild_id"] == str(GUILD) and it.data["options"][0]["type"] == 6
    assert got[0].id == BOB and isinstance(got[0], discord.Member)
    assert fake.interaction_replies(it.id)[0].content == f"kudos <@{BOB}>"


async def test_reconnect_resumes_the_session_without_losing_events(fake: FakeDiscord) -> None:
    bot = client()
    seen: list[str] = []
    bot.event(_recorder(seen))
    resumed = asyncio.Event()

    @bot.event
    async def on_resumed() -> None:
        resumed.set()

    async with connected(bot, fake):
        await fake.reconnect()
        await fake.user_says(ALICE, "during the reconnect", guild_id=GUILD)
        await asyncio.wait_for(resumed.wait(), 5)
        await fake.user_says(ALICE, "after", guild_id=GUILD)
        assert await fake.wait_for(lambda: len(seen) >= 2)
        await asyncio.sleep(0.05)
    assert seen == ["during the reconnect", "after"]
    assert len(fake.identifies) == 1  # resumed, not identified again
    # op 7 made discord.py close with 4000 and resume; closing the client ended the second connection
    assert await fake.wait_for(lambda: len(fake.client_closes) == 2) and fake.connected_shards() == []
    assert fake.client_closes[0] == 4000 and [s.resumes for s in fake.sessions.values()] == [1]


async def test_modal_shown_and_submitted(fake: FakeDiscord) -> None:
    bot = client()
    tree = app_commands.CommandTree(bot)
    notes: list[str] = []

    class Note(discord.ui.Modal, title="Study note"):
        text = discord.ui.TextInput(label="What did you learn?", custom_id="note:text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            notes.append(self.text.value)
            await interaction.response.send_message("saved", ephemeral=True)

    @tree.command(description="Write a note")
    async def note(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Note(custom_id="note"))

    async with connected(bot, fake):
        shown = await fake.slash(ALICE, "note", guild_id=GUILD)
        assert await fake.wait_for(lambda: fake.interaction_replies(shown.id))
        submitted = await fake.submit_modal(ALICE, "note", {"note:text": "backprop is the chain rule"})
        assert await fake.wait_for(lambda: fake.interaction_replies(submitted.id))
        with pytest.raises(ValueError, match="no modal"):
            await fake.submit_modal(BOB, "note", {})
    [modal] = fake.interaction_replies(shown.id)
    assert modal.type == 9 and modal.data["title"] == "Study note"
    assert notes == ["backprop is the chain rule"]
    assert fake.interaction_replies(submitted.id)[0].content == "saved"


async def test_channel_overwrites_are_seen_by_discord_py_and_enforced(fake: FakeDiscord) -> None:
    from tests.fake_discord import SEND_MESSAGES

    fake.guilds[GUILD].channels[QUIET].overwrites[fake.bot.id] = (0, SEND_MESSAGES)
    bot = client()
    async with connected(bot, fake):
        quiet = bot.get_channel(QUIET)
        assert not quiet.permissions_for(quiet.guild.me).send_messages
        assert bot.get_channel(GENERAL).permissions_for(quiet.guild.me).send_messages
        with pytest.raises(discord.Forbidden) as e:
            await quiet.send("shh")
    assert e.value.code == 50013 and fake.sent_to(QUIET) == []


async def test_files_edits_and_typing_are_recorded(fake: FakeDiscord) -> None:
    bot = client()
    async with connected(bot, fake):
        channel = bot.get_channel(GENERAL)
        async with channel.typing():
            message = await channel.send(
                "plan", file=discord.File(__file__, filename="plan.txt"), embed=discord.Embed(title="Week 1")
            )
        assert message.attachments[0].filename == "plan.txt" and message.embeds[0].title == "Week 1"
        edited = await message.edit(content="plan v2", attachments=[])
        assert edited.content == "plan v2" and edited.attachments == []
    [sent] = fake.sent_to(GENERAL)
    assert sent.content == "plan v2" and sent.files == [] and sent.embeds[0]["title"] == "Week 1"
    assert [(e["content"], e["attachments"]) for e in sent.edits] == [("plan v2", [])]
    assert len(fake.calls_to("POST /channels/{channel_id}/typing")) == 1


async def test_members_intent_brings_members_and_chunks(fake: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot = discord.Client(intents=intents, guild_ready_timeout=0.05)
    async with connected(bot, fake):
        guild = bot.get_guild(GUILD)
        assert guild.chunked and guild.get_member(ALICE).get_role(MODS) is not None
        members = await guild.chunk()  # op 8 REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK
    assert {m.id for m in members} == {fake.owner.id, ALICE, BOB, fake.bot.id}


async def test_privileged_intent_not_approved_closes_4014() -> None:
    from tests.fake_discord import GUILD_MEMBERS, MESSAGE_CONTENT

    async with world(allowed_privileged=MESSAGE_CONTENT) as fake:
        intents = discord.Intents.default()
        intents.members = True
        bot = discord.Client(intents=intents, guild_ready_timeout=0.05)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with connected(bot, fake):
                pass
    assert fake.gateway_closes == [4014] and fake.identifies[0]["intents"] & GUILD_MEMBERS

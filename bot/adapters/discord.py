"""Discord, through discord.py: slash commands, buttons, DMs and mentions in as neutral events; replies
out as Discord markdown (discord_render, the one place where text for Discord is escaped).

- Slash commands (discord_commands) run the chat command of the same name. Every interaction is
  answered within Discord's 3 seconds: when the handler is not done after `defer_after` seconds the
  response is deferred and the reply follows. Personal replies are ephemeral in servers.
- Buttons are `PayloadButton`s, dynamic items whose custom id is the handler's payload, so a button
  keeps working after a restart. A reply marked `replace` edits the message whose button was pressed
  (in DMs and on ephemeral messages; a server's public message is not rewritten for one member).
- DMs: free text is a question, as in a private Telegram chat. In servers the bot answers slash
  commands, mentions and replies to its own messages (it needs no privileged intent for that).
- A direct chat's id is the user's id (a DM channel is opened to send), a server chat's id is the
  channel's. Send failures are mapped for the reminder service: closed DMs, missing access, deleted
  channels and unknown users (any 403 or 404) -> ChatBlocked; 5xx and network errors -> RetryLater
  (discord.py itself waits out 429s, per route and global, from Discord's headers).
- No message can ping anyone: `allowed_mentions` is none on every message.
- Each event carries the message's or interaction's id (`Event.event_id`): discord.py does not drop a
  repeat (a resumed session, a shard run twice during a deploy), handlers.core.middleware.drop_repeats does.
- Start-up failures raise StartFailed (token masked); a token Discord rejects is permanent.
- Each adapter's client talks to its own API base and gateway (discord_http), so adapters on different
  servers (or a test's fake next to them) can share a process.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters.base import Adapter, ChatBlocked, Dispatch, RetryLater, StartFailed
from bot.adapters.discord_commands import UiTranslator, build_tree
from bot.adapters.discord_http import RebasedHTTP, RebasedWebhooks
from bot.adapters.discord_render import components, embed, render
from handlers.content.store import ContentStore
from handlers.core.router import parse_line
from handlers.core.types import ChatRef, Command, Event, Press, Reply, Route, UserRef

log = logging.getLogger(__name__)

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg"
NO_MENTIONS = discord.AllowedMentions.none()
_MENTION = re.compile(r"<@!?(\d+)>")
EMBED_COLOUR = discord.Colour(0x3B82F6)


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?P<payload>[a-z]+:.*)"):
    """A button whose custom id is a handler payload ("step:done:python-basics"): any such button
    reaches the adapter, whichever process sent it and however long ago."""

    def __init__(self, payload: str, label: str = "", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label or "…", custom_id=payload, row=row))
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PayloadButton:
        return cls(match["payload"])

    async def callback(self, interaction: discord.Interaction) -> None:
        adapter = getattr(interaction.client, "study_buddy", None)
        if adapter is not None:
            await adapter.on_press(interaction, self.payload)


class _Client(discord.AutoShardedClient):
    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.study_buddy = adapter
        # this client's own API base and gateway (discord_http), not discord.py's process-wide defaults;
        # the HTTP client is swapped before it has a session, in the client and in its state
        self.http = self._connection.http = RebasedHTTP(self.loop, adapter.api_base, adapter.gateway)
        self.webhooks = RebasedWebhooks(adapter.api_base)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        self.webhooks.use_in_this_task()  # run as its own task (DiscordAdapter.start): its answers only
        await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        await self.study_buddy.setup()

    async def on_message(self, message: discord.Message) -> None:
        await self.study_buddy.on_message(message)

    async def on_ready(self) -> None:
        self.study_buddy.ready.set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pause = self.study_buddy.identify_pause
        if pause is None:
            await super().before_identify_hook(shard_id, initial=initial)
        elif not initial:
            await asyncio.sleep(pause)


class DiscordAdapter(Adapter):
    name = "discord"
    platform = "discord"

    def __init__(
        self,
        token: str,
        api_base: str = DEFAULT_API,
        gateway: str = DEFAULT_GATEWAY,
        shard_count: int | None = None,
        shard_ids: list[int] | None = None,
        sync_commands: bool = False,
        defer_after: float = 2.0,
        identify_pause: float | None = None,  # None: discord.py's 5 s between shards' IDENTIFYs
        ready_timeout: float = 60.0,
        guild_ready_timeout: float = 2.0,  # discord.py's wait for the servers after READY
    ) -> None:
        self._token = token
        self.api_base, self.gateway = api_base.rstrip("/"), gateway
        self.shard_count, self.shard_ids = shard_count, shard_ids
        self.sync_commands, self.defer_after = sync_commands, defer_after
        self.identify_pause, self.ready_timeout = identify_pause, ready_timeout
        self.guild_ready_timeout = guild_ready_timeout
        self.store: ContentStore | None = None
        self.routes: tuple[Route, ...] = ()  # the declared commands (use_commands)
        self.client: _Client | None = None
        self.tree: app_commands.CommandTree | None = None
        self._dispatch: Dispatch | None = None
        self._task: asyncio.Task | None = None
        self.synced = 0
        self.ready = asyncio.Event()  # set on every READY (the first, and after each reconnect)

    # lifecycle

    def use_content(self, store: ContentStore) -> None:
        """The content, for command descriptions and autocomplete (called by the app before start)."""
        self.store = store

    def use_commands(self, routes: Sequence[Route]) -> None:
        """The declared commands: each becomes a slash command (bot.adapters.discord_commands)."""
        self.routes = tuple(routes)

    def _client(self) -> _Client:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True  # mentions and replies carry their text without message_content
        intents.dm_messages = True
        return _Client(
            self,
            intents=intents,
            shard_count=self.shard_count,
            shard_ids=self.shard_ids,
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=self.guild_ready_timeout,
            enable_debug_events=False,
        )

    async def start(self, dispatch: Dispatch) -> None:
        if self.store is None:
            raise RuntimeError("DiscordAdapter needs use_content(store) before start")
        self._dispatch = dispatch
        self.client = self._client()
        self._task = asyncio.create_task(self.client.start(self._token), name="discord")
        self.ready = asyncio.Event()
        ready = asyncio.create_task(self.ready.wait())
        done, _ = await asyncio.wait(
            {self._task, ready}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if self._task in done:  # it stopped before READY: a wrong token, a refused intent...
            ready.cancel()
            exc = self._task.exception()
            await self.stop()
            raise self._start_failed(exc) from None
        if ready not in done:
            ready.cancel()
            log.warning("Discord: not ready after %.0f s; still trying in the background", self.ready_timeout)
            return
        user = self.client.user
        log.info(
            "Discord: %s in %d servers, %d shard(s)", user, len(self.client.guilds), self.client.shard_count
        )

    def _start_failed(self, exc: BaseException | None) -> StartFailed:
        why = f"{type(exc).__name__}: {exc}".replace(self._token, "[secret]") if self._token else str(exc)
        if isinstance(exc, discord.LoginFailure):
            return StartFailed(f"Discord: the bot token was rejected ({why})", ("DISCORD_BOT_TOKEN",), True)
        return StartFailed(
            f"Discord: could not connect ({why})",
            ("DISCORD_BOT_TOKEN", "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL"),
        )

    def healthy(self) -> bool:
        client = self.client
        return client is not None and not client.is_closed() and client.is_ready()

    async def setup(self) -> None:
        """Before the gateway connects: the command tree, persistent buttons, optional command sync."""
        assert self.client is not None and self.store is not None
        self.client.add_dynamic_items(PayloadButton)
        self.tree = build_tree(self.client, self.store, self.routes, self.on_command)
        await self.tree.set_translator(UiTranslator(self.store))
        self.tree.on_error = self._on_tree_error
        if self.sync_commands:
            self.synced = len(await self.tree.sync())
            log.info("Discord: %d slash commands synced", self.synced)

    async def sync_only(self) -> int:
        """Log in over REST, sync the slash commands (globally) and close: `python -m bot discord sync`."""
        self.sync_commands = True
        self.client = self._client()
        try:
            await self.client.login(self._token)  # runs setup_hook, which syncs
        except (discord.LoginFailure, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise self._start_failed(exc) from None
        finally:
            await self.client.close()
            self.client = None
        return self.synced

    async def stop(self) -> None:
        if self.client is not None and not self.client.is_closed():
            await self.client.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self.client, self._task = None, None

    async def _on_tree_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log.warning("Discord: command failed: %s", error)

    # in

    def _user(self, user: discord.abc.User, locale: discord.Locale | None) -> UserRef:
        return UserRef(
            "discord", str(user.id), user.display_name or user.name, str(locale) if locale else None
        )

    def _chat(self, interaction: discord.Interaction) -> ChatRef:
        if interaction.guild_id is None:
            return ChatRef("discord", str(interaction.user.id), is_direct=True)
        admin = bool(interaction.permissions.manage_guild)  # checked again here, whatever the defaults
        return ChatRef("discord", str(interaction.channel_id), is_direct=False, sender_is_admin=admin)

    async def on_message(self, message: discord.Message) -> None:
        client = self.client
        if client is None or message.author.bot or self._dispatch is None:
            return
        direct = message.guild is None
        mentioned = client.user is not None and client.user in message.mentions
        ref = message.reference.resolved if message.reference else None
        replied = (
            isinstance(ref, discord.Message) and client.user is not None and ref.author.id == client.user.id
        )
        if not direct and not (mentioned or replied):
            return  # server chatter is not for us
        text = _MENTION.sub(
            lambda m: "" if client.user and m[1] == str(client.user.id) else m[0], message.content
        )
        what = parse_line(text.strip() or message.content)
        if direct:
            chat = ChatRef("discord", str(message.author.id), is_direct=True)
        else:
            perms = getattr(message.author, "guild_permissions", None)
            admin = bool(perms and perms.manage_guild)
            chat = ChatRef("discord", str(message.channel.id), is_direct=False, sender_is_admin=admin)
        event = Event(
            self._user(message.author, None),
            chat,
            what,
            mentions_bot=mentioned,
            replies_to_bot=replied,
            event_id=str(message.id),
        )
        replies = await self._dispatch(event)
        try:
            await self._post(message.channel, replies, reference=None if direct else message)
        except ChatBlocked as exc:
            log.info("Discord: reply to message %s not delivered: %s", event.event_id, exc)
            self.send_failed(self.platform, exc)
        except RetryLater as exc:  # discord.py has retried 5xx already; never the text in the log
            log.warning("Discord: reply to message %s lost: %s", event.event_id, exc)
            self.send_failed(self.platform, exc)
            self.reply_lost(self.platform)

    async def on_command(
        self, interaction: discord.Interaction, route: Route, values: dict[str, object]
    ) -> None:
        """A slash command: its typed option values, also joined in declared order into the line that
        text platforms would have sent."""
        given = [(o.name, values.get(o.name)) for o in route.options]
        line = " ".join(str(v) for _, v in given if v is not None and str(v).strip())
        event = Event(
            self._user(interaction.user, interaction.locale),
            self._chat(interaction),
            Command(route.name, line, options=tuple(given)),
            event_id=str(interaction.id),
        )
        ephemeral = interaction.guild_id is not None and route.personal
        replies = await self._answer_in_time(interaction, event, ephemeral, thinking=True)
        await self._respond(interaction, replies, ephemeral, can_replace=False)

    async def on_press(self, interaction: discord.Interaction, payload: str) -> None:
        event = Event(
            self._user(interaction.user, interaction.locale),
            self._chat(interaction),
            Press(payload),
            event_id=str(interaction.id),
        )
        direct = interaction.guild_id is None
        on_private = direct or bool(interaction.message and interaction.message.flags.ephemeral)
        replies = await self._answer_in_time(interaction, event, ephemeral=not direct, thinking=False)
        await self._respond(interaction, replies, ephemeral=not direct, can_replace=on_private)

    async def _answer_in_time(
        self, interaction: discord.Interaction, event: Event, ephemeral: bool, thinking: bool
    ) -> list[Reply]:
        """The handler's replies; if they take longer than `defer_after`, the interaction is deferred
        meanwhile (a "thinking..." for commands, a silent acknowledgement for buttons)."""
        assert self._dispatch is not None
        work = asyncio.create_task(self._dispatch(event))
        done, _ = await asyncio.wait({work}, timeout=self.defer_after)
        if not done:
            await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
        return await work

    # out

    def _view(self, reply: Reply) -> discord.ui.View | None:
        rows = components(reply)
        if not rows:
            return None
        view = discord.ui.View(timeout=None)
        for r, row in enumerate(rows):
            for label, payload in row:
                view.add_item(PayloadButton(payload, label, row=r))
        return view

    def _parts(self, replies: list[Reply]) -> list[tuple[Reply, int, dict[str, Any]]]:
        """Every message to post: (reply, index of the part, send arguments). A reply with a title
        line is one embed; the others are text, split under 2000 characters."""
        out = []
        for reply in replies:
            titled = embed(reply)
            if titled is not None:
                title, description = titled
                card = discord.Embed(title=title, description=description or None, colour=EMBED_COLOUR)
                messages: list[dict[str, Any]] = [{"embed": card}]
            else:
                messages = [{"content": text} for text in render(reply)]
            view = self._view(reply)
            for i, kwargs in enumerate(messages):
                kwargs["allowed_mentions"] = NO_MENTIONS
                last = i == len(messages) - 1
                if last and view is not None:
                    kwargs["view"] = view
                if last and reply.attachment is not None:
                    found = reply.attachment
                    kwargs["file"] = discord.File(io.BytesIO(found.data), filename=found.filename)
                    if found.mime.startswith("image/") and "embed" in kwargs:  # the /week card, in its embed
                        kwargs["embed"].set_image(url=f"attachment://{found.filename}")
                out.append((reply, i, kwargs))
        return out

    async def _respond(
        self, interaction: discord.Interaction, replies: list[Reply], ephemeral: bool, can_replace: bool
    ) -> None:
        try:
            for reply, i, kwargs in self._parts(replies):
                if reply.replace and i == 0 and can_replace and "file" not in kwargs:
                    # what the new view lacks is removed from the message: text, embed or buttons
                    kwargs.setdefault("view", None)
                    kwargs.setdefault("content", None)
                    kwargs.setdefault("embed", None)
                    if interaction.response.is_done():
                        await interaction.edit_original_response(**kwargs)
                    else:
                        await interaction.response.edit_message(**kwargs)
                    can_replace = False
                elif interaction.response.is_done():
                    await interaction.followup.send(ephemeral=ephemeral, **kwargs)
                else:
                    await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
        except discord.HTTPException as exc:
            log.warning("Discord: answer to interaction %s failed: %s", interaction.id, _describe(exc))
            self.send_failed(self.platform, exc)
            self.reply_lost(self.platform)

    async def _post(
        self, channel: discord.abc.Messageable, replies: list[Reply], reference: discord.Message | None = None
    ) -> None:
        try:
            for _, i, kwargs in self._parts(replies):
                if reference is not None and i == 0:
                    kwargs["reference"] = reference
                    kwargs["mention_author"] = False
                    reference = None
                await channel.send(**kwargs)
        except (discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise _delivery_error(exc) from None

    async def _channel(self, chat: ChatRef) -> discord.abc.Messageable:
        client = self.client
        if client is None:
            raise RetryLater("the Discord client is not running")
        if not chat.is_direct:
            return client.get_channel(int(chat.chat_id)) or client.get_partial_messageable(int(chat.chat_id))
        try:
            user = client.get_user(int(chat.chat_id)) or await client.fetch_user(int(chat.chat_id))
            return user.dm_channel or await user.create_dm()
        except (discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise _delivery_error(exc) from None

    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        await self._post(await self._channel(chat), replies)


def _delivery_error(exc: Exception) -> ChatBlocked | RetryLater:
    """Discord's refusals for good (403: DMs closed 50007, no access 50001, no permission 50013; 404:
    channel deleted 10003, user unknown 10013) pause the chat; anything else is worth a retry."""
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        return ChatBlocked(_describe(exc))
    if isinstance(exc, discord.HTTPException):
        return RetryLater(_describe(exc))
    return RetryLater(f"network: {type(exc).__name__}: {exc}")


def _describe(exc: discord.HTTPException) -> str:
    return f"{exc.status} (code {getattr(exc, 'code', 0)}): {exc.text}"

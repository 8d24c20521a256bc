"""An in-process fake of Discord (REST API + gateway websocket) on loopback, for the real discord.py.

One aiohttp server on 127.0.0.1 serves both: REST under ``/api/v10`` and the gateway at ``/gateway``.

    fake = FakeDiscord()
    guild = fake.add_guild(members={ALICE: []})
    async with fake:                       # start() + pointed_at(): discord.py now talks to the fake
        async with connected(client, fake):   # client.start() until READY; closed cleanly afterwards
            await fake.user_says(ALICE, "hello", guild_id=guild.id)
            assert await fake.wait_for(lambda: fake.sent_to(guild.default_channel.id))

It checks what Discord checks (token, message/embed/component limits, who may post where, one
callback per interaction within 3 s), refuses the way Discord refuses (JSON error bodies with Discord's
codes, 429s with ``Via`` and ``retry_after``, ``X-RateLimit-*`` headers on every answer), and records
everything the bot sent. Interaction and webhook-token routes, like on Discord, need no bot token and
are exempt from the global rate.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import itertools
import json
import math
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yarl
from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions)
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_DEFAULT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | READ_MESSAGE_HISTORY
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_DEFAULT = EVERYONE_DEFAULT
DM_PERMISSIONS = EVERYONE_DEFAULT

# Gateway intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# Message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

INTERACTION_TYPES = {2: "command", 3: "component", 4: "autocomplete", 5: "modal_submit"}
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
SELECT_TYPES = {3, 5, 6, 7, 8}
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if ts is None else ts, UTC).isoformat()


def _bucket_hash(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:16]


# The configurable world


@dataclass
class FakeUser:
    id: int
    name: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"

    def payload(self) -> dict:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    bot_id: int | None = None  # the bot's own managed role

    def payload(self) -> dict:
        out = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            out["tags"] = {"bot_id": str(self.bot_id)}
        return out


@dataclass
class FakeChannel:
    id: int
    name: str = ""
    guild_id: int | None = None
    type: int = 0  # 0 text, 1 DM, 2 voice, 4 category, 5 announcement
    recipient_id: int | None = None  # DMs
    # role or member id -> (allow, deny), as Discord's permission_overwrites
    overwrites: dict[int, tuple[int, int]] = field(default_factory=dict)
    position: int = 0
    topic: str | None = None
    deleted: bool = False
    last_message_id: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == 1


@dataclass
class FakeMember:
    user_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=_iso)


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"

    @property
    def default_channel(self) -> FakeChannel:
        return next(c for c in self.channels.values() if c.type == 0 and not c.deleted)

    def shard_id(self, shard_count: int) -> int:
        return (self.id >> 22) % shard_count

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.roles[self.id].permissions
        member = self.members.get(user_id)
        for role_id in member.roles if member else ():
            perms |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def permissions_in(self, user_id: int, channel: FakeChannel | None) -> int:
        """Discord's algorithm: base permissions, then @everyone, role and member overwrites."""
        perms = self.base_permissions(user_id)
        if perms & ADMINISTRATOR or channel is None:
            return perms
        ow = channel.overwrites
        if self.id in ow:
            allow, deny = ow[self.id]
            perms = (perms & ~deny) | allow
        allow = deny = 0
        member = self.members.get(user_id)
        for role_id in member.roles if member else ():
            if role_id in ow:
                allow, deny = allow | ow[role_id][0], deny | ow[role_id][1]
        perms = (perms & ~deny) | allow
        if user_id in ow:
            perms = (perms & ~ow[user_id][1]) | ow[user_id][0]
        return perms if perms & VIEW_CHANNEL else 0


# What the bot did


@dataclass
class SentMessage:
    """A message the bot posted (by any route), as the fake holds it now; `edits` lists later PATCHes."""

    id: int
    channel_id: int
    content: str = ""
    embeds: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    allowed_mentions: dict | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    flags: int = 0
    message_reference: dict | None = None
    tts: bool = False
    via: str = "channel"  # "channel" | "interaction" | "followup"
    interaction_id: int | None = None
    edits: list[dict] = field(default_factory=list)
    deleted: bool = False
    at: float = field(default_factory=time.monotonic)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def filenames(self) -> list[str]:
        return [name for name, _ in self.files]

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in _walk(self.components) if "custom_id" in c]


@dataclass
class Reply:
    """One answer to an interaction: a callback (`type` 4-9), a follow-up, or an edit of a response."""

    interaction_id: int
    kind: str  # "callback" | "followup" | "edit_original" | "edit_followup" | "delete_original"
    type: int | None  # callback type for kind == "callback"
    after: float  # seconds since the interaction was dispatched
    data: dict = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    message_id: int | None = None

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict]:
        return self.data.get("embeds") or []

    @property
    def components(self) -> list[dict]:
        return self.data.get("components") or []

    @property
    def choices(self) -> list[dict]:
        return self.data.get("choices") or []


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: dict
    dispatched_at: float
    message_id: int | None = None  # the message a component sits on
    replies: list[Reply] = field(default_factory=list)
    original_message_id: int | None = None
    callback_type: int | None = None
    payload: dict | None = None  # the INTERACTION_CREATE data as dispatched, for `redeliver`

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None


@dataclass
class RestCall:
    method: str
    path: str
    route: str | None  # "POST /channels/{channel_id}/messages", None when not faked
    query: dict
    status: int = 0
    body: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class GatewaySession:
    id: str
    shard: tuple[int, int] | None
    intents: int
    seq: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    resumes: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard else 0

    @property
    def shard_count(self) -> int:
        return self.shard[1] if self.shard else 1

    @property
    def live(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def send_dispatch(self, event: str, data: dict) -> None:
        async with self.lock:
            self.seq += 1
            frame = json.dumps({"op": 0, "t": event, "s": self.seq, "d": data})
            self.events.append((self.seq, frame))
            del self.events[:-1000]
            if self.live:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.send_str(frame)


class _Refuse(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors


class _FormErrors:
    """Collects Discord's nested `errors` object for a 50035 Invalid Form Body."""

    def __init__(self) -> None:
        self.tree: dict = {}

    def add(self, path: Iterable[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_len(self, path: list, value: Any, limit: int, minimum: int = 0) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.add(path, "BASE_TYPE_STRING", "Value must be a string.")
        elif minimum and len(value) < minimum:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {minimum} and {limit} in length.")
        elif len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        if self.tree:
            raise _Refuse(400, 50035, "Invalid Form Body", self.tree)


def _walk(components: list[dict]) -> Iterator[dict]:
    for c in components or []:
        yield c
        yield from _walk(c.get("components") or [])
        if isinstance(c.get("component"), dict):
            yield from _walk([c["component"]])
        if isinstance(c.get("accessory"), dict):
            yield from _walk([c["accessory"]])


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern
    handler: Callable
    bot_auth: bool = True  # False: interaction/webhook-token routes (no token, no global rate)
    bucket: str = ""


@dataclass
class _Bucket:
    limit: int
    per: float
    remaining: int = 0
    reset_at: float = 0.0


@dataclass
class _Req:
    request: web.Request
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]]


# The fake


@dataclass(repr=False)
class FakeDiscord:
    token: str = "FAKE.DISCORD.TOKEN"
    application_id: int = 1_150_000_000_000_000_001
    bot_name: str = "Study Buddy"
    global_rate: int = 50  # requests per second over all bot-token routes
    route_rate: tuple[int, float] = (50, 1.0)  # every route's bucket (limit, seconds)
    channel_rate: tuple[int, float] | None = None  # per channel, for POST /channels/{id}/messages
    recommended_shards: int = 1  # what GET /gateway/bot advises
    heartbeat_interval_ms: int = 41_250
    interaction_window: float = 3.0  # seconds to send the first callback
    followup_window: float = 15 * 60.0  # the interaction token's lifetime
    allowed_privileged: int = PRIVILEGED_INTENTS  # intents the app is approved for (else 4014)
    require_registered_commands: bool = False  # slash()/autocomplete() only for synced commands
    upload_limit: int = 10 * 1024 * 1024
    guilds: dict[int, FakeGuild] = field(default_factory=dict)
    users: dict[int, FakeUser] = field(default_factory=dict)
    closed_dms: set[int] = field(default_factory=set)  # users whose DMs are closed to the bot

    def __post_init__(self) -> None:
        self.bot = FakeUser(self.application_id, self.bot_name.replace(" ", ""), self.bot_name, bot=True)
        self.users[self.bot.id] = self.bot
        self.owner = self.user(1_150_000_000_000_000_009, "owner")
        self.messages: dict[int, SentMessage] = {}  # the bot's messages by id
        self.user_messages: dict[int, dict] = {}  # what the played users said, by message id
        self.interactions: dict[int, FakeInteraction] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # user id -> DM channel
        self.commands: dict[int | None, list[dict]] = {}  # guild id (None: global) -> registered commands
        self.requests: list[RestCall] = []
        self.unhandled: list[str] = []  # "GET /guilds/1/audit-logs": requests the fake does not implement
        self.refused: list[str] = []  # "403 50007 Cannot send messages to this user POST /channels/..."
        self.rate_limited: list[str] = []  # every 429 served
        self.crashes: list[str] = []  # exceptions inside the fake's handlers (answered 400 code 0)
        self.sessions: dict[str, GatewaySession] = {}
        self.identifies: list[dict] = []  # IDENTIFY payloads, token masked
        self.guild_creates: list[tuple[int, int]] = []  # (shard id, guild id) in the order they were sent
        self.presences: list[dict] = []
        self.gateway_closes: list[int] = []  # close codes the fake sent
        self.client_closes: list[int | None] = []  # close codes of gateway connections as they ended
        self.port = 0
        self._ids = itertools.count()
        self._global: collections.deque[float] = collections.deque()
        self._buckets: dict[str, _Bucket] = {}
        self._forced: dict[str, list[dict]] = collections.defaultdict(list)
        self._runner: web.AppRunner | None = None
        self._websockets: set[web.WebSocketResponse] = set()
        self._routes: list[_Route] = []
        self._pointer: contextlib.ExitStack | None = None
        self._build_routes()

    def __repr__(self) -> str:
        return (
            f"<FakeDiscord port={self.port} guilds={list(self.guilds)} live_shards={self.connected_shards()} "
            f"messages={len(self.messages)} refused={len(self.refused)} unhandled={len(self.unhandled)}>"
        )

    # world building

    def snowflake(self) -> int:
        """A fresh Discord-like id (timestamp in the high bits, so discord.py's created_at is sane)."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def user(self, user_id: int, name: str | None = None, *, locale: str = "en-US") -> FakeUser:
        """The user with this id, created on first use."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(user_id, name or f"user{user_id}", locale=locale)
        elif name:
            self.users[user_id].name = name
        return self.users[user_id]

    def add_guild(
        self,
        guild_id: int | None = None,
        name: str = "Study group",
        *,
        owner_id: int | None = None,
        channels: Mapping[int, str] | None = None,
        roles: Iterable[FakeRole] = (),
        members: Mapping[int, Iterable[int]] | None = None,
        everyone_permissions: int = EVERYONE_DEFAULT,
        bot_permissions: int = BOT_DEFAULT,
        locale: str = "en-US",
    ) -> FakeGuild:
        """A guild the bot is in: text `channels` {id: name} (one "general" if none), `roles`, `members`
        {user id: role ids}. The @everyone role has the guild's id; the bot gets a managed role with
        `bot_permissions`; the owner (a member) has every permission."""
        guild_id = guild_id or self.snowflake()
        owner_id = owner_id or self.owner.id
        guild = FakeGuild(guild_id, name, owner_id, locale=locale)
        guild.roles[guild_id] = FakeRole(guild_id, "@everyone", everyone_permissions, position=0)
        bot_role = FakeRole(self.snowflake(), self.bot.global_name or "bot", bot_permissions, managed=True)
        bot_role.bot_id = self.bot.id
        guild.roles[bot_role.id] = bot_role
        for role in roles:
            guild.roles[role.id] = role
        for i, (cid, cname) in enumerate((channels or {self.snowflake(): "general"}).items()):
            guild.channels[cid] = FakeChannel(cid, cname, guild_id, position=i)
        for uid in {owner_id, *(members or {})}:
            self.user(uid)
            role_ids = list((members or {}).get(uid, ()))
            unknown = [r for r in role_ids if r not in guild.roles]
            if unknown:
                raise ValueError(f"member {uid} has roles {unknown} that guild {guild_id} does not have")
            guild.members[uid] = FakeMember(uid, role_ids)
        guild.members[self.bot.id] = FakeMember(self.bot.id, [bot_role.id])
        self.guilds[guild_id] = guild
        return guild

    def dm_channel(self, user_id: int) -> FakeChannel:
        """The DM channel between the bot and this user (what POST /users/@me/channels returns)."""
        if user_id not in self.dm_channels:
            self.user(user_id)
            self.dm_channels[user_id] = FakeChannel(self.snowflake(), "", None, type=1, recipient_id=user_id)
        return self.dm_channels[user_id]

    def channel(self, channel_id: int) -> FakeChannel | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return next((c for c in self.dm_channels.values() if c.id == channel_id), None)

    async def delete_channel(self, channel_id: int) -> None:
        """Delete a guild channel: REST calls to it get 404 10003 Unknown Channel from now on."""
        channel = self.channel(channel_id)
        if channel is None or channel.guild_id is None:
            raise ValueError(f"no guild channel {channel_id}")
        channel.deleted = True
        payload = self._channel_payload(channel)
        await self._dispatch("CHANNEL_DELETE", lambda s: payload, guild_id=channel.guild_id, required=False)

    # server

    async def start(self) -> tuple[str, str]:
        """Serve on 127.0.0.1 (random port); returns (rest_base, gateway_url)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/{version:v\\d+}/{tail:.*}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self.rest_base, self.gateway_url

    async def stop(self) -> None:
        for ws in list(self._websockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"fake Discord stopping")
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def rest_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        self._pointer = contextlib.ExitStack()
        self._pointer.enter_context(pointed_at(self))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._pointer:
            self._pointer.close()
        await self.stop()

    # REST plumbing

    def _build_routes(self) -> None:
        table = [
            ("GET", "/users/@me", self._r_me, True),
            ("GET", "/users/{user_id}", self._r_user, True),
            ("POST", "/users/@me/channels", self._r_create_dm, True),
            ("GET", "/oauth2/applications/@me", self._r_app, True),
            ("GET", "/applications/@me", self._r_app, True),
            ("GET", "/gateway", self._r_gateway, False),
            ("GET", "/gateway/bot", self._r_gateway_bot, True),
            ("GET", "/channels/{channel_id}", self._r_get_channel, True),
            ("POST", "/channels/{channel_id}/typing", self._r_typing, True),
            ("POST", "/channels/{channel_id}/messages", self._r_send, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._r_get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._r_edit, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._r_delete, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._r_member, True),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._r_callback, False),
            ("POST", "/webhooks/{application_id}/{token}", self._r_followup, False),
            ("GET", "/webhooks/{application_id}/{token}/messages/@original", self._r_get_original, False),
            ("PATCH", "/webhooks/{application_id}/{token}/messages/@original", self._r_edit_original, False),
            ("DELETE", "/webhooks/{application_id}/{token}/messages/@original", self._r_del_original, False),
            ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", self._r_get_followup, False),
            (
                "PATCH",
                "/webhooks/{application_id}/{token}/messages/{message_id}",
                self._r_edit_followup,
                False,
            ),
            ("GET", "/applications/{application_id}/commands", self._r_get_commands, True),
            ("PUT", "/applications/{application_id}/commands", self._r_put_commands, True),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._r_get_commands, True),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._r_put_commands, True),
        ]
        for method, template, handler, bot_auth in table:
            pattern = re.sub(r"\\\{(\w+)_id\\\}", r"(?P<\1_id>\\d+)", re.escape(template))
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
            key = f"{method} {template}"
            self._routes.append(_Route(method, template, re.compile(f"^{pattern}$"), handler, bot_auth, key))

    def route_keys(self) -> list[str]:
        return [f"{r.method} {r.template}" for r in self._routes]

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method == method and (m := route.regex.match(path)):
                return route, m.groupdict()
        return None

    @staticmethod
    def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        if status == 204:
            return web.Response(status=204, headers=headers)
        # body= (not text=, not json_response): exactly "application/json", which discord.py insists on
        return web.Response(
            status=status, body=json.dumps(body).encode(), content_type="application/json", headers=headers
        )

    def force_429(
        self,
        route: str,
        times: int = 1,
        retry_after: float = 0.1,
        *,
        is_global: bool = False,
        cloudflare: bool = False,
    ) -> None:
        """The next `times` requests to `route` ("POST /channels/{channel_id}/messages", see route_keys())
        get a 429 with retry_after; `cloudflare=True` answers like a Cloudflare ban (no Via, HTML)."""
        if route not in self.route_keys():
            raise ValueError(f"unknown route {route!r}; known: {self.route_keys()}")
        entry = {"retry_after": retry_after, "global": is_global, "cloudflare": cloudflare}
        self._forced[route].extend(dict(entry) for _ in range(times))

    def _too_many(
        self, call: RestCall, retry_after: float, *, is_global: bool, bucket: str = ""
    ) -> web.Response:
        retry_after = max(round(retry_after, 3), 0.001)
        self.rate_limited.append(f"{call.method} {call.path} retry_after={retry_after} global={is_global}")
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": str(self._buckets[bucket].limit) if bucket in self._buckets else "1",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": _bucket_hash(bucket.split(":")[0]),
                }
            )
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
        call.status = 429
        return self._json(429, body, headers)

    def _take_global(self) -> float:
        """0 if a global slot was free (and is now used), else seconds until one frees."""
        now = time.monotonic()
        while self._global and now - self._global[0] >= 1.0:
            self._global.popleft()
        if len(self._global) >= self.global_rate:
            return 1.0 - (now - self._global[0])
        self._global.append(now)
        return 0.0

    def _bucket_for(self, route: _Route, params: dict[str, str]) -> tuple[str, _Bucket]:
        limit, per = self.route_rate
        if (
            route.template == "/channels/{channel_id}/messages"
            and route.method == "POST"
            and self.channel_rate
        ):
            limit, per = self.channel_rate
        major = params.get("channel_id") or params.get("guild_id") or params.get("token") or ""
        key = f"{route.bucket}:{major}"
        if key not in self._buckets:
            self._buckets[key] = _Bucket(limit, per)
        return key, self._buckets[key]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if (
            request.headers.get("Upgrade", "").lower() == "websocket"
            and request.path.rstrip("/") == "/gateway"
        ):
            return await self._gateway(request)
        path = "/" + request.match_info.get("tail", "")
        call = RestCall(request.method, path, None, dict(request.query))
        self.requests.append(call)
        if "version" not in request.match_info:
            return self._refuse(
                call,
                _Refuse(
                    404, 0, f"404: Not Found (the fake serves the API under /api/v10, not {request.path})"
                ),
            )
        matched = self._match(request.method, path)
        if matched is None:
            self.unhandled.append(f"{request.method} {path}")
            return self._refuse(
                call, _Refuse(404, 0, f"404: Not Found (the fake does not implement {request.method} {path})")
            )
        route, params = matched
        call.route = f"{route.method} {route.template}"
        auth = request.headers.get("Authorization")
        if route.bot_auth and auth != f"Bot {self.token}":
            return self._refuse(call, _Refuse(401, 0, "401: Unauthorized"))
        if self._forced.get(call.route):
            forced = self._forced[call.route].pop(0)
            if forced["cloudflare"]:
                self.rate_limited.append(f"{call.method} {call.path} cloudflare")
                call.status = 429
                return web.Response(
                    status=429,
                    text="<html>error 1015: you are being rate limited</html>",
                    content_type="text/html",
                )
            return self._too_many(
                call, forced["retry_after"], is_global=forced["global"], bucket=route.bucket
            )
        if route.bot_auth:
            wait = self._take_global()
            if wait:
                return self._too_many(call, wait, is_global=True)
        key, bucket = self._bucket_for(route, params)
        now = time.monotonic()
        if now >= bucket.reset_at:
            bucket.remaining, bucket.reset_at = bucket.limit, now + bucket.per
        if bucket.remaining <= 0:
            return self._too_many(call, bucket.reset_at - now, is_global=False, bucket=key)
        bucket.remaining -= 1
        reset_after = bucket.reset_at - now
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": _bucket_hash(route.bucket),
        }
        try:
            body, files = await self._read_body(request)
            call.body = body
            status, out = await route.handler(_Req(request, params, dict(request.query), body, files))
        except _Refuse as refusal:
            return self._refuse(call, refusal, headers)
        except Exception as e:  # a bug in the fake: say so (a 500 would make discord.py retry for 25 s)
            self.crashes.append(f"{call.route}: {e!r}")
            return self._refuse(call, _Refuse(400, 0, f"the fake crashed on {call.route}: {e!r}"), headers)
        call.status = status
        return self._json(status, out, headers)

    def _refuse(self, call: RestCall, r: _Refuse, headers: Mapping[str, str] | None = None) -> web.Response:
        call.status = r.status
        self.refused.append(f"{r.status} {r.code} {r.message} {call.method} {call.path}")
        body: dict = {"message": r.message, "code": r.code}
        if r.errors:
            body["errors"] = r.errors
        return self._json(r.status, body, headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if not request.body_exists:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload: Any = {}
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:
                    files.append((part.filename, bytes(await part.read())))
                elif part.name == "payload_json":
                    try:
                        payload = json.loads(await part.text())
                    except json.JSONDecodeError as e:
                        raise _Refuse(400, 50109, "The request body contains invalid JSON.") from e
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        if request.content_type != "application/json":
            raise _Refuse(400, 50035, "Invalid Form Body (the fake expects application/json)")
        try:
            return json.loads(raw), []
        except json.JSONDecodeError as e:
            raise _Refuse(400, 50109, "The request body contains invalid JSON.") from e

    # REST payloads

    def _member_payload(self, guild: FakeGuild, user_id: int, *, with_user: bool = True) -> dict:
        member = guild.members[user_id]
        out = {
            "nick": member.nick,
            "avatar": None,
            "roles": [str(r) for r in member.roles],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            out["user"] = self.user(user_id).payload()
        return out

    def _channel_payload(self, channel: FakeChannel) -> dict:
        if channel.is_dm:
            return {
                "id": str(channel.id),
                "type": 1,
                "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
                "recipients": [self.user(channel.recipient_id).payload()],
                "flags": 0,
            }
        guild = self.guilds[channel.guild_id]
        overwrites = [
            {"id": str(oid), "type": 0 if oid in guild.roles else 1, "allow": str(a), "deny": str(d)}
            for oid, (a, d) in channel.overwrites.items()
        ]
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": overwrites,
            "nsfw": False,
            "topic": channel.topic,
            "parent_id": None,
            "rate_limit_per_user": 0,
            "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
            "flags": 0,
        }

    def _guild_payload(self, guild: FakeGuild, intents: int) -> dict:
        member_ids = list(guild.members) if intents & GUILD_MEMBERS else [self.bot.id]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "preferred_locale": guild.locale,
            "premium_tier": 0,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": guild.members[self.bot.id].joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(guild.members),
            "members": [self._member_payload(guild, uid) for uid in member_ids],
            "channels": [self._channel_payload(c) for c in guild.channels.values() if not c.deleted],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _message_payload(self, msg: SentMessage) -> dict:
        channel = self.channel(msg.channel_id)
        out: dict[str, Any] = {
            "id": str(msg.id),
            "channel_id": str(msg.channel_id),
            "author": self.bot.payload(),
            "content": msg.content,
            "timestamp": _iso(),
            "edited_timestamp": _iso() if msg.edits else None,
            "tts": msg.tts,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(msg.id + i + 1),
                    "filename": name,
                    "size": len(data),
                    "url": f"http://127.0.0.1:{self.port}/attachments/{msg.channel_id}/{msg.id}/{name}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{msg.channel_id}/{msg.id}/{name}",
                }
                for i, (name, data) in enumerate(msg.files)
            ],
            "embeds": msg.embeds,
            "components": msg.components,
            "pinned": False,
            "type": 0,
            "flags": msg.flags,
        }
        if channel is not None and channel.guild_id is not None:
            out["guild_id"] = str(channel.guild_id)
        if msg.message_reference:
            out["type"] = 19
            out["message_reference"] = msg.message_reference
        if msg.interaction_id is not None:
            out["webhook_id"] = str(self.application_id)
            out["application_id"] = str(self.application_id)
            out["type"] = 20 if self.interactions[msg.interaction_id].type == 2 else out["type"]
        return out

    # validation (what Discord checks)

    def _check_message(self, p: dict, files: list[tuple[str, bytes]], *, edit: bool = False) -> None:
        if not isinstance(p, dict):
            raise _Refuse(
                400,
                50035,
                "Invalid Form Body",
                {
                    "_errors": [
                        {
                            "code": "DICT_TYPE_CONVERT",
                            "message": "Only dictionaries may be used in a DictType",
                        }
                    ]
                },
            )
        errors = _FormErrors()
        flags = int(p.get("flags") or 0)
        v2 = bool(flags & IS_COMPONENTS_V2)
        errors.max_len(["content"], p.get("content"), 2000)
        embeds = p.get("embeds") or []
        if len(embeds) > 10:
            errors.add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, e in enumerate(embeds[:10]):
            for key, limit in (("title", 256), ("description", 4096)):
                errors.max_len(["embeds", i, key], e.get(key), limit)
                total += len(e.get(key) or "")
            if e.get("footer"):
                errors.max_len(["embeds", i, "footer", "text"], e["footer"].get("text"), 2048)
                total += len(e["footer"].get("text") or "")
            if e.get("author"):
                errors.max_len(["embeds", i, "author", "name"], e["author"].get("name"), 256)
                total += len(e["author"].get("name") or "")
            fields = e.get("fields") or []
            if len(fields) > 25:
                errors.add(["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for j, f in enumerate(fields):
                for key, limit in (("name", 256), ("value", 1024)):
                    if not f.get(key):
                        errors.add(
                            ["embeds", i, "fields", j, key], "BASE_TYPE_REQUIRED", "This field is required"
                        )
                    errors.max_len(["embeds", i, "fields", j, key], f.get(key), limit)
                    total += len(f.get(key) or "")
        if total > 6000:
            errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        if v2:
            if p.get("content") or embeds:
                errors.add(
                    ["content"],
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'content' and 'embeds' fields cannot be used with MessageFlags.IS_COMPONENTS_V2",
                )
            if sum(1 for _ in _walk(p.get("components") or [])) > 40:
                errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
        self._check_components(p.get("components") or [], errors, v2=v2)
        self._check_allowed_mentions(p.get("allowed_mentions"), errors)
        errors.raise_if_any()
        if sum(len(b) for _, b in files) > self.upload_limit:
            raise _Refuse(413, 40005, "Request entity too large")
        if not edit and not (
            p.get("content")
            or embeds
            or files
            or p.get("components")
            or p.get("sticker_ids")
            or p.get("poll")
        ):
            raise _Refuse(400, 50006, "Cannot send an empty message")

    def _check_components(self, rows: list, errors: _FormErrors, *, v2: bool) -> None:
        if not v2 and len(rows) > 5:
            errors.add(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        seen: set[str] = set()
        for i, row in enumerate(rows):
            if not v2 and row.get("type") != 1:
                errors.add(
                    ["components", i, "type"],
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of (1,).',
                )
                continue
            children = row.get("components") or []
            if row.get("type") == 1:
                if not 1 <= len(children) <= 5:
                    errors.add(
                        ["components", i, "components"],
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 5 in length.",
                    )
                if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
                    errors.add(
                        ["components", i, "components"],
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "The specified component exceeds the maximum width",
                    )
        for path, c in self._component_paths(rows, ["components"]):
            t = c.get("type")
            if t == 2:
                style = c.get("style")
                if style == 5:
                    if not c.get("url"):
                        errors.add([*path, "url"], "BASE_TYPE_REQUIRED", "This field is required")
                    if "custom_id" in c:
                        errors.add(
                            [*path, "custom_id"],
                            "COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                            "A custom id cannot be used with link buttons",
                        )
                elif style != 6 and not c.get("custom_id"):
                    errors.add([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
                errors.max_len([*path, "label"], c.get("label"), 80)
                if not c.get("label") and not c.get("emoji"):
                    errors.add([*path, "label"], "BASE_TYPE_REQUIRED", "A label or an emoji is required")
            if t in SELECT_TYPES:
                errors.max_len([*path, "placeholder"], c.get("placeholder"), 150)
                if t == 3:
                    options = c.get("options") or []
                    if not 1 <= len(options) <= 25:
                        errors.add(
                            [*path, "options"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."
                        )
                    for j, o in enumerate(options):
                        for key in ("label", "value", "description"):
                            errors.max_len(
                                [*path, "options", j, key], o.get(key), 100, 1 if key != "description" else 0
                            )
            if "custom_id" in c:
                errors.max_len([*path, "custom_id"], c["custom_id"], 100, 1)
                if c["custom_id"] in seen:
                    errors.add(
                        [*path, "custom_id"],
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(c["custom_id"])

    def _component_paths(self, comps: list, path: list) -> Iterator[tuple[list, dict]]:
        for i, c in enumerate(comps or []):
            yield [*path, i], c
            yield from self._component_paths(c.get("components") or [], [*path, i, "components"])
            for key in ("component", "accessory"):
                if isinstance(c.get(key), dict):
                    yield [*path, i, key], c[key]

    @staticmethod
    def _check_allowed_mentions(am: dict | None, errors: _FormErrors) -> None:
        if not am:
            return
        parse = am.get("parse") or []
        bad = [x for x in parse if x not in ("roles", "users", "everyone")]
        if bad:
            errors.add(
                ["allowed_mentions", "parse"],
                "ENUM_TYPE_COERCE",
                f'Value "{bad[0]}" is not a valid enum value.',
            )
        for kind in ("users", "roles"):
            if kind in parse and am.get(kind):
                errors.add(
                    ["allowed_mentions"],
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
            if len(am.get(kind) or []) > 100:
                errors.add(
                    ["allowed_mentions", kind], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
                )

    # REST handlers

    async def _r_me(self, req: _Req) -> tuple[int, Any]:
        return 200, {
            **self.bot.payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
        }

    async def _r_user(self, req: _Req) -> tuple[int, Any]:
        uid = int(req.params["user_id"])
        if uid not in self.users:
            raise _Refuse(404, 10013, "Unknown User")
        return 200, self.users[uid].payload()

    async def _r_app(self, req: _Req) -> tuple[int, Any]:
        flags = (1 << 23) | (1 << 19 if self.allowed_privileged & MESSAGE_CONTENT else 0)
        flags |= 1 << 15 if self.allowed_privileged & GUILD_MEMBERS else 0
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot.payload(),
            "owner": self.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": flags,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
        }

    async def _r_gateway(self, req: _Req) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _r_gateway_bot(self, req: _Req) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - len(self.identifies),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    async def _r_create_dm(self, req: _Req) -> tuple[int, Any]:
        try:
            uid = int((req.body or {})["recipient_id"])
        except (KeyError, TypeError, ValueError) as e:
            raise _Refuse(
                400,
                50035,
                "Invalid Form Body",
                {
                    "recipient_id": {
                        "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]
                    }
                },
            ) from e
        if uid not in self.users:
            raise _Refuse(400, 50033, "Invalid Recipient(s)")
        return 200, self._channel_payload(self.dm_channel(uid))

    def _live_channel(self, channel_id: str) -> FakeChannel:
        channel = self.channel(int(channel_id))
        if channel is None or channel.deleted:
            raise _Refuse(404, 10003, "Unknown Channel")
        return channel

    def _require(self, channel: FakeChannel, needed: int) -> None:
        if channel.is_dm:
            return
        perms = self.guilds[channel.guild_id].permissions_in(self.bot.id, channel)
        if not perms & VIEW_CHANNEL:
            raise _Refuse(403, 50001, "Missing Access")
        if needed & ~perms:
            raise _Refuse(403, 50013, "Missing Permissions")

    async def _r_get_channel(self, req: _Req) -> tuple[int, Any]:
        channel = self._live_channel(req.params["channel_id"])
        self._require(channel, VIEW_CHANNEL)
        return 200, self._channel_payload(channel)

    async def _r_typing(self, req: _Req) -> tuple[int, Any]:
        channel = self._live_channel(req.params["channel_id"])
        self._require(channel, SEND_MESSAGES)
        return 204, None

    def _new_message(
        self, channel_id: int, p: dict, files: list[tuple[str, bytes]], **kw: Any
    ) -> SentMessage:
        msg = SentMessage(
            id=self.snowflake(),
            channel_id=channel_id,
            content=p.get("content") or "",
            embeds=p.get("embeds") or [],
            components=p.get("components") or [],
            allowed_mentions=p.get("allowed_mentions"),
            files=files,
            flags=int(p.get("flags") or 0),
            message_reference=p.get("message_reference"),
            tts=bool(p.get("tts")),
            **kw,
        )
        self.messages[msg.id] = msg
        channel = self.channel(channel_id)
        if channel is not None:
            channel.last_message_id = msg.id
        return msg

    def _apply_edit(self, msg: SentMessage, p: dict, files: list[tuple[str, bytes]]) -> None:
        self._check_message(p, files, edit=True)
        msg.edits.append(p)
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in p:
                setattr(msg, key, p[key] if p[key] is not None else ("" if key == "content" else []))
        if "flags" in p and p["flags"] is not None:
            msg.flags = (msg.flags & (EPHEMERAL | IS_COMPONENTS_V2)) | int(p["flags"])
        msg.flags &= ~LOADING
        if "attachments" in p:
            keep = {str(a.get("id")) for a in p["attachments"] or []}
            msg.files = [f for i, f in enumerate(msg.files) if str(msg.id + i + 1) in keep]
        msg.files = msg.files + files

    async def _r_send(self, req: _Req) -> tuple[int, Any]:
        channel = self._live_channel(req.params["channel_id"])
        p = req.body or {}
        self._require(channel, SEND_MESSAGES | (ATTACH_FILES if req.files else 0))
        if channel.is_dm and channel.recipient_id in self.closed_dms:
            raise _Refuse(403, 50007, "Cannot send messages to this user")
        self._check_message(p, req.files)
        ref = p.get("message_reference")
        if ref and ref.get("fail_if_not_exists", True):
            mid = int(ref.get("message_id", 0))
            if mid not in self.messages and mid not in self.user_messages:
                raise _Refuse(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "message_reference": {
                            "_errors": [
                                {"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}
                            ]
                        }
                    },
                )
        msg = self._new_message(channel.id, p, req.files)
        return 200, self._message_payload(msg)

    def _own_message(self, channel_id: str, message_id: str) -> SentMessage:
        channel = self._live_channel(channel_id)
        mid = int(message_id)
        if mid in self.user_messages:
            raise _Refuse(403, 50005, "Cannot edit a message authored by another user")
        msg = self.messages.get(mid)
        if msg is None or msg.deleted or msg.channel_id != channel.id:
            raise _Refuse(404, 10008, "Unknown Message")
        return msg

    async def _r_get_message(self, req: _Req) -> tuple[int, Any]:
        channel = self._live_channel(req.params["channel_id"])
        self._require(channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        mid = int(req.params["message_id"])
        if mid in self.user_messages:
            return 200, self.user_messages[mid]
        return 200, self._message_payload(
            self._own_message(req.params["channel_id"], req.params["message_id"])
        )

    async def _r_edit(self, req: _Req) -> tuple[int, Any]:
        msg = self._own_message(req.params["channel_id"], req.params["message_id"])
        self._apply_edit(msg, req.body or {}, req.files)
        return 200, self._message_payload(msg)

    async def _r_delete(self, req: _Req) -> tuple[int, Any]:
        msg = self._own_message(req.params["channel_id"], req.params["message_id"])
        msg.deleted = True
        return 204, None

    async def _r_member(self, req: _Req) -> tuple[int, Any]:
        guild = self.guilds.get(int(req.params["guild_id"]))
        if guild is None:
            raise _Refuse(404, 10004, "Unknown Guild")
        uid = int(req.params["user_id"])
        if uid not in guild.members:
            raise _Refuse(404, 10007, "Unknown Member")
        return 200, self._member_payload(guild, uid)

    # interactions: callbacks, follow-ups, @original

    def _interaction_by_token(self, application_id: str, token: str) -> FakeInteraction:
        if int(application_id) != self.application_id:
            raise _Refuse(404, 10015, "Unknown Webhook")
        it = next((i for i in self.interactions.values() if i.token == token), None)
        if it is None:
            raise _Refuse(401, 50027, "Invalid Webhook Token")
        if time.monotonic() - it.dispatched_at > self.followup_window:
            raise _Refuse(401, 50027, "Invalid Webhook Token")
        return it

    async def _r_callback(self, req: _Req) -> tuple[int, Any]:
        it = self.interactions.get(int(req.params["interaction_id"]))
        if it is None or it.token != req.params["token"]:
            raise _Refuse(404, 10062, "Unknown interaction")
        after = time.monotonic() - it.dispatched_at
        if it.acknowledged:
            raise _Refuse(400, 40060, "Interaction has already been acknowledged.")
        if after > self.interaction_window:
            raise _Refuse(404, 10062, "Unknown interaction")
        body = req.body or {}
        ctype = body.get("type")
        data = body.get("data") or {}
        if ctype not in ALLOWED_CALLBACKS[it.type]:
            raise _Refuse(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_CALLBACK_TYPE_INVALID",
                                "message": f"Callback type {ctype} is not valid for a "
                                f"{INTERACTION_TYPES[it.type]} interaction",
                            }
                        ]
                    }
                },
            )
        message: SentMessage | None = None
        if ctype == 4:
            self._check_message(data, req.files)
            message = self._new_message(
                it.channel_id, data, req.files, via="interaction", interaction_id=it.id
            )
            message.flags &= EPHEMERAL | IS_COMPONENTS_V2 | 4 | 4096
            it.original_message_id = message.id
        elif ctype == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(
                it.channel_id, {"flags": flags}, [], via="interaction", interaction_id=it.id
            )
            it.original_message_id = message.id
        elif ctype in (6, 7):
            message = self.messages.get(it.message_id or 0)
            if message is None:
                raise _Refuse(400, 50035, "Invalid Form Body (no message to update)")
            if ctype == 7:
                self._apply_edit(message, data, req.files)
            it.original_message_id = message.id
        elif ctype == 8:
            errors = _FormErrors()
            choices = data.get("choices") or []
            if len(choices) > 25:
                errors.add(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            for i, c in enumerate(choices):
                errors.max_len(["data", "choices", i, "name"], c.get("name"), 100, 1)
                if isinstance(c.get("value"), str):
                    errors.max_len(["data", "choices", i, "value"], c["value"], 100)
            errors.raise_if_any()
        elif ctype == 9:
            errors = _FormErrors()
            errors.max_len(["data", "custom_id"], data.get("custom_id"), 100, 1)
            errors.max_len(["data", "title"], data.get("title"), 45, 1)
            if not 1 <= len(data.get("components") or []) <= 5:
                errors.add(
                    ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
                )
            errors.raise_if_any()
        it.callback_type = ctype
        mid = message.id if message else None
        it.replies.append(Reply(it.id, "callback", ctype, after, data, req.files, mid))
        if req.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        out: dict[str, Any] = {
            "interaction": {
                "id": str(it.id),
                "type": it.type,
                "response_message_id": str(mid) if mid else None,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            }
        }
        if message is not None and ctype in (4, 5, 7):
            out["resource"] = {"type": ctype, "message": self._message_payload(message)}
        return 200, out

    def _reply(self, it: FakeInteraction, kind: str, data: dict, files: list, mid: int | None) -> None:
        it.replies.append(Reply(it.id, kind, None, time.monotonic() - it.dispatched_at, data, files, mid))

    async def _r_followup(self, req: _Req) -> tuple[int, Any]:
        it = self._interaction_by_token(req.params["application_id"], req.params["token"])
        if not it.acknowledged:
            raise _Refuse(404, 10015, "Unknown Webhook")
        p = req.body or {}
        self._check_message(p, req.files)
        original = self.messages.get(it.original_message_id or 0)
        if it.callback_type == 5 and original is not None and original.flags & LOADING:
            # Discord: the first follow-up after a deferred reply fills the "thinking" message (and keeps
            # the defer's ephemerality whatever the follow-up's flags say).
            self._apply_edit(original, {k: v for k, v in p.items() if k != "flags"}, req.files)
            msg = original
        else:
            msg = self._new_message(it.channel_id, p, req.files, via="followup", interaction_id=it.id)
            msg.flags &= EPHEMERAL | IS_COMPONENTS_V2 | 4 | 4096
        self._reply(it, "followup", p, req.files, msg.id)
        if req.query.get("wait") in ("1", "true", "True"):
            return 200, self._message_payload(msg)
        return 204, None

    def _original(self, req: _Req) -> tuple[FakeInteraction, SentMessage]:
        it = self._interaction_by_token(req.params["application_id"], req.params["token"])
        msg = self.messages.get(it.original_message_id or 0)
        if msg is None or msg.deleted:
            raise _Refuse(404, 10008, "Unknown Message")
        return it, msg

    async def _r_get_original(self, req: _Req) -> tuple[int, Any]:
        return 200, self._message_payload(self._original(req)[1])

    async def _r_edit_original(self, req: _Req) -> tuple[int, Any]:
        it, msg = self._original(req)
        self._apply_edit(msg, req.body or {}, req.files)
        self._reply(it, "edit_original", req.body or {}, req.files, msg.id)
        return 200, self._message_payload(msg)

    async def _r_del_original(self, req: _Req) -> tuple[int, Any]:
        it, msg = self._original(req)
        msg.deleted = True
        self._reply(it, "delete_original", {}, [], msg.id)
        return 204, None

    def _followup_message(self, req: _Req) -> tuple[FakeInteraction, SentMessage]:
        it = self._interaction_by_token(req.params["application_id"], req.params["token"])
        msg = self.messages.get(int(req.params["message_id"]))
        if msg is None or msg.deleted or msg.interaction_id != it.id:
            raise _Refuse(404, 10008, "Unknown Message")
        return it, msg

    async def _r_get_followup(self, req: _Req) -> tuple[int, Any]:
        return 200, self._message_payload(self._followup_message(req)[1])

    async def _r_edit_followup(self, req: _Req) -> tuple[int, Any]:
        it, msg = self._followup_message(req)
        self._apply_edit(msg, req.body or {}, req.files)
        self._reply(it, "edit_followup", req.body or {}, req.files, msg.id)
        return 200, self._message_payload(msg)

    # application commands

    def _command_scope(self, req: _Req) -> int | None:
        if int(req.params["application_id"]) != self.application_id:
            raise _Refuse(403, 50001, "Missing Access")
        if "guild_id" not in req.params:
            return None
        gid = int(req.params["guild_id"])
        if gid not in self.guilds:
            raise _Refuse(403, 50001, "Missing Access")
        return gid

    async def _r_get_commands(self, req: _Req) -> tuple[int, Any]:
        return 200, self.commands.get(self._command_scope(req), [])

    async def _r_put_commands(self, req: _Req) -> tuple[int, Any]:
        scope = self._command_scope(req)
        body = req.body if isinstance(req.body, list) else []
        errors = _FormErrors()
        if len(body) > 100:
            errors.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        seen = set()
        for i, c in enumerate(body):
            ctype = c.get("type", 1)
            name = c.get("name") or ""
            if ctype == 1 and (not COMMAND_NAME.match(name) or name != name.lower()):
                errors.add([i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if ctype == 1:
                errors.max_len([i, "description"], c.get("description"), 100, 1)
            if len(c.get("options") or []) > 25:
                errors.add([i, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if (ctype, name) in seen:
                errors.add(
                    [i, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            seen.add((ctype, name))
        errors.raise_if_any()
        old = {(c["type"], c["name"]): c["id"] for c in self.commands.get(scope, [])}
        registered = []
        for c in body:
            ctype = c.get("type", 1)
            out = {
                "id": old.get((ctype, c["name"])) or str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
                "type": ctype,
                "name": c["name"],
                "description": c.get("description", ""),
                "options": c.get("options") or [],
                "default_member_permissions": c.get("default_member_permissions"),
                "nsfw": bool(c.get("nsfw")),
                "name_localizations": c.get("name_localizations"),
                "description_localizations": c.get("description_localizations"),
                "contexts": c.get("contexts"),
                "integration_types": c.get("integration_types") or [0],
            }
            if scope is not None:
                out["guild_id"] = str(scope)
            registered.append(out)
        self.commands[scope] = registered
        return 200, registered

    # gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._websockets.add(ws)
        session: GatewaySession | None = None
        try:
            if request.query.get("encoding", "json") != "json":
                await self._close(ws, 4002, "the fake speaks encoding=json only")
                return ws
            await ws.send_str(
                json.dumps(
                    {"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
                )
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    await self._close(ws, 4002, "Decode error")
                    break
                try:
                    frame = json.loads(msg.data)
                    op, d = frame["op"], frame.get("d")
                except (json.JSONDecodeError, KeyError, TypeError):
                    await self._close(ws, 4002, "Decode error")
                    break
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "s": None, "t": None, "d": None}))
                elif op == 2:
                    if session is not None:
                        await self._close(ws, 4005, "Already authenticated.")
                        break
                    session = await self._identify(ws, d or {})
                    if session is None:
                        break
                elif op == 6:
                    if session is not None:
                        await self._close(ws, 4005, "Already authenticated.")
                        break
                    session = await self._resume(ws, d or {})
                    if session is None and ws.closed:
                        break
                elif session is None:
                    await self._close(ws, 4003, "Not authenticated.")
                    break
                elif op == 3:
                    self.presences.append({"shard": session.shard_id, **(d or {})})
                elif op == 8:
                    await self._members_chunk(session, d or {})
                elif op in (4, 31):
                    pass  # voice state / soundboard requests: accepted, ignored
                else:
                    await self._close(ws, 4001, "Unknown opcode.")
                    break
        finally:
            self._websockets.discard(ws)
            self.client_closes.append(ws.close_code)
            if session is not None and session.ws is ws:
                session.ws = None
                if ws.close_code in (1000, 1001):
                    self.sessions.pop(session.id, None)  # a clean close ends the session: no RESUME
                # Otherwise it stays resumable, as on Discord. (discord.py's Client.close() asks for 1000, but
                # aiohttp's close() first wakes the pending receive(), whose handler closes with 4000.)
        return ws

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.gateway_closes.append(code)
        await ws.close(code=code, message=reason.encode())

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> GatewaySession | None:
        self.identifies.append({**d, "token": "<ok>" if d.get("token") == self.token else "<wrong>"})
        if d.get("token") != self.token:
            await self._close(ws, 4004, "Authentication failed.")
            return None
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            await self._close(ws, 4013, "Invalid intent(s).")
            return None
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged:
            await self._close(ws, 4014, "Disallowed intent(s).")
            return None
        shard = d.get("shard")
        if shard is not None:
            if (
                not isinstance(shard, list)
                or len(shard) != 2
                or not all(isinstance(x, int) for x in shard)
                or not 0 <= shard[0] < shard[1]
            ):
                await self._close(ws, 4010, "Invalid shard.")
                return None
            shard = (shard[0], shard[1])
        session = GatewaySession(secrets.token_hex(16), shard, intents, ws=ws)
        self.sessions[session.id] = session
        guilds = [g for g in self.guilds.values() if g.shard_id(session.shard_count) == session.shard_id]
        ready = {
            "v": 10,
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "_trace": ["fake-discord"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await session.send_dispatch("READY", ready)
        for g in guilds:
            self.guild_creates.append((session.shard_id, g.id))
            await session.send_dispatch("GUILD_CREATE", self._guild_payload(g, intents))
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: dict) -> GatewaySession | None:
        if d.get("token") != self.token:
            await self._close(ws, 4004, "Authentication failed.")
            return None
        session = self.sessions.get(d.get("session_id") or "")
        seq = d.get("seq") or 0
        if session is None or seq > session.seq:
            await ws.send_str(json.dumps({"op": 9, "s": None, "t": None, "d": False}))
            return None
        if session.live:  # the old connection has not noticed it is gone: the resumed one replaces it
            old, session.ws = session.ws, None
            with contextlib.suppress(Exception):
                await old.close(code=4009, message=b"Session replaced by a RESUME.")
        async with session.lock:
            session.ws = ws
            session.resumes += 1
            for s, frame in session.events:
                if s > seq:
                    await ws.send_str(frame)
        await session.send_dispatch("RESUMED", {"_trace": ["fake-discord"]})
        return session

    async def _members_chunk(self, session: GatewaySession, d: dict) -> None:
        guild = self.guilds.get(int(d.get("guild_id") or 0))
        if guild is None:
            return
        ids = [int(u) for u in d.get("user_ids") or []] or list(guild.members)
        query = (d.get("query") or "").lower()
        members = [
            self._member_payload(guild, uid)
            for uid in ids
            if uid in guild.members and self.user(uid).name.lower().startswith(query)
        ]
        chunk = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": d.get("nonce"),
        }
        await session.send_dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def reconnect(self) -> None:
        """Ask every live session to reconnect (op 7), as Discord does; discord.py then RESUMEs."""
        for s in self.sessions.values():
            if s.live:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await s.ws.send_str(json.dumps({"op": 7, "s": None, "t": None, "d": None}))

    def connected_shards(self) -> list[int]:
        return sorted(s.shard_id for s in self.sessions.values() if s.live)

    async def _dispatch(
        self,
        event: str,
        data_for: Callable[[GatewaySession], dict | None],
        *,
        guild_id: int | None,
        intent: int = 0,
        required: bool = True,
    ) -> int:
        """Send an event to every session of the shard that owns `guild_id` (shard 0 for DMs) whose
        intents include `intent`. Sessions that are disconnected but resumable get it on RESUME."""
        sessions = [
            s
            for s in self.sessions.values()
            if s.shard_id == (0 if guild_id is None else (guild_id >> 22) % s.shard_count)
        ]
        if not sessions and required:
            where = f"guild {guild_id}" if guild_id else "DMs (shard 0)"
            raise RuntimeError(
                f"no gateway session would receive {event} for {where}: is a client connected?"
            )
        sent = 0
        for s in sessions:
            if intent and not s.intents & intent:
                continue
            data = data_for(s)
            if data is not None:
                await s.send_dispatch(event, data)
                sent += 1
        return sent

    # playing the users

    def _place(
        self, user_id: int, channel_id: int | None, guild_id: int | None
    ) -> tuple[FakeChannel, FakeGuild | None]:
        """Where a user acts: a guild channel (checked: exists, the user is a member) or their DM."""
        self.user(user_id)
        if channel_id is not None and guild_id is None:
            channel = self.channel(channel_id)
            if channel is None:
                raise ValueError(f"no channel {channel_id}")
            guild_id = channel.guild_id
        if guild_id is None:
            return self.dm_channel(user_id), None
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise ValueError(f"the bot is in no guild {guild_id}")
        if user_id not in guild.members:
            raise ValueError(f"user {user_id} is not a member of guild {guild_id} (add them in add_guild)")
        channel = guild.channels.get(channel_id) if channel_id else guild.default_channel
        if channel is None or channel.deleted:
            raise ValueError(f"guild {guild_id} has no channel {channel_id}")
        return channel, guild

    async def user_says(
        self,
        user_id: int,
        text: str,
        channel_id: int | None = None,
        guild_id: int | None = None,
        mentions_bot: bool = False,
        reply_to: int | None = None,
    ) -> int:
        """A MESSAGE_CREATE from this user (a DM when no guild/channel is given); returns the message id.
        Like Discord: no event when the bot cannot see the channel, and without the MESSAGE_CONTENT intent
        guild messages arrive with empty content unless they mention the bot."""
        channel, guild = self._place(user_id, channel_id, guild_id)
        bot_mention = f"<@{self.bot.id}>"
        if mentions_bot and bot_mention not in text and f"<@!{self.bot.id}>" not in text:
            text = f"{bot_mention} {text}"
        mentioned = [int(m) for m in re.findall(r"<@!?(\d+)>", text)]
        mentions = []
        for uid in dict.fromkeys(mentioned):
            if uid in self.users:
                u = self.users[uid].payload()
                if guild is not None and uid in guild.members:
                    u["member"] = self._member_payload(guild, uid, with_user=False)
                mentions.append(u)
        mid = self.snowflake()
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": self.user(user_id).payload(),
            "content": text,
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if guild is not None:
            msg["guild_id"] = str(guild.id)
            msg["member"] = self._member_payload(guild, user_id, with_user=False)
        if reply_to is not None:
            ref = self.messages.get(reply_to)
            if ref is None:
                raise ValueError(f"the bot sent no message {reply_to}")
            msg["type"] = 19
            msg["message_reference"] = {
                "message_id": str(reply_to),
                "channel_id": str(ref.channel_id),
                **({"guild_id": str(guild.id)} if guild else {}),
            }
            msg["referenced_message"] = self._message_payload(ref)
            if self.bot.id not in mentioned:
                mentions.append(self.bot.payload())
        self.user_messages[mid] = msg
        channel.last_message_id = mid
        if guild is not None and not guild.permissions_in(self.bot.id, channel) & VIEW_CHANNEL:
            return mid
        to_bot = any(int(m["id"]) == self.bot.id for m in mentions)

        def for_session(s: GatewaySession) -> dict:
            if guild is None or s.intents & MESSAGE_CONTENT or to_bot:
                return msg
            return {**msg, "content": "", "embeds": [], "attachments": [], "components": []}

        intent = DIRECT_MESSAGES if guild is None else GUILD_MESSAGES
        await self._dispatch(
            "MESSAGE_CREATE", for_session, guild_id=guild.id if guild else None, intent=intent
        )
        return mid

    def _interaction_base(
        self,
        itype: int,
        user_id: int,
        data: dict,
        channel: FakeChannel,
        guild: FakeGuild | None,
        locale: str,
        member_permissions: int | None,
    ) -> tuple[FakeInteraction, dict]:
        it = FakeInteraction(
            self.snowflake(),
            f"aW50ZXJhY3Rpb24{secrets.token_urlsafe(48)}",
            itype,
            user_id,
            channel.id,
            guild.id if guild else None,
            data,
            0.0,
        )
        payload: dict[str, Any] = {
            "id": str(it.id),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": it.token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.upload_limit,
            "channel_id": str(channel.id),
            "channel": {**self._channel_payload(channel)},
        }
        if guild is not None:
            perms = (
                guild.permissions_in(user_id, channel) if member_permissions is None else member_permissions
            )
            payload.update(
                guild_id=str(guild.id),
                guild_locale=guild.locale,
                guild={"id": str(guild.id), "locale": guild.locale, "features": []},
                app_permissions=str(guild.permissions_in(self.bot.id, channel)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
                member={**self._member_payload(guild, user_id), "permissions": str(perms)},
            )
            payload["channel"]["permissions"] = str(perms)
        else:
            payload.update(
                app_permissions=str(DM_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
                user=self.user(user_id).payload(),
            )
        self.interactions[it.id] = it
        return it, payload

    async def _send_interaction(self, it: FakeInteraction, payload: dict) -> FakeInteraction:
        it.dispatched_at, it.payload = time.monotonic(), payload
        await self._dispatch("INTERACTION_CREATE", lambda s: payload, guild_id=it.guild_id)
        return it

    async def redeliver(self, it: FakeInteraction) -> None:
        """The same INTERACTION_CREATE again (same id and token), as a second gateway session for the
        same shard (a deploy running two copies) or a replayed event would deliver it."""
        assert it.payload is not None, "only a dispatched interaction can be delivered again"
        await self._dispatch("INTERACTION_CREATE", lambda s: it.payload, guild_id=it.guild_id)

    def _registered(self, name: str, guild_id: int | None) -> dict | None:
        for scope in (guild_id, None) if guild_id else (None,):
            for c in self.commands.get(scope, []):
                if c["name"] == name and c.get("type", 1) == 1:
                    return c
        return None

    @staticmethod
    def _option_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        return 3

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any] | list[dict] | None,
        guild: FakeGuild | None,
        focused: str | None = None,
    ) -> tuple[dict, dict]:
        """The `data` of a chat-input interaction: "study start" is command `study`, subcommand `start`.
        Option types come from the synced command when there is one, else from the Python values."""
        words = name.split()
        registered = self._registered(words[0], guild.id if guild else None)
        if registered is None and self.require_registered_commands:
            raise ValueError(f"/{words[0]} is not registered with the fake (sync the command tree first)")
        spec = (registered or {}).get("options") or []
        resolved: dict[str, dict] = {}
        leaf_options: list[dict] = []
        if isinstance(options, list):
            leaf_options = options
        else:
            for key, value in (options or {}).items():
                want = next((o for o in self._leaf_spec(spec, words[1:]) if o["name"] == key), None)
                otype = want["type"] if want else self._option_type(value)
                if otype in (6, 7, 8, 9):
                    value = str(value)
                    self._resolve(resolved, otype, int(value), guild)
                opt = {"name": key, "type": otype, "value": value}
                if key == focused:
                    opt["focused"] = True
                leaf_options.append(opt)
        if focused is not None and not any(o.get("focused") for o in leaf_options):
            leaf_options.append({"name": focused, "type": 3, "value": "", "focused": True})
        nested = leaf_options
        for depth, word in reversed(list(enumerate(words[1:], start=1))):
            nested = [{"name": word, "type": 2 if depth < len(words) - 1 else 1, "options": nested}]
        data: dict[str, Any] = {
            "id": registered["id"] if registered else str(int(_bucket_hash(words[0]), 16) >> 4),
            "name": words[0],
            "type": 1,
        }
        if nested:
            data["options"] = nested
        if resolved:
            data["resolved"] = resolved
        if registered and registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        return data, registered or {}

    @staticmethod
    def _leaf_spec(spec: list[dict], path: list[str]) -> list[dict]:
        for word in path:
            spec = next((o.get("options") or [] for o in spec if o["name"] == word), [])
        return spec

    def _resolve(self, resolved: dict, otype: int, oid: int, guild: FakeGuild | None) -> None:
        if otype in (6, 9) and oid in self.users:
            resolved.setdefault("users", {})[str(oid)] = self.users[oid].payload()
            if guild is not None and oid in guild.members:
                m = self._member_payload(guild, oid, with_user=False)
                m["permissions"] = str(guild.base_permissions(oid))
                resolved.setdefault("members", {})[str(oid)] = m
        if otype in (8, 9) and guild is not None and oid in guild.roles:
            resolved.setdefault("roles", {})[str(oid)] = guild.roles[oid].payload()
        if otype == 7:
            channel = self.channel(oid)
            if channel is not None:
                c = self._channel_payload(channel)
                if guild is not None:
                    c["permissions"] = str(guild.permissions_in(self.bot.id, channel))
                resolved.setdefault("channels", {})[str(oid)] = c

    async def slash(
        self,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | list[dict] | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
        member_permissions: int | None = None,
    ) -> FakeInteraction:
        """The user runs /name (INTERACTION_CREATE type 2); the returned record has .id and .token."""
        channel, guild = self._place(user_id, channel_id, guild_id)
        data, _ = self._command_data(name, options, guild)
        it, payload = self._interaction_base(2, user_id, data, channel, guild, locale, member_permissions)
        return await self._send_interaction(it, payload)

    async def autocomplete(
        self,
        user_id: int,
        name: str,
        focused: str,
        value: str = "",
        options: Mapping[str, Any] | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """The user is typing `value` into option `focused` of /name (INTERACTION_CREATE type 4)."""
        channel, guild = self._place(user_id, channel_id, guild_id)
        data, _ = self._command_data(name, {**(options or {}), focused: value}, guild, focused=focused)
        it, payload = self._interaction_base(4, user_id, data, channel, guild, locale, None)
        return await self._send_interaction(it, payload)

    async def click(
        self,
        user_id: int,
        custom_id: str,
        message_id: int,
        values: list[str] | None = None,
        locale: str = "en-US",
        member_permissions: int | None = None,
    ) -> FakeInteraction:
        """The user presses a button (or picks `values` in a select) on a message the bot sent
        (INTERACTION_CREATE type 3). Refused, like Discord's client would, if no enabled component with
        that custom_id is on the message."""
        msg = self.messages.get(message_id)
        if msg is None or msg.deleted:
            raise ValueError(f"the bot sent no message {message_id}")
        component = next((c for c in _walk(msg.components) if c.get("custom_id") == custom_id), None)
        if component is None:
            raise ValueError(
                f"message {message_id} has no component {custom_id!r}; it has {msg.custom_ids()}"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: a user cannot use it")
        channel = self.channel(msg.channel_id)
        guild = self.guilds.get(channel.guild_id) if channel and channel.guild_id else None
        if guild is not None and user_id not in guild.members:
            raise ValueError(f"user {user_id} is not a member of guild {guild.id}")
        if channel.is_dm and channel.recipient_id != user_id:
            raise ValueError(f"user {user_id} cannot see DM channel {channel.id}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component.get("type", 2)}
        if component.get("type") in SELECT_TYPES:
            data["values"] = list(values or [])
        it, payload = self._interaction_base(3, user_id, data, channel, guild, locale, member_permissions)
        it.message_id = msg.id
        payload["message"] = self._message_payload(msg)
        return await self._send_interaction(it, payload)

    async def submit_modal(
        self,
        user_id: int,
        custom_id: str,
        values: Mapping[str, str],
        locale: str = "en-US",
    ) -> FakeInteraction:
        """The user submits a modal the bot showed them (INTERACTION_CREATE type 5)."""
        shown = [
            (it, r)
            for it in self.interactions.values()
            for r in it.replies
            if it.user_id == user_id and r.type == 9 and r.data.get("custom_id") == custom_id
        ]
        if not shown:
            raise ValueError(f"the bot showed user {user_id} no modal {custom_id!r}")
        origin, reply = shown[-1]

        def filled(components: list[dict]) -> list[dict]:
            out = []
            for c in components:
                if c.get("type") == 1:
                    out.append({"type": 1, "components": filled(c.get("components") or [])})
                elif c.get("type") == 18:
                    out.append({"type": 18, "component": filled([c["component"]])[0]})
                elif c.get("type") == 4:
                    out.append(
                        {"type": 4, "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")}
                    )
                elif "custom_id" in c:
                    out.append(
                        {
                            "type": c["type"],
                            "custom_id": c["custom_id"],
                            "values": list(values.get(c["custom_id"], [])),
                        }
                    )
            return out

        channel = self.channel(origin.channel_id)
        guild = self.guilds.get(origin.guild_id) if origin.guild_id else None
        data = {"custom_id": custom_id, "components": filled(reply.data.get("components") or [])}
        it, payload = self._interaction_base(5, user_id, data, channel, guild, locale, None)
        if origin.message_id and origin.message_id in self.messages:
            it.message_id = origin.message_id
            payload["message"] = self._message_payload(self.messages[origin.message_id])
        return await self._send_interaction(it, payload)

    # what tests read

    def sent_to(self, channel_id: int) -> list[SentMessage]:
        """The bot's messages in this channel, in order, by any route (interaction replies included)."""
        return [m for m in self.messages.values() if m.channel_id == channel_id and not m.deleted]

    def sent_to_user(self, user_id: int) -> list[SentMessage]:
        channel = self.dm_channels.get(user_id)
        return self.sent_to(channel.id) if channel else []

    def interaction_replies(self, interaction_id: int) -> list[Reply]:
        return list(self.interactions[interaction_id].replies)

    def calls_to(self, route: str) -> list[RestCall]:
        """Requests to a route key such as "POST /channels/{channel_id}/messages"."""
        return [c for c in self.requests if c.route == route]

    async def wait_for(self, check: Callable[[], object], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            await asyncio.sleep(0.01)
        return bool(check())


# pointing discord.py at the fake


# A ready-made world for tests: one study server where ALICE moderates (Manage Server) and BOB is a
# member; GUILD's id puts it on shard 1 of 2, OTHER_GUILD's on shard 0.
ALICE = 1_160_000_000_000_000_011
BOB = 1_160_000_000_000_000_022
GUILD = (1_160_000_000_000_000_100 >> 22 | 1) << 22
OTHER_GUILD = (1_160_000_000_000_000_200 >> 22 & ~1) << 22
GENERAL, QUIET = 1_160_000_000_000_000_301, 1_160_000_000_000_000_302
MODS = 1_160_000_000_000_000_401


def study_server(**options: Any) -> FakeDiscord:
    fake = FakeDiscord(**options)
    fake.add_guild(
        GUILD,
        "ML study",
        channels={GENERAL: "general", QUIET: "quiet"},
        roles=[FakeRole(MODS, "mods", MANAGE_GUILD, position=2)],
        members={ALICE: [MODS], BOB: []},
    )
    return fake


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py's REST base and default gateway at the (started) fake; restore them afterwards."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    if not fake.port:
        raise RuntimeError("start the fake first")
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.rest_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


@contextlib.asynccontextmanager
async def connected(
    client: Any, fake: FakeDiscord, *, token: str | None = None, timeout: float = 5.0
) -> AsyncIterator[Any]:
    """Run `client.start(token or fake.token)` until READY; close the client (and await it) on the way
    out. Errors from start() (e.g. LoginFailure for a wrong token) are raised here."""
    task = asyncio.create_task(client.start(token or fake.token), name="fake-discord-client")
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what start() raised
            raise RuntimeError("client.start() returned before READY")
        if ready not in done:
            raise TimeoutError(f"no READY within {timeout}s (fake refused: {fake.refused[-3:]})")
        yield client
    finally:
        ready.cancel()
        await client.close()
        if not task.done():
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=5.0)
        elif not task.cancelled():
            task.exception()  # retrieved (and raised above when it ended first), so never "never retrieved"

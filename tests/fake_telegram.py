"""An in-process fake of the Telegram Bot API on loopback, for the real python-telegram-bot to talk to.

It checks what Telegram checks (HTML entities, message length, buttons pressed only where they are,
callback queries answered once), refuses like Telegram refuses (403 for blocked users and for those
who never started a private chat with the bot, `never_started`; 400 for bad HTML or an edit of a
missing message, 429 with retry_after above its rates: overall per second, and a leaky bucket per
private chat and per group), can fail on purpose (`fail_next`: 5xx replies or a
dropped connection), and lets a test play the users: `fake.user_says(42, "/start")`,
`fake.press(42, "step:done:x")` (presses the newest message in the chat showing that button).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

from aiohttp import web

BOT = {
    "id": 999,
    "is_bot": True,
    "first_name": "Study Buddy",
    "username": "StudyBuddyBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "a",
    "span",
    "tg-spoiler",
    "blockquote",
}


class _Entities(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        if tag not in TELEGRAM_TAGS:
            self.error = self.error or f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        if not self.stack or self.stack.pop() != tag:
            self.error = self.error or f'can\'t find end tag corresponding to start tag "{tag}"'

    def handle_data(self, data):  # noqa: ANN001, ANN201
        self.text.append(data)


def parse_html(text: str) -> tuple[str, str | None]:
    """The visible text, and Telegram's complaint if the HTML is not valid for it."""
    p = _Entities()
    p.feed(text)
    p.close()
    if p.stack and not p.error:
        p.error = f'can\'t find end tag corresponding to start tag "{p.stack[-1]}"'
    if "<" in "".join(p.text) and text.count("<") != text.count(">"):
        p.error = p.error or "unexpected end of name token"
    return "".join(p.text), p.error


@dataclass
class Sent:
    chat_id: int
    text: str
    reply_markup: dict | None = None
    document: str | None = None
    photo: bytes | None = None  # sendPhoto's image, as uploaded
    message_id: int = 0
    edits: int = 0  # times editMessageText changed it

    def callback_data(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b.get("callback_data", "") for row in rows for b in row]


class _Bucket:
    """A leaky bucket: `burst` messages at once, refilled at `rate` per second (Telegram's "about one
    message a second per chat, short bursts allowed"; "20 a minute per group")."""

    def __init__(self, burst: float, rate: float) -> None:
        self.burst, self.rate, self.level, self.at = burst, rate, 0.0, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self.at) * self.rate)
        self.at = now
        if self.level + 1 > self.burst:
            return False
        self.level += 1
        return True


@dataclass
class FakeTelegram:
    token: str = "123:TEST-TOKEN"
    global_rate: int = 30  # messages per second, as Telegram allows a bot
    chat_limit: tuple[float, float] = (5, 1.0)  # per private chat: (burst, messages per second)
    group_limit: tuple[float, float] = (21, 20 / 60)  # per group
    updates: list[dict] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: collections.Counter = field(default_factory=collections.Counter)
    order: list[str] = field(default_factory=list)  # every method called, in order
    blocked: set[int] = field(default_factory=set)  # users who blocked the bot
    # users who never pressed Start in a private chat with the bot: Telegram refuses to message them
    # first (403) until they write to it there (user_says in their private chat takes them off)
    never_started: set[int] = field(default_factory=set)
    gone: set[int] = field(default_factory=set)  # chats that no longer exist ("chat not found")
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat id -> admin user ids
    names: dict[int, str] = field(default_factory=dict)  # user id -> first name (default u<id>)
    commands: dict[str, list] = field(default_factory=dict)  # language code -> commands
    answered: dict[str, float] = field(default_factory=dict)  # query id -> seconds it took
    pressed: dict[str, float] = field(default_factory=dict)  # query id -> when the update was queued
    alerts: dict[str, tuple[str, bool]] = field(default_factory=dict)  # query id -> (text, show_alert)
    refused: list[str] = field(default_factory=list)  # every 4xx the fake returned
    webhook: dict | None = None

    def __post_init__(self) -> None:
        self._next_update = 1
        self._next_message = 1
        self._new = asyncio.Event()
        self._window: collections.deque[float] = collections.deque()
        self._buckets: dict[int, _Bucket] = {}
        self._failures: dict[str, list[int]] = {}
        self._descriptions: dict[str, list[str]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # server

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        self._new.set()
        if self._runner:
            await self._runner.cleanup()

    @staticmethod
    def _ok(result: object) -> web.Response:
        return web.Response(text=json.dumps({"ok": True, "result": result}), content_type="application/json")

    def _error(self, code: int, description: str, **parameters: object) -> web.Response:
        self.refused.append(f"{code} {description}")
        body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.Response(text=json.dumps(body), status=code, content_type="application/json")

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        out: dict = {}
        for key, value in form.items():
            if hasattr(value, "file"):
                data = value.file.read()
                out.setdefault("_files", {})[key] = (value.filename, data)
                out[key] = data.decode("utf-8", "replace")
                continue
            try:
                out[key] = json.loads(value) if value[:1] in "[{" or value in ("true", "false") else value
            except (json.JSONDecodeError, TypeError):
                out[key] = value
        return out

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        self.calls[method] += 1
        self.order.append(method)
        failures = self._failures.get(method)
        if failures:
            status = failures.pop(0)
            if status == 0:  # the connection drops mid-request
                request.transport.close()
                raise ConnectionResetError("dropped by the fake")
            description = self._descriptions[method].pop(0).format(path=request.path)
            if 400 <= status < 500:
                self.refused.append(f"{status} {description}")
            if not description.startswith("<"):
                body = {"ok": False, "error_code": status, "description": description}
                return web.json_response(body, status=status)
            return web.Response(text=description, status=status, content_type="text/html")  # a proxy's page
        p = await self._params(request)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, f"Not Found: method {method} is not faked")
        return await handler(p)

    # methods

    async def _m_getMe(self, p: dict) -> web.Response:  # noqa: N802
        return self._ok(BOT)

    async def _m_deleteWebhook(self, p: dict) -> web.Response:  # noqa: N802
        self.webhook = None
        return self._ok(True)

    async def _m_setWebhook(self, p: dict) -> web.Response:  # noqa: N802
        self.webhook = p
        return self._ok(True)

    async def _m_setMyCommands(self, p: dict) -> web.Response:  # noqa: N802
        self.commands[p.get("language_code", "")] = p["commands"]
        return self._ok(True)

    async def _m_getUpdates(self, p: dict) -> web.Response:  # noqa: N802
        offset = int(p.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        timeout = float(p.get("timeout") or 0)
        if not self.updates and timeout:
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), min(timeout, 1.0))
        return self._ok(self.updates[:100])

    def fail_next(self, method: str, *statuses: int, description: str = "Bad Gateway") -> None:
        """The next calls of `method` fail: with these HTTP statuses, or 0 for a dropped connection.
        `description` is the error's text, "{path}" replaced by the request's path (which holds the
        token, as a proxy in front of the Bot API may repeat it); one starting with "<" is sent as an
        HTML page instead of the Bot API's JSON."""
        self._failures.setdefault(method, []).extend(statuses)
        self._descriptions.setdefault(method, []).extend(description for s in statuses if s != 0)

    def _rate_limited(self, chat_id: int) -> bool:
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.global_rate:
            return True
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(*(self.chat_limit if chat_id > 0 else self.group_limit))
        if not bucket.take():
            return True
        self._window.append(now)
        return False

    def _check_text(self, p: dict) -> tuple[str, web.Response | None]:
        text = p.get("text", "")
        if p.get("parse_mode") == "HTML":
            visible, error = parse_html(text)
            if error:
                return "", self._error(400, f"Bad Request: can't parse entities: {error}")
        else:
            visible = text
        if not visible.strip():
            return "", self._error(400, "Bad Request: message text is empty")
        if len(visible.encode("utf-16-le")) // 2 > 4096:
            return "", self._error(400, "Bad Request: message is too long")
        markup = p.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return "", self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        return visible, None

    def _refuse(self, chat_id: int) -> web.Response | None:
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.never_started:
            return self._error(403, "Forbidden: bot can't initiate conversation with a user")
        if chat_id in self.gone:
            return self._error(400, "Bad Request: chat not found")
        if self._rate_limited(chat_id):
            return self._error(429, "Too Many Requests: retry after 1", retry_after=1)
        return None

    async def _m_sendMessage(self, p: dict) -> web.Response:  # noqa: N802
        chat_id = int(p["chat_id"])
        visible, error = self._check_text(p)
        if error is not None:
            return error
        refused = self._refuse(chat_id)
        if refused is not None:
            return refused
        return self._ok(self._record(Sent(chat_id, visible, p.get("reply_markup"))))

    async def _m_editMessageText(self, p: dict) -> web.Response:  # noqa: N802
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        visible, error = self._check_text(p)
        if error is not None:
            return error
        target = next((m for m in self.sent if (m.chat_id, m.message_id) == (chat_id, message_id)), None)
        if target is None:
            return self._error(400, "Bad Request: message to edit not found")
        if target.text == visible and target.reply_markup == p.get("reply_markup"):
            return self._error(400, "Bad Request: message is not modified")
        refused = self._refuse(chat_id)
        if refused is not None:
            return refused
        target.text, target.reply_markup, target.edits = visible, p.get("reply_markup"), target.edits + 1
        return self._ok(self._message(target))

    async def _m_sendDocument(self, p: dict) -> web.Response:  # noqa: N802
        chat_id = int(p["chat_id"])
        refused = self._refuse(chat_id)
        if refused is not None:
            return refused
        if not p.get("document"):
            return self._error(400, "Bad Request: there is no document in the request")
        return self._ok(self._record(Sent(chat_id, p.get("caption", ""), document=p.get("document"))))

    async def _m_sendPhoto(self, p: dict) -> web.Response:  # noqa: N802
        """Like Telegram: an uploaded JPEG or PNG of at most 10 MB, else IMAGE_PROCESS_FAILED."""
        chat_id = int(p["chat_id"])
        refused = self._refuse(chat_id)
        if refused is not None:
            return refused
        _, data = p.get("_files", {}).get("photo", ("", b""))
        if not data:
            return self._error(400, "Bad Request: there is no photo in the request")
        if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or len(data) > 10 * 2**20:
            return self._error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return self._ok(self._record(Sent(chat_id, p.get("caption", ""), photo=data)))

    async def _m_answerCallbackQuery(self, p: dict) -> web.Response:  # noqa: N802
        query = str(p["callback_query_id"])
        if query not in self.pressed or query in self.answered:
            return self._error(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text") or ""
        if len(text.encode("utf-16-le")) // 2 > 200:
            return self._error(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answered[query] = time.monotonic() - self.pressed[query]
        if text:
            self.alerts[query] = (text, p.get("show_alert") in (True, "true", "True"))
        return self._ok(True)

    def unanswered(self) -> list[str]:
        return [q for q in self.pressed if q not in self.answered]

    async def _m_getChatMember(self, p: dict) -> web.Response:  # noqa: N802
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        member = {
            "status": status,
            "user": {"id": user_id, "is_bot": False, "first_name": self.names.get(user_id, f"u{user_id}")},
        }
        if status == "administrator":
            member.update(
                {
                    k: False
                    for k in (
                        "can_be_edited",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "is_anonymous",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    )
                }
            )
        return self._ok(member)

    def _record(self, sent: Sent) -> dict:
        sent.message_id = self._next_message
        self._next_message += 1
        self.sent.append(sent)
        return self._message(sent)

    @staticmethod
    def _message(sent: Sent) -> dict:
        return {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "group"},
            "from": BOT,
            "text": sent.text,
        }

    # playing the users

    def _push(self, update: dict) -> None:
        update["update_id"] = self._next_update
        self._next_update += 1
        self.updates.append(update)
        self._new.set()

    def user_says(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        lang: str = "en",
        reply_to_bot: bool = False,
    ) -> None:
        chat_id = user_id if chat_id is None else chat_id
        if chat_id == user_id:  # writing to the bot privately starts the private chat
            self.never_started.discard(user_id)
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Study group"
        else:
            chat["first_name"] = self.names.get(user_id, f"u{user_id}")
        message = {
            "message_id": 10_000 + self._next_update,
            "date": int(time.time()),
            "chat": chat,
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": self.names.get(user_id, f"u{user_id}"),
                "language_code": lang,
            },
            "text": text,
        }
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        if "@StudyBuddyBot" in text:
            entities.append({"type": "mention", "offset": text.index("@StudyBuddyBot"), "length": 14})
        if entities:
            message["entities"] = entities
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": chat,
                "from": BOT,
                "text": "earlier",
            }
        self._push({"message": message})

    def press(
        self, user_id: int, data: str, chat_id: int | None = None, message_id: int | None = None
    ) -> str:
        """Press the button with this callback data on the newest message in the chat that shows it
        (or on `message_id`, which may be a stale message). A button nobody can see can't be pressed."""
        chat_id = user_id if chat_id is None else chat_id
        if message_id is None:
            showing = [m for m in self.sent if m.chat_id == chat_id and data in m.callback_data()]
            assert showing, f"no message in chat {chat_id} shows a button {data!r}"
            message = showing[-1]
        else:
            message = next(m for m in self.sent if (m.chat_id, m.message_id) == (chat_id, message_id))
        query_id = f"q{self._next_update}"
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        self.pressed[query_id] = time.monotonic()
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "chat_instance": "ci",
                    "data": data,
                    "from": {
                        "id": user_id,
                        "is_bot": False,
                        "first_name": self.names.get(user_id, f"u{user_id}"),
                        "language_code": "en",
                    },
                    "message": {**self._message(message), "chat": chat},
                }
            }
        )
        return query_id

    def last_with_buttons(self, chat_id: int) -> Sent:
        return [m for m in self.sent if m.chat_id == chat_id and m.reply_markup][-1]

    def texts_to(self, chat_id: int) -> list[str]:
        return [s.text for s in self.sent if s.chat_id == chat_id]

    async def wait_for(self, check, timeout: float = 10.0) -> bool:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            await asyncio.sleep(0.02)
        return False

"""Telegram, through python-telegram-bot: updates in as neutral events, replies out as HTML.

Long polling by default, a webhook when configured. Every reply goes through telegram_render (the one
place where text for Telegram is escaped). Send failures are mapped for the reminder service:
blocked / chat not found -> ChatBlocked (not retried), RetryAfter / network errors -> RetryLater.

- Each event carries the update's id (`Event.event_id`), so a re-sent update is handled once
  (handlers.core.middleware.drop_repeats), across restarts and processes.
- A request the network dropped (a refused or dropped connection, a 5xx) is tried again with backoff:
  for up to `reply_retry.total` seconds for the answer to a learner's message (they are waiting for
  it), briefly for other sends (the reminder service retries later on its own). A timeout is never
  retried: the message may have gone. A reply given up is logged with the update id and counted.
- A button press is answered once its handler has run (within PRESS_ANSWER_WITHIN at the latest): with
  an alert only the presser sees when the first reply is `Reply.alert` (a group quiz's feedback).
- A reply for the sender alone (`Reply.privately`) to a group event goes to their private chat (its
  chat id is the user's id) and the group gets a short note; when Telegram refuses (403: they never
  pressed Start in a private chat with the bot, or blocked it), the group gets the explanation instead.
- Start-up failures (getMe, setting the webhook) raise StartFailed with the token masked; a rejected
  token is permanent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, TypeHandler

from bot.adapters.base import Adapter, ChatBlocked, CommandMenu, Dispatch, RetryLater, StartFailed
from bot.adapters.telegram_rate import ChatRateLimiter, SendLimits
from bot.adapters.telegram_render import keyboard, render, render_alert
from bot.backoff import Backoff
from handlers.core.markup import Doc, Link, Para
from handlers.core.router import parse_line
from handlers.core.types import ChatRef, Command, Event, Message, Press, Reply, UserRef

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry request URLs: the token

ADMIN_CACHE_SECONDS = 300
# Retrying a request that never got through: the answer to a learner's message for up to 30 s (a short
# outage, a restarting proxy), other sends (reminders, admin notices) for a few seconds only.
REPLY_RETRY = Backoff(first=0.5, cap=8.0, total=30.0)
SEND_RETRY = Backoff(first=0.5, cap=2.0, total=4.0)
CHECK = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL")  # the settings a failed start names
PRESS_ANSWER_WITHIN = 2.0  # seconds: a press is answered (its button stops spinning) by then at the latest


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # the public URL Telegram posts to
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = ""


class TelegramAdapter(Adapter):
    name = "telegram"
    platform = "telegram"

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        webhook: WebhookConfig | None = None,
        poll_timeout: int = 10,
        limits: SendLimits | None = None,
        reply_retry: Backoff = REPLY_RETRY,
        send_retry: Backoff = SEND_RETRY,
    ) -> None:
        self._token, self.base_url, self.webhook, self.poll_timeout = token, base_url, webhook, poll_timeout
        self.limits = limits or SendLimits()
        self.reply_retry, self.send_retry = reply_retry, send_retry
        self._admins: dict[tuple[int, int], tuple[float, bool]] = {}
        self._dispatch: Dispatch | None = None
        self.app: Application | None = None
        self._step = "getMe"  # what start() was doing, for its error

    # lifecycle

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        file_url = (
            self.base_url[: -len("/bot")] + "/file/bot" if self.base_url.endswith("/bot") else self.base_url
        )
        self.app = (
            Application.builder()
            .token(self._token)
            .base_url(self.base_url)
            .base_file_url(file_url)
            .rate_limiter(ChatRateLimiter(self.limits))
            .concurrent_updates(True)
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        try:
            await self._connect()
        except BaseException as exc:
            await self.stop()
            if isinstance(exc, TelegramError | OSError):
                raise self._start_failed(exc) from None
            raise
        log.info("Telegram: @%s, %s", self.app.bot.username, "webhook" if self.webhook else "long polling")

    async def _connect(self) -> None:
        self._step = "getMe"
        await self.app.initialize()
        await self.app.start()
        if self.webhook is not None:
            self._step = "setWebhook"
            await self.app.updater.start_webhook(
                listen=self.webhook.listen,
                port=self.webhook.port,
                url_path=urlsplit(self.webhook.url).path.strip("/"),  # as the proxy in front passes it on
                secret_token=self.webhook.secret or None,
                webhook_url=self.webhook.url,
            )
        else:
            self._step = "deleteWebhook"  # polling starts by removing any webhook
            await self.app.updater.start_polling(
                timeout=self.poll_timeout, drop_pending_updates=False, error_callback=self._polling_failed
            )

    def _start_failed(self, exc: TelegramError | OSError) -> StartFailed:
        """One line for the operator: what failed and why, the token masked (python-telegram-bot puts
        it in InvalidToken's text, and a proxy may repeat the request path), and what to check."""
        where = self._mask(self.base_url)
        if isinstance(exc, OSError):  # the webhook's own server could not listen
            hook = self.webhook
            return StartFailed(
                f"Telegram: cannot listen for the webhook on {hook.listen}:{hook.port} ({exc})",
                ("TELEGRAM_WEBHOOK_LISTEN", "TELEGRAM_WEBHOOK_PORT"),
            )
        why = self._mask(f"{type(exc).__name__}: {exc.message}")
        if isinstance(exc, InvalidToken):  # 401 or 404: a wrong token, or a wrong Bot API address
            return StartFailed(
                f"Telegram: {self._step} at {where} was refused, the bot token is not accepted ({why})",
                CHECK,
                permanent=True,
            )
        settings = CHECK if self.webhook is None else (*CHECK, "TELEGRAM_WEBHOOK_URL")
        return StartFailed(f"Telegram: {self._step} at {where} failed ({why})", settings)

    def _mask(self, text: str) -> str:
        return text.replace(self._token, "[secret]") if self._token else text

    async def stop_receiving(self) -> None:
        """No more updates (polling stops, the webhook server closes); sending still works."""
        if self.app is not None and self.app.updater and self.app.updater.running:
            await self.app.updater.stop()

    async def stop(self) -> None:
        if self.app is None:
            return
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.app.bot.shutdown()  # its HTTP clients, also when initialize() failed half-way
        self.app = None

    def healthy(self) -> bool:
        return (
            self.app is not None and self.app.running and bool(self.app.updater and self.app.updater.running)
        )

    async def publish_commands(self, menu: CommandMenu) -> None:
        """The command menu, in English (default) and Chinese."""
        from telegram import BotCommand

        for lang in ("en", "zh"):
            listed = [BotCommand(name, texts.get(lang) or texts["en"]) for name, texts in menu]
            await self.app.bot.set_my_commands(listed, language_code=None if lang == "en" else lang)

    # in

    def _polling_failed(self, exc: TelegramError) -> None:
        """python-telegram-bot retries getUpdates for ever, waiting up to 30 s between tries."""
        log.warning("Telegram: getting updates failed (%s); retrying", exc)

    async def _on_error(self, update: object, context) -> None:  # noqa: ANN001
        log.warning("Telegram update failed: %s", context.error)

    async def _is_admin(self, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        cached = self._admins.get(key)
        if cached and time.monotonic() - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        try:
            member = await self.app.bot.get_chat_member(chat_id, user_id)
            admin = member.status in ("administrator", "creator")
        except TelegramError as exc:
            log.info("could not check admin rights in %s: %s", chat_id, exc)
            admin = False
        self._admins[key] = (time.monotonic(), admin)
        return admin

    async def _event(self, update: Update) -> Event | None:
        bot = self.app.bot
        if update.callback_query is not None:
            q = update.callback_query
            chat = q.message.chat if q.message else None
            if chat is None or q.data is None:
                await self._answer_press(update)
                return None
            return Event(
                self._user(q.from_user),
                await self._chat(chat, q.from_user.id, admin_check=True),
                Press(q.data),
                event_id=str(update.update_id),
            )
        message = update.message
        if message is None or message.text is None or message.from_user is None:
            return None
        text = message.text
        what = parse_line(text)
        if isinstance(what, Command):
            target = text.split()[0].partition("@")[2]
            if target and target.lower() != (bot.username or "").lower():
                return None  # a command for another bot in the group
        mention = f"@{bot.username}".lower() in text.lower() if bot.username else False
        if mention and isinstance(what, Message):
            what = Message(text.replace(f"@{bot.username}", "").strip() or text)
        replied = bool(
            message.reply_to_message
            and message.reply_to_message.from_user
            and message.reply_to_message.from_user.id == bot.id
        )
        chat = await self._chat(message.chat, message.from_user.id, admin_check=isinstance(what, Command))
        return Event(
            self._user(message.from_user),
            chat,
            what,
            mentions_bot=mention,
            replies_to_bot=replied,
            event_id=str(update.update_id),
        )

    @staticmethod
    def _user(user) -> UserRef:  # noqa: ANN001
        return UserRef("telegram", str(user.id), user.full_name or "", user.language_code)

    async def _chat(self, chat, user_id: int, admin_check: bool) -> ChatRef:  # noqa: ANN001
        direct = chat.type == ChatType.PRIVATE
        admin = (not direct) and admin_check and await self._is_admin(chat.id, user_id)
        return ChatRef("telegram", str(chat.id), is_direct=direct, sender_is_admin=admin)

    async def _answer_press(self, update: Update, alert: str | None = None) -> None:
        """Answer a button press: the button stops spinning; `alert` shows the presser alone a short
        text over the chat (a group quiz's feedback)."""
        try:
            if alert is None:
                await update.callback_query.answer()
            else:
                await update.callback_query.answer(alert, show_alert=True)
        except TelegramError as exc:  # e.g. a re-sent update whose query was answered already
            log.info("Telegram: could not answer the press in update %s: %s", update.update_id, exc)

    async def _dispatch_press(self, update: Update, event: Event) -> list[Reply]:
        """Run a press's handler and answer the press with its alert, if its first reply is one. A
        handler that takes longer than PRESS_ANSWER_WITHIN has the press answered plainly first (the
        button must not spin), and an alert it gives then goes to the chat as a message."""
        work = asyncio.ensure_future(self._dispatch(event))
        done, _ = await asyncio.wait({work}, timeout=PRESS_ANSWER_WITHIN)
        if not done:
            await self._answer_press(update)
            return [replace(r, alert=False) for r in await work]
        replies = work.result()
        if replies and replies[0].alert:
            await self._answer_press(update, render_alert(replies[0]))
            return replies[1:]
        await self._answer_press(update)
        return replies

    async def _on_update(self, update: Update, context) -> None:  # noqa: ANN001
        event = await self._event(update)
        if event is None or self._dispatch is None:
            return
        if update.callback_query is not None:
            replies = await self._dispatch_press(update, event)
        else:
            replies = await self._dispatch(event)
        q = update.callback_query
        pressed = q.message.message_id if q is not None and q.message is not None else None
        started = time.monotonic()
        try:
            if not event.chat.is_direct and any(r.privately is not None for r in replies):
                replies = await self._privately(event, replies)
            await self.send(event.chat, replies, pressed=pressed, retry=self.reply_retry)
        except ChatBlocked as exc:
            log.info("Telegram: the reply to update %s was not delivered: %s", event.event_id, exc)
            self.send_failed(self.platform, exc)
        except RetryLater as exc:  # never the text nor the chat: the update id finds it in the logs
            waited = time.monotonic() - started
            log.warning("Telegram: reply to update %s lost after %.1f s: %s", event.event_id, waited, exc)
            self.send_failed(self.platform, exc)
            self.reply_lost(self.platform)

    async def _privately(self, event: Event, replies: list[Reply]) -> list[Reply]:
        """Send each reply marked `privately` to the sender's private chat; what the group gets instead:
        the note that it was sent, or the explanation when Telegram refused (ChatBlocked)."""
        out = []
        for reply in replies:
            if reply.privately is None:
                out.append(reply)
                continue
            to = ChatRef(self.platform, event.user.user_id, is_direct=True)
            try:
                await self.send(to, [replace(reply, privately=None)], retry=self.reply_retry)
            except ChatBlocked as exc:
                log.info("Telegram: the private reply to update %s was refused: %s", event.event_id, exc)
                out.append(Reply(reply.privately.unreachable + self._start_link()))
            else:
                out.append(Reply(reply.privately.sent))
        return out

    def _start_link(self) -> Doc:
        """The bot's own t.me link, which opens a private chat with it (Start is one tap from there)."""
        username = self.app.bot.username if self.app is not None else None
        return (Para((Link(f"t.me/{username}", f"https://t.me/{username}"),)),) if username else ()

    # out

    async def send(
        self, chat: ChatRef, replies: list[Reply], pressed: int | None = None, retry: Backoff | None = None
    ) -> None:
        """Post the replies; `pressed` is the message whose button was pressed, which the first reply
        marked `replace` edits instead of posting anew. Requests the network dropped are retried on the
        `retry` schedule (by default `send_retry`), all of them within its one deadline."""
        chat_id = int(chat.chat_id)
        retry = retry or self.send_retry
        again = functools.partial(self._retrying, retry, retry.deadline())
        try:
            for reply in replies:
                edit = pressed if reply.replace else None
                if edit is not None:
                    pressed = None  # one reply replaces the pressed message; any others are posted
                await self._send_one(chat_id, reply, again, edit)
        except Forbidden as exc:
            raise ChatBlocked(exc.message) from None
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise ChatBlocked(exc.message) from None
            raise
        except RetryAfter as exc:
            retry = (
                exc.retry_after.total_seconds()
                if hasattr(exc.retry_after, "total_seconds")
                else exc.retry_after
            )
            raise RetryLater(str(exc), retry_after=float(retry)) from None
        except NetworkError as exc:  # includes TimedOut
            raise RetryLater(str(exc)) from None

    @staticmethod
    async def _retrying(backoff: Backoff, deadline: float | None, method, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN205
        """Run one Bot API call, again after a pause when the network failed before Telegram answered
        (refused connection, dropped connection, 5xx), until `deadline`. Not on a timeout: the message
        may have gone."""
        for pause in backoff.pauses(deadline):
            try:
                return await method(*args, **kwargs)
            except (BadRequest, TimedOut):  # BadRequest is a NetworkError in python-telegram-bot
                raise
            except NetworkError as exc:
                log.info("Telegram: network error (%s); retrying in %.1f s", exc, pause)
                await asyncio.sleep(pause)
        return await method(*args, **kwargs)  # the last try: its error is the caller's

    async def _send_one(self, chat_id: int, reply: Reply, again, edit: int | None = None) -> None:  # noqa: ANN001
        bot = self.app.bot
        rows = keyboard(reply)
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
            )
            if rows
            else None
        )
        messages = render(reply)
        for i, html in enumerate(messages):
            buttons = markup if i == len(messages) - 1 else None
            if i == 0 and edit is not None and await self._edit(chat_id, edit, html, buttons, reply, again):
                continue
            try:
                await again(bot.send_message, chat_id, html, parse_mode=ParseMode.HTML, reply_markup=buttons)
            except BadRequest as exc:
                if "can't parse entities" not in exc.message.lower():
                    raise
                log.error("Telegram refused our HTML (%s); sent as plain text instead", exc.message)
                await again(bot.send_message, chat_id, reply.plain()[:4000], reply_markup=buttons)
        if reply.attachment is not None:
            upload = InputFile(reply.attachment.data, filename=reply.attachment.filename)
            if reply.attachment.mime.startswith("image/"):  # the /week card: shown in the chat
                await again(bot.send_photo, chat_id, upload)
            else:
                await again(bot.send_document, chat_id, upload)

    async def _edit(self, chat_id: int, message_id: int, html: str, buttons, reply: Reply, again) -> bool:  # noqa: ANN001
        """Show `html` in place of the pressed message; False when Telegram won't (the caller posts)."""
        bot = self.app.bot
        where = {"chat_id": chat_id, "message_id": message_id, "reply_markup": buttons}
        try:
            await again(bot.edit_message_text, html, parse_mode=ParseMode.HTML, **where)
        except BadRequest as exc:
            why = exc.message.lower()
            if "message is not modified" in why:  # pressed twice: it already shows this
                return True
            if "can't parse entities" in why:
                log.error("Telegram refused our HTML (%s); edited as plain text instead", exc.message)
                await again(bot.edit_message_text, reply.plain()[:4000], **where)
                return True
            log.info("could not edit message %s in %s (%s); posting instead", message_id, chat_id, why)
            return False
        return True

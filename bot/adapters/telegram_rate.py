"""Telegram's sending limits: python-telegram-bot's AIORateLimiter plus the per-chat limit it lacks.

Telegram asks bots for about 30 messages a second overall, 20 a minute in one group and about one a
second in one private chat, short bursts allowed. AIORateLimiter keeps the first two (and retries on
RetryAfter, holding every request meanwhile); `ChatRateLimiter` adds a leaky bucket per private chat for
the requests that post into a chat, so a reminder arriving while the bot answers a burst of questions
does not earn a 429.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

# The methods that put a message in a chat; the others (getChatMember, answerCallbackQuery, ...) only
# get the RetryAfter retries.
POSTING = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "sendDocument",
        "sendPhoto",
        "copyMessage",
        "forwardMessage",
    }
)
KEEP_LIMITERS = 1024  # idle per-chat limiters are dropped beyond this many


@dataclass(frozen=True)
class SendLimits:
    overall: float = 29  # per second, evenly spaced (the default bucket would let 30 through at once)
    group: float = 20  # per group_period, per group
    group_period: float = 60
    chat_burst: float = 3  # per private chat: this many at once, then one per chat_period / chat_burst
    chat_period: float = 3
    retries: int = 3  # on RetryAfter


class ChatRateLimiter(AIORateLimiter):
    def __init__(self, limits: SendLimits | None = None) -> None:
        limits = limits or SendLimits()
        super().__init__(
            overall_max_rate=1,
            overall_time_period=1 / limits.overall,
            group_max_rate=limits.group,
            group_time_period=limits.group_period,
            max_retries=limits.retries,
        )
        self.limits = limits
        self._chats: dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._chats) > KEEP_LIMITERS:
            for key, limiter in list(self._chats.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = self._chats[chat_id] = AsyncLimiter(self.limits.chat_burst, self.limits.chat_period)
        return limiter

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint not in POSTING:  # e.g. getChatMember: no message, so no share of the chat's budget
            data = {k: v for k, v in data.items() if k != "chat_id"}
        chat_id = data.get("chat_id")
        try:
            chat_id = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):  # "@channelname": a channel, limited as a group by the parent
            chat_id = None
        if endpoint in POSTING and chat_id is not None and chat_id > 0:  # private chats have ids > 0
            async with self._chat_limiter(chat_id):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

"""Telegram's sending limits: python-telegram-bot's AIORateLimiter plus the per-chat limit it lacks.

Telegram asks bots for about 30 messages a second overall, 20 a minute in one group and about one a
second in one private chat, short bursts allowed. AIORateLimiter keeps the first two (and retries on
RetryAfter, holding every request meanwhile); `ChatRateLimiter` adds a leaky bucket per private chat for
the requests that post into a chat, so a reminder arriving while the bot answers a burst of questions
does not earn a 429.

Evenly spaced departures are not enough for the overall limit: Telegram counts requests as they reach
it, and the way there is uneven (a new connection takes longer than a reused one, a busy event loop
sends late). Spaced 1/29 s apart, a few delayed requests that then arrive together with later ones make
31 in one second. And AIORateLimiter takes its slot before it waits out a RetryAfter, so everything
queued during the wait leaves at once. `ArrivalWindow` closes both: a request leaves only while fewer
than 30 are in flight or were answered within the last second. A request reaches Telegram after it
leaves and before its answer, so no second can hold more than 30 arrivals, however the way there
varies. At a steady pace it costs only the answer time: 30 per (1 s + the answer's latency).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Callable
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
    window: int = 30  # at most this many requests reach Telegram in any second (ArrivalWindow)


class ArrivalWindow:
    """At most `limit` requests arrive at the server in any `period` seconds: a request may leave only
    while fewer than `limit` are in flight or were answered within the last `period` (why that holds:
    the module's docstring). Waiters leave in the order they came."""

    def __init__(self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.period, self._clock = limit, period, clock
        self._answered: collections.deque[float] = collections.deque()  # when, oldest first
        self._in_flight = 0
        self._changed = asyncio.Condition()

    def _room(self) -> float:
        """0 when a request may leave now, else how long until the oldest answer leaves the window
        (inf: only requests still in flight, wait for one to be answered)."""
        now = self._clock()
        while self._answered and self._answered[0] <= now - self.period:
            self._answered.popleft()
        if self._in_flight + len(self._answered) < self.limit:
            return 0.0
        return self._answered[0] + self.period - now if self._answered else float("inf")

    async def run(self, call: Callable[[], Any]) -> Any:
        async with self._changed:
            while (wait := self._room()) > 0:
                with contextlib.suppress(TimeoutError):  # the oldest answer left the window
                    await asyncio.wait_for(self._changed.wait(), None if wait == float("inf") else wait)
            self._in_flight += 1
        try:
            return await call()
        finally:
            async with self._changed:
                self._in_flight -= 1
                self._answered.append(self._clock())
                self._changed.notify_all()


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
        self._window = ArrivalWindow(limits.window)

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
        if data.get("chat_id") is not None:  # the requests AIORateLimiter counts against the overall limit
            send = callback

            async def callback(*a: Any, **kw: Any) -> Any:  # noqa: ANN401
                return await self._window.run(lambda: send(*a, **kw))

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

"""The adapter seam: one per platform. An adapter turns platform updates into neutral `Event`s,
hands them to the app, and renders the `Reply`s it gets back for its platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from handlers.types import ChatRef, Event, Reply

Dispatch = Callable[[Event], Awaitable[list[Reply]]]


class Adapter(Protocol):
    name: str

    async def start(self, dispatch: Dispatch) -> None:
        """Begin receiving; every event goes to `dispatch` and its replies back to the chat."""

    async def stop(self) -> None:
        """Stop receiving and finish sending what is in flight."""

    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        """Deliver replies to a chat (also used by reminders, which have no incoming event)."""


class DeliveryError(Exception):
    """An adapter could not deliver a message. Adapters raise one of the kinds below."""


class ChatBlocked(DeliveryError):
    """Permanent: the user blocked the bot, closed their DMs, or removed it from the chat."""


class RetryLater(DeliveryError):
    """Temporary: a rate limit (with the platform's retry_after, in seconds) or a transient error."""

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StartFailed(Exception):
    """An adapter could not connect at start-up. The message says what failed, secrets already masked,
    and names the settings to check; `permanent` (e.g. a token the platform rejects) means retrying
    cannot help, so a server stops instead of retrying."""

    def __init__(self, message: str, settings: tuple[str, ...] = (), permanent: bool = False) -> None:
        names = ", ".join(settings[:-1]) + " and " + settings[-1] if len(settings) > 1 else "".join(settings)
        check = f" Check {names}." if names else ""
        super().__init__(message.rstrip(".") + "." + check)
        self.settings, self.permanent = settings, permanent

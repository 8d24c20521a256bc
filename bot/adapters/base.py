"""The adapter contract: what the app asks of a chat platform, and what it gives back.

An adapter turns a platform's updates into neutral `Event`s, hands each to the app's `dispatch`, and
renders the `Reply`s it gets back for its platform (one renderer module per platform, the one place
where text for that platform is escaped). docs/adding-a-platform.md walks through writing one.

Subclass `Adapter`: set `name` and `platform`, implement `start`, `send` and `stop`, and override the
other methods only when the platform has the thing they describe (their defaults do nothing). The app
(bot/app.py) calls them in this order and never looks for anything that is not declared here:

    send_failed, reply_lost   replaced by the app's metrics before anything else
    use_content(store)        once, before start
    use_commands(routes)      once, before start
    start(dispatch)           once; returns when the adapter receives (or raises StartFailed)
    publish_commands(menu)    once, after start
    send(chat, replies)       any time between start and stop (reminders, admin notices)
    healthy()                 whenever /healthz is asked
    stop_receiving()          at shutdown, first: no more updates, sending still works
    stop()                    at shutdown, last (in reverse order of the adapters)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from handlers.core.types import ChatRef, Event, Reply, Route

if TYPE_CHECKING:
    from handlers.content.store import ContentStore

Dispatch = Callable[[Event], Awaitable[list[Reply]]]
# The public commands for a platform's command menu: (name, one-line help per language code).
CommandMenu = Sequence[tuple[str, dict[str, str]]]


class Adapter(ABC):
    """One chat platform. Every method is called from the app's event loop."""

    name: str
    """Says which adapter this is in logs and in /healthz ("telegram", "console")."""

    platform: str
    """The platform that every `UserRef`/`ChatRef` it makes carries. The app delivers a `ChatRef` to
    the adapter whose `platform` matches it (one adapter per platform in a process)."""

    # Hooks the app replaces with its metrics before start. Call them, don't override them.

    def send_failed(self, platform: str, exc: Exception) -> None:  # noqa: B027 (a default that does nothing)
        """Call when a reply to an incoming event could not be delivered (with the mapped error:
        ChatBlocked or RetryLater). `send` itself raises instead; the app counts those."""

    def reply_lost(self, platform: str) -> None:  # noqa: B027 (a default that does nothing)
        """Call when the answer to a learner's message was given up after retrying."""

    # Lifecycle

    def use_content(self, store: ContentStore) -> None:  # noqa: B027 (a default that does nothing)
        """Before start: the content, for anything the platform shows outside a reply (Discord's slash
        command descriptions and autocomplete). It reloads in place; read `store.content` when needed.
        Default: nothing."""

    def use_commands(self, routes: Sequence[Route]) -> None:  # noqa: B027 (a default that does nothing)
        """Before start: the declared commands (handlers.core.types.Route: options, policies), for platforms
        that show commands outside a reply and derive them from the declarations (Discord's slash
        commands). Default: nothing."""

    @abstractmethod
    async def start(self, dispatch: Dispatch) -> None:
        """Connect and begin receiving. Turn every update that is for the bot into one `Event` (never a
        platform object), await `dispatch(event)` and deliver the replies to the event's chat.

        A reply to a group event with `Reply.privately` set is for the sender alone: where the platform
        can show one member a reply inside the group (Discord's ephemeral replies), show its body as
        usual; otherwise send the body to the sender's private chat and post `privately.sent` in the
        group, or only `privately.unreachable` there when the platform refuses the private message
        (the sender never started a private chat with the bot, or blocked it).

        Raise `StartFailed` when the platform cannot be reached or refuses the credentials: its message
        names the settings to check, with secrets masked. A platform that is slow to connect may keep
        trying in the background (log a warning) and return."""

    async def publish_commands(self, menu: CommandMenu) -> None:  # noqa: B027 (a default that does nothing)
        """After start: the public commands and their one-line help per language, for a platform's
        command menu (Telegram's "/" menu). Default: nothing."""

    @abstractmethod
    async def send(self, chat: ChatRef, replies: list[Reply]) -> None:
        """Deliver replies to a chat without an incoming event (reminders, admin notices), in order.
        Render through the platform's renderer; map failures to `ChatBlocked` (permanent: blocked,
        DMs closed, chat gone) or `RetryLater` (rate limit with retry_after, network, 5xx)."""

    def healthy(self) -> bool:
        """Is it connected and receiving? (/healthz reports it.) Default: True."""
        return True

    async def stop_receiving(self) -> None:  # noqa: B027 (a default that does nothing)
        """Shutdown, first step: take no more updates; `send` must keep working, so the reminders being
        delivered can finish. Default: nothing (`stop` does it all)."""

    @abstractmethod
    async def stop(self) -> None:
        """Shutdown, last step: finish what is in flight, close connections. Must not raise when start
        failed half-way or never ran, and may be called twice."""


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

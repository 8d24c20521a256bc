"""The neutral chat types every floor shares: who, where, what came in, and what goes out.

Adapters build an `Event` from a platform update and render each `Reply` for their platform.
Nothing here knows a platform; `platform` is only a name ("console", "telegram", "discord", ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from handlers.markup import Doc

if TYPE_CHECKING:
    from handlers.context import Context


@dataclass(frozen=True)
class UserRef:
    platform: str
    user_id: str
    display_name: str = ""
    locale: str | None = None  # e.g. "en_GB", "zh-CN"; only a hint until the learner sets /lang


@dataclass(frozen=True)
class ChatRef:
    platform: str
    chat_id: str
    is_direct: bool = True
    sender_is_admin: bool = False  # the sender administers this group/server


@dataclass(frozen=True)
class Command:
    name: str  # lower case, without the slash
    args: str = ""  # the rest of the line, stripped


@dataclass(frozen=True)
class Message:
    text: str


@dataclass(frozen=True)
class Press:
    payload: str  # "feature:action:arg", chosen by the handler that made the button


@dataclass(frozen=True)
class Event:
    user: UserRef
    chat: ChatRef
    what: Command | Message | Press
    mentions_bot: bool = False  # the bot was @mentioned
    replies_to_bot: bool = False  # the message answers one of the bot's messages
    # The platform's own id for this update (Telegram update_id, Discord interaction or message id), so
    # a repeat of the same update is dropped (handlers.middleware.drop_repeats); None: never repeated.
    event_id: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    body: Doc
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    attachment: Attachment | None = None
    # In answer to a button press: show this in place of the message that held the button (platforms
    # that can edit a message do; the others send it as a new one).
    replace: bool = False

    def plain(self) -> str:
        """The body as plain text (for tests, logs and the console)."""
        from handlers.markup import to_plain

        return to_plain(self.body)


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


Handler = Callable[["Context"], Awaitable["list[Reply] | Reply | None | object"]]
Middleware = Callable[[Handler, "Context"], Awaitable["list[Reply]"]]


@dataclass(frozen=True)
class Route:
    """One registered handler; `admin` routes pass only for bot admins or chat admins. Its /help line
    comes from the UI strings `usage.<name>` and `help.<name>`."""

    name: str
    handler: Handler
    admin: bool = False
    hidden: bool = False  # not listed in /help
    aliases: tuple[str, ...] = field(default=())
    payload: Any = None  # a press route's payload family (handlers.payloads.Payload subclass)

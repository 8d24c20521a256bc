"""The neutral chat types every floor shares: who, where, what came in, and what goes out.

Adapters build an `Event` from a platform update and render each `Reply` for their platform.
Nothing here knows a platform; `platform` is only a name ("console", "telegram", "discord", ...).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from handlers.core.markup import Doc
from handlers.core.numbers import parse_int

if TYPE_CHECKING:
    from handlers.core.context import Context


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
    args: str = ""  # the rest of the line, stripped (platforms with typed options: the values joined)
    # Platforms with typed options (Discord's slash commands) give their values by option name; text
    # platforms leave this None and the options are read from `args` (see Route.parse_options).
    options: tuple[tuple[str, object], ...] | None = None


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
    # a repeat of the same update is dropped (handlers.core.middleware.drop_repeats); None: never repeated.
    event_id: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply. `draw`, instead of `data`: a picture drawn once the event's (or the
    scheduled message's) transaction is over, in a worker thread (`drawn`), so the database connection
    and the event loop never wait on the drawing."""

    filename: str
    data: bytes = b""
    mime: str = "application/octet-stream"
    draw: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Privately:
    """What to post in the group when a reply meant for the sender alone (`Reply.privately`) went to
    their private chat (`sent`), and when it could not, because they never started a private chat
    with the bot or blocked it (`unreachable`: how to start one, then try again)."""

    sent: Doc
    unreachable: Doc


@dataclass(frozen=True)
class Reply:
    """One message out. `body` is what it says, in the neutral markup; the rest are optional.

    `privately`: in a group, the body is for the sender's eyes only (an admin's /stats). Platforms
    that can answer one member privately inside the group (Discord's ephemeral replies to a
    `personal` route) show the body as usual; the others (Telegram) send the body to the sender's
    private chat and post `privately.sent` in the group, or `privately.unreachable` there and nothing
    else when the sender never started a private chat with the bot. In a direct chat, and for
    messages sent without an incoming event (reminders), it changes nothing."""

    body: Doc
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of buttons
    attachment: Attachment | None = None
    # In answer to a button press: show this in place of the message that held the button (platforms
    # that can edit a message do; the others send it as a new one).
    replace: bool = False
    # A short answer to a button press for the presser alone (a group quiz's feedback): Telegram shows
    # it as an alert over the chat (at most 200 characters), Discord as an ephemeral reply, the console
    # as an ordinary reply. Only as the first reply to a press.
    alert: bool = False
    privately: Privately | None = None

    def plain(self) -> str:
        """The body as plain text (for tests, logs and the console)."""
        from handlers.core.markup import to_plain

        return to_plain(self.body)


async def drawn(replies: list[Reply]) -> list[Reply]:
    """The replies with every attachment still to draw drawn (off the event loop); the others as they are."""
    out = []
    for reply in replies:
        found = reply.attachment
        if found is not None and found.draw is not None:
            data = await asyncio.to_thread(found.draw)
            reply = dataclasses.replace(reply, attachment=dataclasses.replace(found, data=data, draw=None))
        out.append(reply)
    return out


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


Handler = Callable[["Context"], Awaitable["list[Reply] | Reply | None | object"]]
Middleware = Callable[[Handler, "Context"], Awaitable["list[Reply]"]]


@dataclass(frozen=True)
class Option:
    """One argument of a command, declared once: Discord offers it as a slash-command option (typed, with
    its description, choices or suggestions), text platforms read it from the line. `help` is the UI
    string key of its description; `suggest` names a source in handlers.suggest ("steps", "topics",
    "zones") for platforms that suggest while the learner types."""

    name: str
    help: str
    kind: type = str  # str or int
    required: bool = False
    min: int | None = None  # for int options
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    suggest: str | None = None


@dataclass(frozen=True)
class Route:
    """One registered handler and its declaration, which every surface reads: /help and the Telegram
    menu (UI strings `usage.<name>`, `help.<name>`), Discord's slash commands (options, default
    permission, ephemeral replies) and the handler rules.

    Policies: `admin` routes pass only for bot admins or the admins of the group they are used in
    (middleware); `manage` commands change the group's own settings when used in a group (its zone, its
    channel reminders), so there they are for the group's admins (`Context.can_manage_chat`; Discord
    shows them to members with Manage Server only); `personal` replies concern only the sender (Discord
    answers them ephemerally in servers). `phrase`: the options form one phrase the handler parses itself
    from `Context.line` (`/remind daily 19:00 revise`, `/log 1h30 pandas`); otherwise the last option
    takes the rest of the line and the others one word each."""

    name: str
    handler: Handler
    admin: bool = False
    hidden: bool = False  # not listed in /help
    aliases: tuple[str, ...] = field(default=())
    payload: Any = None  # a press route's payload family (handlers.core.payloads.Payload subclass)
    options: tuple[Option, ...] = ()
    personal: bool = False
    manage: bool = False
    phrase: bool = False

    def parse_options(self, command: Command) -> dict[str, object]:
        """The command's option values by name (None where not given, or an int option that is not a
        number: the handler still has the typed text in `Context.line`)."""
        if command.options is not None:
            given = dict(command.options)
            values = {o.name: given.get(o.name) for o in self.options}
        else:
            words = command.args.split(maxsplit=max(len(self.options) - 1, 0)) if self.options else []
            values = {o.name: (words[i] if i < len(words) else None) for i, o in enumerate(self.options)}
        for o in self.options:
            v = values[o.name]
            if o.kind is int and v is not None and not isinstance(v, int):
                values[o.name] = parse_int(str(v), lo=o.min if o.min is not None else 0)
            elif isinstance(v, str) and not v.strip():
                values[o.name] = None
        return values

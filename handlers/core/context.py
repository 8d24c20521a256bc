"""What a handler works with: the event, its DB session, the content, the clock, the config and the
app's hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from db.reminders import chat_zone
from handlers.core.i18n import Strings, lang_from_locale
from handlers.core.markup import Doc
from handlers.core.types import Button, Clock, Command, Event, Reply, Route

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from db.users import UserRow
    from handlers.content.match import Match
    from handlers.content.store import ContentStore


@dataclass(frozen=True)
class HandlerConfig:
    """Settings handlers may read; the bot builds this from its own settings (handlers read no env)."""

    admins: frozenset[str] = frozenset()  # "platform:user_id"
    max_text_len: int = 4000
    flood_limit: str | None = "30/minute"  # per user; None turns flood control off


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class AppHooks:
    """What the running app offers handlers and middleware, built once by the app (bot/app.py); the
    defaults are for a context made without an app (a test calling a handler directly)."""

    commands: tuple[Route, ...] = ()  # every command route once, in router order: /help, "did you mean"
    wake_reminders: Callable[[], None] = _nothing  # the schedule changed: the reminder service looks again
    observe: Callable[[dict], None] | None = None  # each event's log record (error_guard), for the metrics


@dataclass
class Context:
    event: Event
    store: ContentStore
    clock: Clock
    config: HandlerConfig
    routes: tuple[Route, ...] = ()
    route: Route | None = None
    session: AsyncSession | None = None
    user: UserRow | None = None
    lang: str = field(default="")
    hooks: AppHooks = AppHooks()
    options: dict[str, Any] = field(default_factory=dict)  # a command: its declared options, parsed
    payload: Any = None  # a press: its typed payload, unpacked and owner-checked (handlers.core.payloads)
    target: Any = None  # a press: the object its payload names, as the owner check loaded it
    outcome: str = "ok"  # for the event's log line and metrics: e.g. "faq:abstained", "flood", "refused"

    def __post_init__(self) -> None:
        if not self.lang:
            self.lang = lang_from_locale(self.event.user.locale)
        self.content = self.store.content

    @property
    def strings(self) -> Strings:
        return Strings(self.content.strings, self.lang)

    def strings_for(self, lang: str) -> Strings:
        return Strings(self.content.strings, lang)

    def t(self, key: str, **values: object) -> Doc:
        return self.strings.doc(key, **values)

    def label(self, key: str, **values: object) -> str:
        return self.strings.raw(key, **values)

    def reply(self, key: str, buttons: tuple[tuple[Button, ...], ...] = (), **values: object) -> Reply:
        return Reply(self.t(key, **values), buttons)

    @property
    def line(self) -> str:
        """A command's whole argument line (for commands whose options form one phrase: /remind, /log)."""
        what = self.event.what
        return what.args if isinstance(what, Command) else ""

    @property
    def can_manage_chat(self) -> bool:
        """May the sender change this chat's own settings (a `manage` command)? Always in a direct chat;
        in a group, its admins and the bot's admins."""
        chat = self.event.chat
        return chat.is_direct or chat.sender_is_admin or self.is_bot_admin

    @property
    def is_bot_admin(self) -> bool:
        return f"{self.event.user.platform}:{self.event.user.user_id}" in self.config.admins

    def reminders_changed(self) -> None:
        """Tell the reminder service (if one runs) to look at the schedule again."""
        self.hooks.wake_reminders()

    async def end_transaction(self) -> None:
        """Commit what this event wrote so far and give the database back while slow work that needs
        none runs (see handlers.core.middleware.db_session); a later query starts a new transaction."""
        if self.session is not None:
            await self.session.commit()

    async def match(self, question: str) -> Match:
        """The FAQ match for a question. When that waits for the model (tens of milliseconds, and
        longer behind other learners' questions), the event's transaction ends first, so the database
        serves other events meanwhile; what the handler writes afterwards is a new transaction, which
        the DB session commits as usual. The mark that drops a repeat of this update is committed with
        the first one, so the update is never answered twice."""
        if self.store.will_block(question):
            await self.end_transaction()
        return await self.store.match(question)

    def now(self) -> datetime:
        return self.clock.now()

    async def group_zone(self) -> tuple[ZoneInfo, bool]:
        """This chat's zone as its admins set it, and whether they did (else UTC, False)."""
        chat = self.event.chat
        found = await chat_zone(self.session, chat.platform, chat.chat_id)
        return (found, True) if found is not None else (ZoneInfo("UTC"), False)

    def zone(self) -> ZoneInfo:
        name = self.user.timezone if self.user is not None else "UTC"
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            return ZoneInfo("UTC")

"""Explicit wiring: the routers in order, the middleware chain, the database, the content, the
adapters. `async with App(settings) as app:` starts it all and shuts it down cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.adapters.base import Adapter, RetryLater
from bot.clock import SystemClock
from bot.content_watch import watch_content
from bot.embedder import load_embedder
from bot.metrics import Metrics
from bot.reminders import ReminderService, ReminderSettings
from bot.settings import Settings
from db import events
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from handlers import (
    accounts,
    admin,
    boards,
    challenges,
    faq,
    focus,
    general,
    goals,
    notes,
    plan,
    practice,
    preferences,
    privacy,
    reminders,
    roadmap,
    stats,
    study,
    week,
)
from handlers.content import Problem
from handlers.content.match import Embedder
from handlers.content.store import ContentStore
from handlers.core.context import AppHooks, Context, HandlerConfig
from handlers.core.i18n import Strings
from handlers.core.markup import Bullets, Code
from handlers.core.middleware import default_chain
from handlers.core.router import Dispatcher, Router
from handlers.core.types import ChatRef, Clock, Event, Reply, Route

if TYPE_CHECKING:  # the health server (aiohttp, ~0.2 s to import) loads only when HEALTH_PORT is set
    from bot.health import HealthServer

log = logging.getLogger("bot")

# The messages of the reminders that are not text reminders, by Reminder.kind
COMPOSE = {
    "review": practice.compose,
    "quiz": practice.compose,
    "focus": focus.compose,
    "break": focus.compose,
    "streak": study.streak_at_risk,
    "week": week.compose,
    "board": boards.compose,
    "challenge": challenges.compose,
}

# Platforms re-send an update within minutes (Telegram after a slow answer or during a restart), so
# the marks that drop repeats (db.events) are kept two days and pruned hourly, not on every event.
REPEATS_KEPT = timedelta(days=2)
PRUNE_EVERY = 3600.0  # seconds

# Order matters: for a command the first router that knows it wins; free text goes to the FAQ.
ROUTERS: tuple[Router, ...] = (
    general.router,
    plan.router,  # before faq: "what should I do next?" is answered from the learner's progress
    faq.router,
    roadmap.router,
    study.router,
    goals.router,
    week.router,
    focus.router,
    practice.router,
    notes.router,
    boards.router,
    challenges.router,
    stats.router,
    reminders.router,
    preferences.router,
    privacy.router,
    accounts.router,
    admin.router,
)


def settle_heap() -> None:
    """Once the app is ready: move what start-up made (modules, content, the matcher, routes,
    SQLAlchemy's metadata and compiled statements) out of the garbage collector's sight (`gc.freeze`).
    They live as long as the process, yet every full collection walked them all; now collections scan
    only what events create (10-35% more review presses a second in bench/practice.py on one core,
    three pairs of runs). The process entry points (bot.cli) and the benchmarks that stand in for them
    call it; tests do not, since a test process starts many apps and would keep every one's cycles."""
    gc.freeze()


class App:
    def __init__(
        self,
        settings: Settings,
        adapters: Sequence[Adapter] = (),
        clock: Clock | None = None,
        routers: Sequence[Router] = ROUTERS,
        embedder: Embedder | None | str = "from settings",
    ) -> None:
        self.settings = settings
        self.adapters = list(adapters)
        self.clock = clock or SystemClock()
        self.routers = routers
        self.config = HandlerConfig(admins=settings.bot_admins, flood_limit=settings.flood_limit)
        self._embedder = embedder
        self._tasks: list[asyncio.Task] = []
        self.metrics = Metrics()
        self.health: HealthServer | None = None
        self.reminders: ReminderService | None = None

    async def __aenter__(self) -> App:
        embedder = self._embedder
        if embedder == "from settings":
            embedder = load_embedder(self.settings.faq_model, self.settings.cache_dir)
        # raises ContentError with file:line problems
        self.store = ContentStore(self.settings.content_dir, embedder)
        self.engine = make_engine(self.settings.database_url)
        try:
            await upgrade(self.engine)
            self.sessions = make_sessions(self.engine)
            self.dispatcher = Dispatcher(
                self.routers, default_chain(self.sessions, self.config.flood_limit), self._context
            )
            self.reminders = ReminderService(
                self.sessions,
                self.clock,
                self.send_to,
                self.store,
                ReminderSettings(
                    grace=timedelta(hours=self.settings.reminder_grace_hours),
                    global_rate=self.settings.send_rate,
                    chat_rate=self.settings.reminder_chat_rate,
                    # about 2 s of sending per round: a process never holds more than it can soon send,
                    # so the other processes on PostgreSQL claim the rest of a burst
                    send_batch=max(20, int(2 * self.settings.send_rate)),
                ),
                compose=COMPOSE,
            )
            self.reminders.observe = self.metrics.reminder
            self.hooks = AppHooks(
                commands=tuple(self.dispatcher.command_routes()),
                wake_reminders=self.reminders.wake,
                observe=self.metrics.event,
            )
            for adapter in self.adapters:  # in the order bot.adapters.base.Adapter documents
                adapter.send_failed = self.metrics.send_error
                adapter.reply_lost = self.metrics.reply_lost
                adapter.use_content(self.store)
                adapter.use_commands(self.hooks.commands)
                await adapter.start(self.dispatch)
                await adapter.publish_commands(self.command_menu())
            if self.settings.health_port:
                from bot.health import HealthServer  # noqa: PLC0415

                self.health = HealthServer(
                    self.settings.health_listen, self.settings.health_port, self.check, self.metrics.render
                )
                await self.health.start()
            if self.settings.reminders:
                await self.reminders.start()
            self._tasks.append(asyncio.create_task(self._prune_repeats(), name="prune-repeats"))
            if self.settings.content_watch:
                watching = watch_content(self.store, self.tell_admins_about, notify=self.tell_admins)
                self._tasks.append(asyncio.create_task(watching, name="content-watch"))
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        log.info(
            "ready: %d FAQ topics, %d roadmap steps, adapters: %s",
            len(self.store.content.faq),
            len(self.store.content.steps),
            ", ".join(a.name for a in self.adapters) or "none",
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        # stop taking updates, then let the reminders finish what is going out, then close the rest
        for adapter in self.adapters:
            try:
                await adapter.stop_receiving()
            except Exception:
                log.exception("adapter %s failed to stop receiving", adapter.name)
        if self.reminders is not None:
            await self.reminders.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter %s failed to stop", adapter.name)
        if self.health is not None:
            await self.health.stop()
        self.store.close()
        await self.engine.dispose()

    async def forget_old_events(self) -> int:
        """Delete the repeat marks (db.events) older than REPEATS_KEPT; how many went."""
        async with self.sessions() as session, session.begin():
            return await events.forget_sightings(session, self.clock.now() - REPEATS_KEPT)

    async def _prune_repeats(self) -> None:
        while True:
            try:
                await self.forget_old_events()
            except Exception:  # the database may be away for a moment: try again next time
                log.exception("could not prune the marks of handled updates")
            await asyncio.sleep(PRUNE_EVERY)

    def _context(self, event: Event, routes: tuple[Route, ...]) -> Context:
        return Context(event, self.store, self.clock, self.config, routes, hooks=self.hooks)

    def command_menu(self) -> list[tuple[str, dict[str, str]]]:
        """Public commands with their one-line help, per language (for platforms' command menus)."""
        strings = {lang: Strings(self.store.content.strings, lang) for lang in ("en", "zh")}
        return [
            (r.name, {lang: s.raw(f"help.{r.name}") for lang, s in strings.items()})
            for r in self.hooks.commands
            if not r.hidden and not r.admin
        ]

    async def send_to(self, chat: ChatRef, replies: list[Reply]) -> None:
        """Deliver to a chat on its platform's adapter (reminders, admin alerts)."""
        for adapter in self.adapters:
            if adapter.platform == chat.platform:
                try:
                    await adapter.send(chat, replies)
                except Exception as exc:
                    self.metrics.send_error(chat.platform, exc)
                    raise
                return
        raise RetryLater(f"no {chat.platform} adapter is running in this process")

    async def check(self) -> dict[str, bool]:
        """Readiness, for /healthz: the database answers and every adapter is connected."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        checks = {"database": True}
        for adapter in self.adapters:
            checks[adapter.name] = bool(adapter.healthy())
        return checks

    async def dispatch(self, event: Event) -> list[Reply]:
        return await self.dispatcher.feed(event)

    async def tell_admins(self, reply: Reply) -> None:
        """Send a message to every bot admin (BOT_ADMINS) on the platforms that are running."""
        running = {a.platform for a in self.adapters}
        for who in sorted(self.settings.bot_admins):
            platform, _, user_id = who.partition(":")
            if platform not in running:
                continue
            try:
                await self.send_to(ChatRef(platform, user_id, is_direct=True), [reply])
            except Exception:
                log.exception("could not tell admin %s", who)

    async def tell_admins_about(self, problems: list[Problem]) -> None:
        strings = Strings(self.store.content.strings, "en")
        items = tuple((Code(str(p)),) for p in problems[:15])
        await self.tell_admins(Reply(strings.doc("reload.failed", count=len(problems)) + (Bullets(items),)))

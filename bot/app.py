"""Explicit wiring: the routers in order, the middleware chain, the database, the content, the
adapters. `async with App(settings) as app:` starts it all and shuts it down cleanly."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.adapters.base import Adapter
from bot.clock import SystemClock
from bot.settings import Settings
from db.engine import make_engine, make_sessions
from db.migrate import upgrade
from handlers import admin, faq, general, preferences, privacy, roadmap, study
from handlers.content_store import ContentStore
from handlers.context import Context, HandlerConfig
from handlers.middleware import default_chain
from handlers.router import Dispatcher, Router
from handlers.types import Clock, Event, Reply, Route

log = logging.getLogger("bot")

# Order matters: for a command the first router that knows it wins; free text goes to the FAQ.
ROUTERS: tuple[Router, ...] = (
    general.router,
    faq.router,
    roadmap.router,
    study.router,
    preferences.router,
    privacy.router,
    admin.router,
)


class App:
    def __init__(
        self,
        settings: Settings,
        adapters: Sequence[Adapter] = (),
        clock: Clock | None = None,
        routers: Sequence[Router] = ROUTERS,
    ) -> None:
        self.settings = settings
        self.adapters = list(adapters)
        self.clock = clock or SystemClock()
        self.routers = routers
        self.config = HandlerConfig(admins=settings.bot_admins, flood_limit=settings.flood_limit)

    async def __aenter__(self) -> App:
        self.store = ContentStore(self.settings.content_dir)  # raises ContentError with file:line problems
        self.engine = make_engine(self.settings.database_url)
        try:
            await upgrade(self.engine)
            self.sessions = make_sessions(self.engine)
            self.dispatcher = Dispatcher(
                self.routers, default_chain(self.sessions, self.config.flood_limit), self._context
            )
            self._commands = self.dispatcher.command_routes()
            for adapter in self.adapters:
                await adapter.start(self.dispatch)
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
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter %s failed to stop", adapter.name)
        await self.engine.dispose()

    def _context(self, event: Event, routes: tuple[Route, ...]) -> Context:
        return Context(event, self.store, self.clock, self.config, routes, extra={"commands": self._commands})

    async def dispatch(self, event: Event) -> list[Reply]:
        return await self.dispatcher.feed(event)

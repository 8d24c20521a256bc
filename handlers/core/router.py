"""Routers per feature and the dispatcher that runs one event through the middleware chain.

Each feature module exposes one `Router`; the app lists them in order. For a command the first
router that knows the name wins; a handler may return `UNHANDLED` to let the next one try. Button
presses go by payload prefix. Free text goes to text handlers only in direct chats, or in groups when
the bot is mentioned or replied to: the bot never talks over people.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from handlers.core.context import Context
from handlers.core.payloads import Payload
from handlers.core.types import (
    Command,
    Event,
    Handler,
    Message,
    Middleware,
    Option,
    Press,
    Reply,
    Route,
    drawn,
)

UNHANDLED = object()
_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_]{0,31})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def parse_line(text: str) -> Command | Message:
    """'/Step 3' -> Command('step', '3'); anything else is a Message. '/' alone is a Message."""
    m = _COMMAND.match(text.strip())
    if m:
        return Command(m[1].lower(), (m[2] or "").strip())
    return Message(text)


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, Route] = {}
        self.presses: list[tuple[str, Route]] = []
        self.texts: list[Route] = []
        self.fallback: Route | None = None

    def command(
        self,
        name: str,
        *aliases: str,
        options: tuple[Option, ...] = (),
        personal: bool = False,
        manage: bool = False,
        admin: bool = False,
        phrase: bool = False,
        hidden: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Declare a command once (see handlers.core.types.Route for what each policy means)."""

        def register(fn: Handler) -> Handler:
            route = Route(
                name,
                fn,
                admin=admin,
                hidden=hidden,
                aliases=aliases,
                options=options,
                personal=personal,
                manage=manage,
                phrase=phrase,
            )
            for key in (name, *aliases):
                if key in self.commands:
                    raise ValueError(f"/{key} is registered twice in router {self.name!r}")
                self.commands[key] = route
            return fn

        return register

    def press(self, family: type[Payload], admin: bool = False) -> Callable[[Handler], Handler]:
        """Handle the presses of one payload family; the handler finds `ctx.payload` unpacked and its
        owner checked (handlers.core.payloads.press_guard)."""
        if not (isinstance(family, type) and issubclass(family, Payload) and getattr(family, "prefix", "")):
            raise TypeError(f"press() takes a Payload family with a prefix, not {family!r}")

        def register(fn: Handler) -> Handler:
            route = Route(family.prefix, fn, admin=admin, hidden=True, payload=family)
            self.presses.append((family.prefix, route))
            return fn

        return register

    def text(self) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.texts.append(Route(f"{self.name}:text", fn, hidden=True))
            return fn

        return register

    def unknown_command(self) -> Callable[[Handler], Handler]:
        """The handler for commands no router knows (one per app)."""

        def register(fn: Handler) -> Handler:
            self.fallback = Route("unknown", fn, hidden=True)
            return fn

        return register


def chain(middlewares: Sequence[Middleware], terminal: Handler) -> Handler:
    handler = terminal
    for mw in reversed(middlewares):
        handler = (lambda m, h: lambda ctx: m(h, ctx))(mw, handler)
    return handler


def _as_list(result: Any) -> list[Reply]:
    if result is None or result is UNHANDLED:
        return []
    if isinstance(result, Reply):
        return [result]
    return list(result)


async def run_routes(ctx: Context) -> list[Reply]:
    """The chain's terminal: try the resolved routes in order until one handles the event."""
    what = ctx.event.what
    for route in ctx.routes:
        ctx.route = route
        if isinstance(what, Command):
            ctx.options = route.parse_options(what)
        result = await route.handler(ctx)
        if result is not UNHANDLED:
            return _as_list(result)
    return []


def declared_commands(routers: Sequence[Router]) -> list[Route]:
    """Every declared command once, in router order: what /help, the Telegram menu and Discord's slash
    commands are made from."""
    seen, out = set(), []
    for router in routers:
        for route in router.commands.values():
            if route.name not in seen:
                seen.add(route.name)
                out.append(route)
    return out


async def _stale_press(ctx: Context) -> Reply:
    ctx.outcome = "stale"
    return ctx.reply("error.stale_button")


class Dispatcher:
    def __init__(
        self,
        routers: Sequence[Router],
        middlewares: Sequence[Middleware],
        make_context: Callable[[Event, tuple[Route, ...]], Context],
    ) -> None:
        self.routers = tuple(routers)
        self.make_context = make_context
        self._handle = chain(middlewares, run_routes)
        fallbacks = [r.fallback for r in self.routers if r.fallback]
        self._fallback = fallbacks[0] if fallbacks else None
        self._stale_press = Route("stale", _stale_press, hidden=True)
        self._presses: dict[str, tuple[Route, ...]] = {}  # payload prefix -> its routes, in router order
        for r in self.routers:
            for prefix, route in r.presses:
                self._presses[prefix] = (*self._presses.get(prefix, ()), route)

    def command_routes(self) -> list[Route]:
        """Every command once, in router order (for /help)."""
        return declared_commands(self.routers)

    def resolve(self, event: Event) -> tuple[Route, ...]:
        what = event.what
        if isinstance(what, Command):
            found = tuple(r.commands[what.name] for r in self.routers if what.name in r.commands)
            if found:
                return found
            return (self._fallback,) if self._fallback else ()
        if isinstance(what, Press):
            found = self._presses.get(what.payload.partition(":")[0])
            return found or (self._stale_press,)  # a family no router knows: an old or forged button
        direct = event.chat.is_direct or event.mentions_bot or event.replies_to_bot
        if isinstance(what, Message) and direct:
            return tuple(route for r in self.routers for route in r.texts)
        return ()

    async def feed(self, event: Event) -> list[Reply]:
        what = event.what
        if isinstance(what, Command) and what.args != what.args.strip():  # e.g. a blank slash option
            event = dataclasses.replace(event, what=dataclasses.replace(what, args=what.args.strip()))
        routes = self.resolve(event)
        if not routes:
            return []
        # the middleware chain has closed the event's transaction by now: pictures are drawn after it
        return await drawn(await self._handle(self.make_context(event, routes)))

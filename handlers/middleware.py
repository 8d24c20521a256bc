"""The middleware chain, outermost first: error guard, input guard, flood control, DB session, user,
admin check. Each is `async def mw(handler, ctx) -> list[Reply]`."""

from __future__ import annotations

import logging
import re
import time

from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import queries
from handlers.context import Context
from handlers.i18n import LANGS
from handlers.types import Command, Handler, Message, Middleware, Press, Reply

log = logging.getLogger("handlers")


def _kind(ctx: Context) -> str:
    what = ctx.event.what
    if isinstance(what, Command):
        return f"/{what.name}"
    if isinstance(what, Press):
        return f"press:{what.payload.split(':')[0]}"
    return "text"


def _describe(ctx: Context) -> str:
    return f"{ctx.event.user.platform}:{ctx.event.user.user_id} {_kind(ctx)}"


async def error_guard(handler: Handler, ctx: Context) -> list[Reply]:
    """One log line per event (platform, chat kind, what, outcome, replies, time; never the text nor
    who) and the app's `observe` hook for metrics; any exception becomes a friendly reply (the DB work
    is rolled back)."""
    started = time.perf_counter()
    try:
        replies = await handler(ctx)
    except Exception:
        log.exception("handler failed for %s", _describe(ctx))
        replies, ctx.outcome = [ctx.reply("error.internal")], "error"
    elapsed_ms = 1000 * (time.perf_counter() - started)
    event = {
        "platform": ctx.event.chat.platform,
        "chat": "direct" if ctx.event.chat.is_direct else "group",
        "kind": _kind(ctx),
        "outcome": ctx.outcome,
        "replies": len(replies),
        "ms": round(elapsed_ms, 1),
    }
    if log.isEnabledFor(logging.INFO):
        log.info(" ".join(f"{k}={v}" for k, v in event.items()), extra={"event": event})
    observe = ctx.extra.get("observe")
    if observe is not None:
        observe(event)
    return replies


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode Cc, less \t \n \r


def _has_control_chars(text: str) -> bool:
    return _CONTROL.search(text) is not None


async def input_guard(handler: Handler, ctx: Context) -> list[Reply]:
    """Empty, oversized or control-character input gets a short hint and changes nothing."""
    what = ctx.event.what
    text = (
        what.text if isinstance(what, Message) else what.args if isinstance(what, Command) else what.payload
    )
    if len(text) > ctx.config.max_text_len:
        ctx.outcome = "rejected"
        return [ctx.reply("error.too_long", limit=ctx.config.max_text_len)]
    if _has_control_chars(text):
        ctx.outcome = "rejected"
        return [ctx.reply("error.control_chars")]
    if isinstance(what, Message) and not text.strip():
        ctx.outcome = "rejected"
        return [ctx.reply("error.empty")]
    return await handler(ctx)


def flood_control(limit: str) -> Middleware:
    """Per-user moving window; the first refused event is told to slow down, the rest are dropped."""
    item = parse_limit(limit)
    warn_item = parse_limit("1/minute")
    limiter = MovingWindowRateLimiter(MemoryStorage())

    async def mw(handler: Handler, ctx: Context) -> list[Reply]:
        who = f"{ctx.event.user.platform}:{ctx.event.user.user_id}"
        if limiter.hit(item, "flood", who):
            return await handler(ctx)
        if limiter.hit(warn_item, "flood-warned", who):
            log.info("flood control: slowing down %s", who)
            ctx.outcome = "flood"
            return [ctx.reply("error.flood")]
        ctx.outcome = "dropped"
        return []

    return mw


def db_session(sessions: async_sessionmaker[AsyncSession]) -> Middleware:
    """One session and one transaction per event: committed on success, rolled back on error."""

    async def mw(handler: Handler, ctx: Context) -> list[Reply]:
        async with sessions() as session, session.begin():
            ctx.session = session
            try:
                return await handler(ctx)
            finally:
                ctx.session = None

    return mw


async def load_user(handler: Handler, ctx: Context) -> list[Reply]:
    """Find or create the learner; their chosen language wins over the platform locale."""
    u = ctx.event.user
    ctx.user = await queries.get_or_create_user(ctx.session, u.platform, u.user_id, u.display_name, ctx.now())
    if ctx.user.lang in LANGS:
        ctx.lang = ctx.user.lang
    replies = await handler(ctx)
    if ctx.user is not None and ctx.user.reminders_notice:  # reminders could not reach them: say so once
        await queries.clear_reminders_notice(ctx.session, ctx.user.id)
        replies = [ctx.reply("remind.blocked_notice"), *replies]
    return replies


async def admin_check(handler: Handler, ctx: Context) -> list[Reply]:
    """Admin routes pass for bot admins (BOT_ADMINS) and for admins of the group they are used in."""
    route = ctx.routes[0] if ctx.routes else None
    if route is not None and route.admin:
        allowed = ctx.is_bot_admin or (not ctx.event.chat.is_direct and ctx.event.chat.sender_is_admin)
        if not allowed:
            ctx.outcome = "refused"
            return [ctx.reply("error.admin_only")]
    return await handler(ctx)


def default_chain(sessions: async_sessionmaker[AsyncSession], flood_limit: str | None) -> list[Middleware]:
    chain: list[Middleware] = [error_guard, input_guard]
    if flood_limit:
        chain.append(flood_control(flood_limit))
    chain += [db_session(sessions), load_user, admin_check]
    return chain

"""The middleware chain, outermost first: error guard, flood control, DB session, repeat check, input
guard, user, group activity, admin check. Each is `async def mw(handler, ctx) -> list[Reply]`."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime

from aiolimiter import AsyncLimiter
from limits import parse as parse_limit
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import events
from db.stats import group_today, record_activity
from db.users import clear_reminders_notice, find_user, get_or_create_user
from handlers.core import chars
from handlers.core.context import Context
from handlers.core.i18n import LANGS
from handlers.core.payloads import press_guard
from handlers.core.types import Command, Handler, Message, Middleware, Press, Reply

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
    if ctx.hooks.observe is not None:
        ctx.hooks.observe(event)
    return replies


async def input_guard(handler: Handler, ctx: Context) -> list[Reply]:
    """Empty or oversized input, and input with characters that must not be stored or shown (control
    characters, bidi overrides, lone surrogates: handlers.core.chars), gets a short hint in the learner's
    language and changes nothing. It checks what was typed (free text, a command's arguments) and what
    a button sent (its payload).

    Such input is refused, not stripped. The route was chosen before this guard runs (an adapter
    recognises a command), so stripping could not turn "/log 30" wrapped in bidi isolates (free text)
    back into the command it looks like. Stripping would store text other than what the learner sees
    they sent, and would repair a forged payload instead of refusing it. Neither of the bot's languages
    needs these characters, and the hint says how to fix it. The guard runs inside the DB session, but
    before the learner is loaded (a refusal creates no user), only to find the learner's language."""
    what = ctx.event.what
    text = (
        what.text if isinstance(what, Message) else what.args if isinstance(what, Command) else what.payload
    )
    if len(text) > ctx.config.max_text_len:
        return await _refuse(ctx, "error.too_long", limit=ctx.config.max_text_len)
    key = chars.refusal(text)
    if key is not None:
        return await _refuse(ctx, key)
    if isinstance(what, Message) and not text.strip():
        return await _refuse(ctx, "error.empty")
    return await handler(ctx)


async def _refuse(ctx: Context, key: str, **values: object) -> list[Reply]:
    ctx.outcome = "rejected"
    if ctx.session is not None:  # the language the learner chose wins over the platform locale
        u = ctx.event.user
        known = await find_user(ctx.session, u.platform, u.user_id)
        if known is not None and known.lang in LANGS:
            ctx.lang = known.lang
    return [ctx.reply(key, **values)]


FLOOD_MEMO = 10_000  # learners' buckets kept before the drained ones are dropped


def flood_control(limit: str, memo_size: int = FLOOD_MEMO) -> Middleware:
    """A leaky bucket per user (aiolimiter): `limit` ("30/minute") at once, then that rate. The first
    refused event is told to slow down (once a minute), the rest are dropped.

    Not `limits`' in-memory moving window: its storage starts a thread to expire entries whenever its
    last one has finished (10 ms after the previous), a thread start every few events at the bot's
    rates, and that thread sweeps every user's entries."""
    item = parse_limit(limit)
    rate, period = float(item.amount), float(item.get_expiry())
    buckets: dict[str, AsyncLimiter] = {}
    warned: dict[str, AsyncLimiter] = {}

    async def take(memo: dict[str, AsyncLimiter], who: str, amount: float, seconds: float) -> bool:
        bucket = memo.get(who)
        if bucket is None:
            if len(memo) >= memo_size:  # drop the buckets that have drained: they allow a full burst
                for key in [k for k, b in memo.items() if b.has_capacity(b.max_rate)]:
                    del memo[key]
            bucket = memo[who] = AsyncLimiter(amount, seconds)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()  # there is room: it takes it without waiting
        return True

    async def mw(handler: Handler, ctx: Context) -> list[Reply]:
        who = f"{ctx.event.user.platform}:{ctx.event.user.user_id}"
        if await take(buckets, who, rate, period):
            return await handler(ctx)
        if await take(warned, who, 1, 60):
            log.info("flood control: slowing down %s", who)
            ctx.outcome = "flood"
            return [ctx.reply("error.flood")]
        ctx.outcome = "dropped"
        return []

    return mw


def db_session(sessions: async_sessionmaker[AsyncSession]) -> Middleware:
    """One session and one transaction per event: committed on success, rolled back on error. A handler
    about to do slow work that needs no database (a content reload, a question for the FAQ model: see
    `Context.match`) calls `ctx.end_transaction()`, so other events are not kept waiting (SQLite has
    one connection); what it does later is committed too."""

    async def mw(handler: Handler, ctx: Context) -> list[Reply]:
        session = sessions()
        ctx.session = session
        try:
            replies = await handler(ctx)
            await session.commit()
        except BaseException:
            ctx.session = None
            async with session:  # closed as SQLAlchemy's own exit does, shielded from a cancellation
                await session.rollback()
            raise
        ctx.session = None
        # The commit gave the connection back, so closing has nothing left to return to the pool and
        # never waits: the shielded close of `async with` (a task of its own, ~50 µs) is not needed.
        await session.close()
        return replies

    return mw


async def drop_repeats(handler: Handler, ctx: Context) -> list[Reply]:
    """A platform update handled before (same platform and event id: Telegram re-sends after a slow
    answer or a restart, another process may have taken it) gets no reply and changes nothing. The mark
    is part of the event's first transaction, so an update whose handling failed is handled when
    re-sent. A handler that ends that transaction early (`ctx.end_transaction()`: a question waiting for
    the FAQ model, a content reload) commits the mark with it: the update is claimed from then on, and a
    re-send, even one arriving while this event is still being handled, gets no second answer."""
    event = ctx.event
    if event.event_id is not None and not await events.first_sighting(
        ctx.session, event.chat.platform, event.event_id, ctx.now()
    ):
        ctx.outcome = "repeat"
        return []
    return await handler(ctx)


async def load_user(handler: Handler, ctx: Context) -> list[Reply]:
    """Find or create the learner; their chosen language wins over the platform locale. The platform's
    display name is stored and echoed (/start), but the learner did not type it here, so it is cleaned
    (handlers.core.chars.clean) rather than refused, for the handlers too."""
    u = ctx.event.user
    name = chars.clean(u.display_name)
    if name != u.display_name:
        u = replace(u, display_name=name)
        ctx.event = replace(ctx.event, user=u)
    ctx.user = await get_or_create_user(ctx.session, u.platform, u.user_id, u.display_name, ctx.now())
    if ctx.user.lang in LANGS:
        ctx.lang = ctx.user.lang
    replies = await handler(ctx)
    if ctx.user is not None and ctx.user.reminders_notice:  # reminders could not reach them: say so once
        await clear_reminders_notice(ctx.session, ctx.user.id)
        replies = [ctx.reply("remind.blocked_notice"), *replies]
    return replies


ACTIVITY_MEMO = 50_000  # (group, learner) marks remembered in a process before the memo starts afresh


def group_activity(memo_size: int = ACTIVITY_MEMO) -> Middleware:
    """Each learner's use of the bot in a group (a command, a message to the bot, a button), once per
    local day of the group (db.stats.record_activity), for the group's /stats. A small memo of
    (group, learner) -> the end of the day already marked spares repeat events the zone read and the
    write; several processes may each write once (the insert ignores a mark that is there)."""
    memo: dict[tuple[str, str, int], datetime] = {}

    async def mw(handler: Handler, ctx: Context) -> list[Reply]:
        chat = ctx.event.chat
        if chat.is_direct or ctx.user is None:
            return await handler(ctx)
        key = (chat.platform, chat.chat_id, ctx.user.id)
        now = ctx.now()
        marked = memo.get(key)
        if marked is not None and now < marked:
            return await handler(ctx)
        today = await group_today(ctx.session, chat.platform, chat.chat_id, now)
        await record_activity(ctx.session, today, ctx.user.id)
        replies = await handler(ctx)  # marked once the event's work went through
        if len(memo) >= memo_size:
            memo.clear()
        memo[key] = today.ends_at
        return replies

    return mw


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
    chain: list[Middleware] = [error_guard]
    if flood_limit:
        chain.append(flood_control(flood_limit))
    chain += [
        db_session(sessions),
        drop_repeats,
        input_guard,
        load_user,
        group_activity(),
        admin_check,
        press_guard,
    ]
    return chain

"""/link and /unlink: one learner on every platform.

`/link` (in a private chat) gives a one-time code: 8 characters from an alphabet without look-alikes,
shown as code so it copies cleanly, valid 10 minutes, used once, replaced by a newer one. `/link <code>`
on another platform (or another account) joins that account's learner into the code's learner: progress,
logs, cards, goals and notes then show up everywhere (db/accounts.py: a step's latest change wins, logs
are kept once, reminders keep the chat they were made in). Wrong codes: 5 an hour per learner, then
refused until the hour has passed, even a right one. `/unlink` splits this account off again, going
forward. Both are written to the link history /export shows."""

from __future__ import annotations

from db import accounts as store
from db.users import get_or_create_user
from handlers.core.context import Context
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.own_reminders import ONE_PER_LEARNER

router = Router("accounts")

PLATFORMS = {"telegram": "Telegram", "discord": "Discord"}  # others go by their own name ("console")


def _platform(name: str) -> str:
    return PLATFORMS.get(name, name)


@router.command("link", personal=True, options=(Option("code", "option.link_code"),))
async def link(ctx: Context) -> Reply:
    if not ctx.event.chat.is_direct:
        return ctx.reply("link.private_only")
    await store.prune(ctx.session, ctx.user.id, ctx.now())
    given = str(ctx.options.get("code") or "").strip()
    if not given:
        code = await store.new_code(ctx.session, ctx.user.id, ctx.event.user.platform, ctx.now())
        minutes = int(store.CODE_VALID.total_seconds() // 60)
        return ctx.reply("link.code", code=code, minutes=minutes)
    tried = await store.wrong_tries(ctx.session, ctx.user.id, ctx.now())
    if tried >= store.TRIES_PER_HOUR:
        return ctx.reply("link.too_many", most=store.TRIES_PER_HOUR)
    if len(store.normal(given)) != store.CODE_LENGTH:
        return await _wrong(ctx, tried)
    found = await store.redeem(ctx.session, given, ctx.now())
    if found is None:
        return await _wrong(ctx, tried)
    if found.user_id == ctx.user.id:
        return ctx.reply("link.own_code")
    theirs = await store.accounts_of(ctx.session, found.user_id)
    mine = await store.accounts_of(ctx.session, ctx.user.id)
    if len(theirs) + len(mine) > store.MAX_ACCOUNTS:
        return ctx.reply("link.too_many_accounts", most=store.MAX_ACCOUNTS)
    await store.join(ctx.session, found.user_id, ctx.user.id, ONE_PER_LEARNER, ctx.now())
    u = ctx.event.user
    ctx.user = await get_or_create_user(ctx.session, u.platform, u.user_id, u.display_name, ctx.now())
    ctx.reminders_changed()
    return ctx.reply("link.done", count=len(theirs) + len(mine), other=_platform(found.platform))


async def _wrong(ctx: Context, tried: int) -> Reply:
    await store.record_wrong_try(ctx.session, ctx.user.id, ctx.now())
    left = store.TRIES_PER_HOUR - tried - 1
    if left <= 0:
        return ctx.reply("link.too_many", most=store.TRIES_PER_HOUR)
    return ctx.reply("link.wrong", left=left)


@router.command("unlink", personal=True)
async def unlink(ctx: Context) -> Reply:
    accounts = await store.accounts_of(ctx.session, ctx.user.id)
    if len(accounts) < 2:
        return ctx.reply("link.not_linked")
    u = ctx.event.user
    await store.split(ctx.session, ctx.user.id, u.platform, u.user_id, ctx.now())
    ctx.user = await get_or_create_user(ctx.session, u.platform, u.user_id, u.display_name, ctx.now())
    ctx.reminders_changed()
    return ctx.reply("link.unlinked", others=len(accounts) - 1)

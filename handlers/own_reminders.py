"""A learner's own reminders of another kind than "text" (a focus session's end, a break, the streak
nudge, the weekly digest): written for the learner, in the chat they asked in, in their language and
zone. Shared by the features that schedule them; the reminder service sends them (bot/app.py COMPOSE,
by kind)."""

from __future__ import annotations

from datetime import datetime

from db import reminders as store
from db.models import Reminder
from db.users import set_weekly_digest_off
from handlers.core.context import Context
from handlers.schedule import Rule, ScheduleError, parse, upcoming

# The kinds a learner has at most one of (in a private chat): when two learners become one (/link),
# the one kept keeps theirs (db.accounts.join).
ONE_PER_LEARNER = ("review", "streak", "week")


async def add_own_reminder(ctx: Context, kind: str, rule: Rule, first: datetime, text: str = "") -> Reminder:
    r = await store.add_reminder(
        ctx.session,
        owner_id=ctx.user.id,
        kind=kind,
        platform=ctx.event.chat.platform,
        chat_id=ctx.event.chat.chat_id,
        is_group=False,
        text=text,
        lang=ctx.lang,
        rule=rule.to_json(),
        timezone=ctx.user.timezone,
        next_fire_at=first,
        created_at=ctx.now(),
    )
    ctx.reminders_changed()
    return r


async def set_own_reminder(ctx: Context, kind: str, rule: Rule, first: datetime) -> Reminder:
    """The learner's one reminder of `kind` (the streak nudge, the weekly digest): written, or moved to
    this rule, zone, chat and language and resumed."""
    found = next(iter(await store.reminders_of(ctx.session, ctx.user.id, kind)), None)
    if found is None:
        return await add_own_reminder(ctx, kind, rule, first)
    found.rule, found.timezone, found.next_fire_at, found.paused = (
        rule.to_json(),
        ctx.user.timezone,
        first,
        False,
    )
    found.platform, found.chat_id, found.lang = ctx.event.chat.platform, ctx.event.chat.chat_id, ctx.lang
    ctx.reminders_changed()
    return found


DIGEST_AT = "sun 18:00"  # the weekly digest's default: Sunday evening, the learner's time


async def set_week_digest(ctx: Context, when: str = DIGEST_AT) -> Reminder | None:
    """Start the learner's weekly digest (a reminder of kind "week") at `when`, one weekday and a time
    in their zone, or move it there; None when `when` is not one weekday and a time."""
    zone = ctx.zone()
    try:
        rule, rest = parse(when, ctx.now(), zone)
    except ScheduleError:
        return None
    if rest.strip() or rule.kind != "weekly" or len(rule.days) != 1:
        return None
    await set_weekly_digest_off(ctx.session, ctx.user.id, False)
    return await set_own_reminder(ctx, "week", rule, upcoming(rule, zone, ctx.now(), 1)[0])


async def has_week_digest(ctx: Context) -> bool:
    return bool(await store.reminders_of(ctx.session, ctx.user.id, "week"))

"""A learner's own reminders of another kind than "text" (a focus session's end, a break, the streak
nudge): written for the learner, in the chat they asked in, in their language and zone. Shared by the
features that schedule them; the reminder service sends them (bot/app.py COMPOSE, by kind)."""

from __future__ import annotations

from datetime import datetime

from db import reminders as store
from db.models import Reminder
from handlers.core.context import Context
from handlers.schedule import Rule


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

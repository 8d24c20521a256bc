"""/week: the weekly review (minutes a day against last week, the goal, the streak, steps moved, practice,
the next step) in words and as a picture; `/week on sun 18:00` has it come by itself every week (the
digest, a reminder of kind "week"; setting a first goal starts it on Sundays at 18:00), `/week off` stops
it.

review.py   what the week holds, read in the learner's zone, as text and as the picture's card
picture.py  the picture (Pillow, with the shipped font in fonts/), drawn in a worker thread
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db import reminders as store
from db.models import Delivery, Reminder
from db.users import set_weekly_digest_off, zone_and_goal
from handlers.content import Content
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.router import Router
from handlers.core.types import Attachment, Option, Reply
from handlers.own_reminders import DIGEST_AT, set_week_digest
from handlers.schedule import Rule
from handlers.week import picture
from handlers.week.review import READ, card, filename, gather, text

router = Router("week")

ON = ("on", "开", "开启")
OFF = ("off", "关", "关闭")


async def review_reply(
    session: AsyncSession,
    content: Content,
    strings: Strings,
    user_id: int,
    zone: ZoneInfo,
    now: datetime,
    goal: int | None | object = READ,
) -> Reply:
    """The review as text with its picture attached; the picture is drawn after the transaction, in a
    worker thread (`handlers.core.types.drawn`)."""
    review = await gather(session, content, user_id, zone, now, goal)
    drawing = card(strings, review)
    found = Attachment(filename(review), mime="image/png", draw=lambda: picture.render(drawing))
    return Reply(text(strings, review), attachment=found)


@router.command("week", options=(Option("when", "option.week"),), personal=True)
async def week(ctx: Context) -> Reply:
    given = (ctx.options["when"] or "").strip()
    if not given:
        ctx.outcome = "week:review"
        return await review_reply(ctx.session, ctx.content, ctx.strings, ctx.user.id, ctx.zone(), ctx.now())
    head, _, rest = given.partition(" ")
    head, rest = head.lower(), rest.strip()
    if head in OFF and not rest:
        for r in await store.reminders_of(ctx.session, ctx.user.id, "week"):
            await store.delete_reminder(ctx.session, r.id)
        ctx.reminders_changed()
        await set_weekly_digest_off(ctx.session, ctx.user.id, True)
        return ctx.reply("week.digest_off")
    if head not in ON:
        return ctx.reply("week.usage")
    if not ctx.event.chat.is_direct:
        return ctx.reply("week.digest_private")
    found = await set_week_digest(ctx, rest or DIGEST_AT)
    if found is None:
        return ctx.reply("week.digest_when", given=rest[:40])
    rule = Rule.from_json(found.rule)
    return ctx.reply("week.digest_on", when=rule.describe(ctx.lang, ctx.zone()), zone=ctx.user.timezone)


async def compose(session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime) -> Reply:
    """The digest (a reminder of kind "week"), composed when it is due: this week's review, in the
    learner's language and current zone."""
    found, goal = await zone_and_goal(session, r.owner_id)  # one read for both
    zone = ZoneInfo(found or r.timezone)
    strings = Strings(content.strings, r.lang)
    return await review_reply(session, content, strings, r.owner_id, zone, now, goal)

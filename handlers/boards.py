"""/leaderboard: a group's weekly board of study time, of the members who joined it and no one else.

`/leaderboard` shows this week's board (Monday to Sunday in the group's zone), `/leaderboard join` and
`/leaderboard leave` put the learner on it or take them off at once; only minutes logged since joining
count. The group's admins can have last week's board posted every Monday at 09:00 group time
(`/leaderboard weekly on`, `off`): a reminder of kind "board" in the group, so the reminder service
posts it once, with the same downtime and blocked-chat rules. Names are the learners' display names,
escaped by each platform's renderer and never a mention."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

from db import boards as store
from db import reminders as reminder_store
from db.models import Delivery, Reminder
from handlers.content import Content
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bold, Doc, Para, Text
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.replies import hours_minutes
from handlers.schedule import parse, upcoming
from handlers.study_time import day_start

router = Router("boards")

SHOWN = 20  # places on a board
POST_AT = "mon 09:00"  # the weekly post: last week's board, Monday morning in the group's zone
MEDALS = ("🥇", "🥈", "🥉")
ACTIONS = (("join", "join"), ("leave", "leave"), ("weekly on", "weekly on"), ("weekly off", "weekly off"))
WORDS = {"加入": "join", "退出": "leave", "每周 开": "weekly on", "每周 关": "weekly off"}


def _week(now: datetime, zone: ZoneInfo, weeks_back: int = 0) -> tuple[date, datetime, datetime]:
    """(Monday, its start, the next Monday's start) of this week in `zone`, or of `weeks_back` before."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday(), weeks=weeks_back)
    return monday, day_start(monday, zone), day_start(monday + timedelta(weeks=1), zone)


async def board(
    session: AsyncSession,
    strings: Strings,
    platform: str,
    chat_id: str,
    zone: ZoneInfo,
    now: datetime,
    last: bool,
) -> Doc | None:
    """This week's board (or last week's: `last`); None when nobody joined, or nobody logged time."""
    monday, start, end = _week(now, zone, 1 if last else 0)
    members = await store.member_count(session, platform, chat_id)
    if not members:
        return None
    rows = await store.standings(session, platform, chat_id, start, end, SHOWN)
    span = {
        "start": format_skeleton("MMMd", monday, locale=strings.lang),
        "end": format_skeleton("MMMd", monday + timedelta(days=6), locale=strings.lang),
    }
    body: Doc = strings.doc("board.last_head" if last else "board.head", **span)
    if not rows:
        return None if last else body + strings.doc("board.empty", members=members)
    lines = []
    for i, row in enumerate(rows):
        place = MEDALS[i] if i < len(MEDALS) else f"{i + 1}."
        lines.append(
            Para(
                (
                    Text(f"{place} "),
                    Bold((Text(row.name or "?"),)),
                    Text(f" — {hours_minutes(strings, row.minutes)}"),
                )
            )
        )
    return body + tuple(lines) + strings.doc("board.foot", members=members)


@router.command(
    "leaderboard", options=(Option("action", "option.leaderboard", choices=ACTIONS),), phrase=True
)
async def leaderboard(ctx: Context) -> Reply:
    chat = ctx.event.chat
    if chat.is_direct:
        return ctx.reply("board.groups_only")
    action = " ".join((ctx.options["action"] or "").lower().split())
    action = WORDS.get(action, action)
    if action == "join":
        joined = await store.join(ctx.session, chat.platform, chat.chat_id, ctx.user.id, ctx.now())
        return ctx.reply("board.joined" if joined else "board.already")
    if action == "leave":
        left = await store.leave(ctx.session, chat.platform, chat.chat_id, ctx.user.id)
        return ctx.reply("board.left" if left else "board.not_on")
    if action in ("weekly on", "weekly off"):
        return await _weekly(ctx, action == "weekly on")
    if action:
        return ctx.reply("board.usage")
    zone, zone_set = await ctx.group_zone()
    shown = await board(ctx.session, ctx.strings, chat.platform, chat.chat_id, zone, ctx.now(), last=False)
    if shown is None:
        return ctx.reply("board.nobody")
    return Reply(shown + (() if zone_set else ctx.t("board.utc")))


async def _weekly(ctx: Context, on: bool) -> Reply:
    chat = ctx.event.chat
    if not ctx.can_manage_chat:
        return ctx.reply("board.admins")
    found = await reminder_store.reminders_in(ctx.session, chat.platform, chat.chat_id)
    posts = [r for r in found if r.kind == "board"]
    if not on:
        for r in posts:
            await reminder_store.delete_reminder(ctx.session, r.id)
        ctx.reminders_changed()
        return ctx.reply("board.weekly_off" if posts else "board.weekly_none")
    zone, zone_set = await ctx.group_zone()
    if not zone_set:
        return ctx.reply("remind.group_needs_zone")
    rule, _ = parse(POST_AT, ctx.now(), zone)
    first = upcoming(rule, zone, ctx.now(), 1)[0]
    values = {
        "rule": rule.to_json(),
        "timezone": str(zone),
        "next_fire_at": first,
        "paused": False,
        "lang": ctx.lang,
    }
    if posts:
        for key, value in values.items():
            setattr(posts[0], key, value)
    else:
        await reminder_store.add_reminder(
            ctx.session,
            owner_id=ctx.user.id,
            kind="board",
            platform=chat.platform,
            chat_id=chat.chat_id,
            is_group=True,
            text="",
            created_at=ctx.now(),
            **values,
        )
    ctx.reminders_changed()
    return ctx.reply("board.weekly_on", zone=str(zone))


async def compose(
    session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime
) -> Reply | None:
    """The weekly post (a reminder of kind "board"): last week's board in the group's zone; skipped
    when nobody on the board logged time that week."""
    state = await reminder_store.chat_state(session, r.platform, r.chat_id)
    zone = ZoneInfo(state.timezone if state is not None and state.timezone else r.timezone)
    shown = await board(
        session, Strings(content.strings, r.lang), r.platform, r.chat_id, zone, now, last=True
    )
    return Reply(shown) if shown is not None else None

"""/stats: a group's community figures for its admins, in private.

In a group, for its admins only: the members who used the bot there this week (Monday to Sunday in the
group's zone, UTC until an admin sets one), their study time this week, the questions asked there this
week and the share answered, last week's figures beside them, and the group's most asked questions
nobody answered (their words only, never who asked). The reply is for the admin alone
(`Reply.privately`): Discord shows it ephemerally, Telegram sends it to the admin's private chat and
says so in the group, or explains there how to start a private chat first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from db import boards as board_store
from db import stats as store
from handlers.core.context import Context
from handlers.core.markup import Bullets, Doc, Text
from handlers.core.router import Router
from handlers.core.types import Privately, Reply
from handlers.replies import hours_minutes
from handlers.study_time import day_start

router = Router("stats")

TOP = 5  # unanswered questions shown


def week(now: datetime, zone: ZoneInfo, weeks_back: int = 0) -> store.Week:
    """This week (Monday to Sunday) in `zone`, or the one `weeks_back` before."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday(), weeks=weeks_back)
    sunday = monday + timedelta(days=6)
    return store.Week(monday, sunday, day_start(monday, zone), day_start(sunday + timedelta(days=1), zone))


async def figures(ctx: Context, platform: str, chat_id: str, w: store.Week) -> dict[str, int]:
    members, minutes = await store.active_members(ctx.session, platform, chat_id, w)
    asked, answered = await store.question_counts(ctx.session, platform, chat_id, w)
    return {"members": members, "minutes": minutes, "asked": asked, "answered": answered}


def _week_lines(ctx: Context, f: dict[str, int]) -> Doc:
    s = ctx.strings
    body = ctx.t("stats.members", count=f["members"]) + ctx.t(
        "stats.hours", time=hours_minutes(s, f["minutes"])
    )
    if not f["asked"]:
        return body + ctx.t("stats.no_questions")
    share = round(100 * f["answered"] / f["asked"])
    return body + ctx.t("stats.questions", count=f["asked"], share=share)


@router.command("stats", personal=True)
async def stats(ctx: Context) -> Reply:
    chat = ctx.event.chat
    if chat.is_direct:
        return ctx.reply("stats.groups_only")
    if not ctx.can_manage_chat:
        ctx.outcome = "refused"
        return ctx.reply("stats.admins")
    zone = await store.group_zone(ctx.session, chat.platform, chat.chat_id)
    this, last = week(ctx.now(), zone), week(ctx.now(), zone, 1)
    span = {
        "start": format_skeleton("MMMd", this.first, locale=ctx.lang),
        "end": format_skeleton("MMMd", this.last, locale=ctx.lang),
    }
    now_f = await figures(ctx, chat.platform, chat.chat_id, this)
    last_f = await figures(ctx, chat.platform, chat.chat_id, last)
    body: Doc = ctx.t("stats.head", **span) + _week_lines(ctx, now_f)
    body += ctx.t("stats.last_week") + _week_lines(ctx, last_f)
    top = await store.top_unanswered(ctx.session, chat.platform, chat.chat_id, TOP)
    if top:
        items = tuple((Text(text), Text(ctx.label("stats.times", count=n))) for text, n in top)
        body += ctx.t("stats.unanswered") + (Bullets(items),)
    else:
        body += ctx.t("stats.unanswered_none")
    on_board = await board_store.member_count(ctx.session, chat.platform, chat.chat_id)
    if on_board:
        body += ctx.t("stats.board", count=on_board)
    if str(zone) == "UTC":
        body += ctx.t("stats.utc")
    privately = Privately(ctx.t("stats.sent"), ctx.t("stats.unreachable"))
    return Reply(body, privately=privately)

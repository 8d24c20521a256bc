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
from sqlalchemy.ext.asyncio import AsyncSession

from db import boards as board_store
from db import stats as store
from handlers.core.context import Context
from handlers.core.i18n import Strings
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


async def figures(session: AsyncSession, platform: str, chat_id: str, w: store.Week) -> dict[str, int]:
    members, minutes = await store.active_members(session, platform, chat_id, w)
    asked, answered = await store.question_counts(session, platform, chat_id, w)
    return {"members": members, "minutes": minutes, "asked": asked, "answered": answered}


def _week_lines(strings: Strings, f: dict[str, int], last: bool = False) -> Doc:
    which = "_last" if last else ""
    body = strings.doc(f"stats.members{which}", count=f["members"]) + strings.doc(
        f"stats.hours{which}", time=hours_minutes(strings, f["minutes"])
    )
    if not f["asked"]:
        return body + strings.doc("stats.no_questions")
    share = round(100 * f["answered"] / f["asked"])
    return body + strings.doc("stats.questions", count=f["asked"], share=share)


async def report(session: AsyncSession, strings: Strings, platform: str, chat_id: str, now: datetime) -> Doc:
    """The group's figures for this week and last week in its zone, its most asked unanswered questions
    (their words as text, never markup, never who asked) and how many joined its board."""
    zone = await store.group_zone(session, platform, chat_id)
    this, last = week(now, zone), week(now, zone, 1)
    span = {
        "start": format_skeleton("MMMd", this.first, locale=strings.lang),
        "end": format_skeleton("MMMd", this.last, locale=strings.lang),
    }
    body: Doc = strings.doc("stats.head", **span)
    body += _week_lines(strings, await figures(session, platform, chat_id, this))
    body += strings.doc("stats.last_week")
    body += _week_lines(strings, await figures(session, platform, chat_id, last), last=True)
    top = await store.top_unanswered(session, platform, chat_id, TOP)
    if top:
        items = tuple((Text(text), Text(strings.raw("stats.times", count=n))) for text, n in top)
        body += strings.doc("stats.unanswered") + (Bullets(items),)
    else:
        body += strings.doc("stats.unanswered_none")
    on_board = await board_store.member_count(session, platform, chat_id)
    if on_board:
        body += strings.doc("stats.board", count=on_board)
    if str(zone) == "UTC":
        body += strings.doc("stats.utc")
    return body


@router.command("stats", personal=True, manage=True)
async def stats(ctx: Context) -> Reply:
    chat = ctx.event.chat
    if chat.is_direct:
        return ctx.reply("stats.groups_only")
    if not ctx.can_manage_chat:
        ctx.outcome = "refused"
        return ctx.reply("stats.admins")
    body = await report(ctx.session, ctx.strings, chat.platform, chat.chat_id, ctx.now())
    privately = Privately(ctx.t("stats.sent"), ctx.t("stats.unreachable"))
    return Reply(body, privately=privately)

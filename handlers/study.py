"""/log, /unlog and /progress: study time, weekly minutes and streaks, counted in the learner's own zone.

Logs store instants only; the day a log counts for is derived in the learner's current zone, so a change
of zone moves days rather than splitting or doubling them (and a streak follows the zone).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db import reminders as reminder_store
from db.models import Delivery, Reminder
from db.progress import step_states
from db.study_logs import delete_log, minutes_between, own_log, recent_logs, study_times
from db.users import lock_user
from handlers.content import Content
from handlers.core.context import Context
from handlers.core.i18n import Strings
from handlers.core.markup import Bullets, Code, Para, Text
from handlers.core.router import Router
from handlers.core.types import Option, Reply
from handlers.deck import summary as deck_summary
from handlers.own_reminders import set_own_reminder
from handlers.replies import progress_bar
from handlers.schedule import parse, upcoming
from handlers.study_time import (
    MAX_MINUTES_PER_DAY,
    MAX_NOTE,
    STREAK_HORIZON,
    current_streak,
    day_start,
    fair_streaks,
    log_time,
    split_log_args,
    studied_days,
)

router = Router("study")

BACKDATE_DAYS = 7  # /log yesterday 30, /log 2026-11-29 45: at most this many days back
_RELATIVE_DAYS = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1, "前天": 2}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def split_day(ctx: Context, args: str) -> tuple[date | None, str, Reply | None]:
    """A leading day for a back-dated log: 'yesterday 30 stats', '2026-11-29 45'. Returns (day or None,
    the rest, or the reply refusing the day)."""
    first, _, rest = args.strip().partition(" ")
    key = first.lower()
    today = ctx.now().astimezone(ctx.zone()).date()
    if key in _RELATIVE_DAYS:
        day = today - timedelta(days=_RELATIVE_DAYS[key])
    elif _ISO_DAY.match(first):
        try:
            day = date.fromisoformat(first)
        except ValueError:
            return None, args, ctx.reply("log.bad_day", given=first[:12], example=_example_day(today))
    else:
        return None, args, None
    if day > today:
        return None, args, ctx.reply("log.future_day", given=first[:12])
    if (today - day).days > BACKDATE_DAYS:
        return None, args, ctx.reply("log.too_old", days=BACKDATE_DAYS, example=_example_day(today))
    return day, rest.strip(), None


def _example_day(today: date) -> str:
    return (today - timedelta(days=2)).isoformat()


@router.command(
    "log",
    options=(Option("time", "option.time", required=True), Option("what", "option.what")),
    personal=True,
    phrase=True,
)
async def log_study(ctx: Context) -> Reply:
    args = ctx.line
    if not args:
        return ctx.reply("log.usage", example=_example_day(ctx.now().astimezone(ctx.zone()).date()))
    day, args, refused = split_day(ctx, args)
    if refused is not None:
        return refused
    if not args:
        return ctx.reply("log.usage", example=_example_day(ctx.now().astimezone(ctx.zone()).date()))
    minutes, note = split_log_args(args)
    if minutes is None:
        return ctx.reply("log.bad_minutes", given=args.split()[0][:20])
    if not 1 <= minutes <= MAX_MINUTES_PER_DAY:
        return ctx.reply("log.out_of_range", max=MAX_MINUTES_PER_DAY)
    if len(note) > MAX_NOTE:
        return ctx.reply("log.note_too_long", max=MAX_NOTE)
    logged = await log_time(ctx, minutes, note, day)
    if logged.log_id is None:
        return ctx.reply("log.day_full", already=logged.day_total)
    today = ctx.now().astimezone(ctx.zone()).date()
    values = {"minutes": minutes, "note": note, "streak": await current_streak(ctx), "id": logged.log_id}
    if logged.day != today:
        return ctx.reply("log.saved_day", day=logged.day.isoformat(), total=logged.day_total, **values)
    return ctx.reply("log.saved_note" if note else "log.saved", today=logged.day_total, **values)


def _log_line(ctx: Context, row) -> tuple:  # noqa: ANN001
    day = row.studied_at.astimezone(ctx.zone()).date().isoformat()
    note = f" — {row.note}" if row.note else ""
    return (Code(f"#{row.id}"), Text(f" {day} · {row.minutes} min{note}"))


@router.command("unlog", options=(Option("id", "option.log_id", kind=int, min=1),), personal=True)
async def unlog(ctx: Context) -> Reply:
    """Delete the latest log, or one chosen by its #id (shown by /unlog); only the learner's own."""
    ref, log_id = ctx.line, ctx.options["id"]
    await lock_user(ctx.session, ctx.user.id)
    recent = await recent_logs(ctx.session, ctx.user.id, limit=6)
    if ref:
        if log_id is None:
            return ctx.reply("unlog.which")
        target = await own_log(ctx.session, ctx.user.id, log_id)
        if target is None:
            return ctx.reply("unlog.not_found", id=ref[:20].lstrip("#"))
    elif recent:
        target = recent[0]
    else:
        return ctx.reply("unlog.none")
    await delete_log(ctx.session, ctx.user.id, target.id)
    body = ctx.t("unlog.done") + (Para(_log_line(ctx, target)),)
    rest = [r for r in recent if r.id != target.id][:5]
    if rest:
        body += ctx.t("unlog.others") + (Bullets(tuple(_log_line(ctx, r) for r in rest)),)
    return Reply(body)


@router.command("progress", personal=True)
async def progress(ctx: Context) -> Reply:
    steps = ctx.content.steps
    states = await step_states(ctx.session, ctx.user.id)
    done = sum(1 for s in steps if states.get(s.id) == "done")
    zone = ctx.zone()
    today = ctx.now().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    week = await minutes_between(ctx.session, ctx.user.id, day_start(monday, zone))
    body = (
        ctx.t("progress.title")
        + (Para((Code(progress_bar(done, len(steps))),)),)
        + ctx.t(
            "progress.body",
            done=done,
            total=len(steps),
            week_h=week // 60,
            week_m=week % 60,
            streak=await current_streak(ctx),
            zone=ctx.user.timezone,
        )
    )
    practice = await deck_summary(ctx)
    if practice.cards:
        recall = f"{round(100 * practice.recall)}%" if practice.recall is not None else "—"
        body += ctx.t(
            "progress.practice",
            cards=practice.cards,
            due=practice.due_today,
            reviewed=practice.reviewed_week,
            recall=recall,
        )
    return Reply(body)


CALENDAR_WEEKS = 12
MARKS = {"studied": "🟩", "frozen": "🧊", "missed": "⬜", "ahead": "▫️"}


RISK_AT = "22:00"  # the streak-at-risk nudge: 2 hours before the learner's midnight
STREAK_OPTIONS = (
    Option(
        "remind", "option.streak_remind", choices=(("remind on", "remind on"), ("remind off", "remind off"))
    ),
)


async def _risk_nudge(ctx: Context, on: bool) -> Reply:
    found = next(iter(await reminder_store.reminders_of(ctx.session, ctx.user.id, "streak")), None)
    if not on:
        if found is not None:
            await reminder_store.delete_reminder(ctx.session, found.id)
            ctx.reminders_changed()
        return ctx.reply("streak.remind_off")
    if not ctx.user.timezone_set:
        return ctx.reply("streak.remind_needs_zone")
    if not ctx.event.chat.is_direct:
        return ctx.reply("streak.remind_private")
    zone = ctx.zone()
    rule, _ = parse(f"daily {RISK_AT}", ctx.now(), zone)
    await set_own_reminder(ctx, "streak", rule, upcoming(rule, zone, ctx.now(), 1)[0])
    return ctx.reply("streak.remind_on", time=RISK_AT, zone=ctx.user.timezone)


async def streak_at_risk(
    session: AsyncSession, content: Content, r: Reminder, d: Delivery, now: datetime
) -> Reply | None:
    """The streak-at-risk nudge (a reminder of kind "streak"), composed when it is due: only when the
    learner has a streak going and has not studied today (in their zone); otherwise skipped."""
    zone = ZoneInfo(r.timezone)
    today = now.astimezone(zone).date()
    if await minutes_between(session, r.owner_id, day_start(today, zone)) > 0:
        return None
    since = now - timedelta(days=STREAK_HORIZON)
    days = {t.astimezone(zone).date() for t in await study_times(session, r.owner_id, since)}
    st = fair_streaks(days, today)
    if st.current == 0:
        return None
    strings = Strings(content.strings, r.lang)
    return Reply(strings.doc("streak.at_risk", days=st.current, freezes=st.freezes))


@router.command("streak", options=STREAK_OPTIONS, personal=True, phrase=True)
async def streak_command(ctx: Context) -> Reply:
    """The current and best streak, the freezes held, and the last 12 weeks (Monday to Sunday, in the
    learner's current zone): studied, frozen (a freeze used) or missed. `/streak remind on|off`: the
    streak-at-risk nudge."""
    words = ctx.line.lower().split()
    if words:
        if words[0] in ("remind", "提醒") and len(words) == 2 and words[1] in ("on", "off", "开", "关"):
            return await _risk_nudge(ctx, words[1] in ("on", "开"))
        return ctx.reply("streak.usage")
    today = ctx.now().astimezone(ctx.zone()).date()
    days = set(await studied_days(ctx))
    st = fair_streaks(days, today)
    body = ctx.t("streak.head", current=st.current, best=st.best, freezes=st.freezes)
    monday = today - timedelta(days=today.weekday())
    lines = []
    for week in range(CALENDAR_WEEKS - 1, -1, -1):
        start = monday - timedelta(weeks=week)
        cells = []
        for i in range(7):
            day = start + timedelta(days=i)
            kind = (
                "ahead"
                if day > today
                else "studied"
                if day in days
                else "frozen"
                if day in st.frozen
                else "missed"
            )
            cells.append(MARKS[kind])
        lines.append(f"{start:%m-%d} {''.join(cells)}")
    body += (Para((Code("\n".join(lines)),)),)
    body += ctx.t("streak.legend", studied=MARKS["studied"], frozen=MARKS["frozen"], missed=MARKS["missed"])
    return Reply(body)

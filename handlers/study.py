"""/log and /progress: study time, weekly minutes and streaks, counted in the learner's own zone."""

from __future__ import annotations

import re
from datetime import date, timedelta

from db import queries
from handlers.context import Context
from handlers.markup import Code, Para
from handlers.roadmap import progress_bar
from handlers.router import Router
from handlers.types import Reply

router = Router("study")

MAX_MINUTES_PER_DAY = 24 * 60
MAX_NOTE = 200
_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours|小时|个小时))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes|分钟|分)?)?$",
    re.IGNORECASE,
)


def parse_minutes(text: str) -> int | None:
    """'45', '45m', '1h', '1h30', '1.5h', '2 hours', '90分钟' -> minutes; None if it is not a duration."""
    m = _DURATION.match(text.strip())
    if not m or (m["h"] is None and m["m"] is None):
        return None
    hours = float(m["h"].replace(",", ".")) if m["h"] else 0.0
    if hours > 10_000:  # absurd (or infinite): still a duration, just out of range
        return 10_000 * 60
    return round(hours * 60) + (int(m["m"]) if m["m"] else 0)


def split_log_args(args: str) -> tuple[int | None, str]:
    """Find the longest leading duration: '1h 30m linear algebra' -> (90, 'linear algebra')."""
    words = args.split()
    for n in range(min(4, len(words)), 0, -1):
        minutes = parse_minutes(" ".join(words[:n]))
        if minutes is not None:
            return minutes, " ".join(words[n:])
    return None, args


def streak(days: list[date], today: date) -> int:
    """Consecutive study days ending today, or yesterday (today is not over yet). `days` newest first."""
    if not days or days[0] < today - timedelta(days=1):
        return 0
    count, expected = 0, days[0]
    for day in days:
        if day != expected:
            break
        count += 1
        expected = day - timedelta(days=1)
    return count


@router.command("log")
async def log_study(ctx: Context) -> Reply:
    args = ctx.event.what.args
    if not args:
        return ctx.reply("log.usage")
    minutes, note = split_log_args(args)
    if minutes is None:
        return ctx.reply("log.bad_minutes", given=args.split()[0][:20])
    if not 1 <= minutes <= MAX_MINUTES_PER_DAY:
        return ctx.reply("log.out_of_range", max=MAX_MINUTES_PER_DAY)
    if len(note) > MAX_NOTE:
        return ctx.reply("log.note_too_long", max=MAX_NOTE)
    now = ctx.now()
    today = now.astimezone(ctx.zone()).date()
    await queries.lock_user(ctx.session, ctx.user.id)  # the day's total is read, then added to
    already = await queries.minutes_since(ctx.session, ctx.user.id, today)
    if already + minutes > MAX_MINUTES_PER_DAY:
        return ctx.reply("log.day_full", already=already)
    await queries.add_study_log(ctx.session, ctx.user.id, minutes, note, now, today)
    days = await queries.study_days(ctx.session, ctx.user.id)
    key = "log.saved_note" if note else "log.saved"
    return ctx.reply(key, minutes=minutes, note=note, today=already + minutes, streak=streak(days, today))


@router.command("progress")
async def progress(ctx: Context) -> Reply:
    steps = ctx.content.steps
    states = await queries.step_states(ctx.session, ctx.user.id)
    done = sum(1 for s in steps if states.get(s.id) == "done")
    today = ctx.now().astimezone(ctx.zone()).date()
    monday = today - timedelta(days=today.weekday())
    week = await queries.minutes_since(ctx.session, ctx.user.id, monday)
    days = await queries.study_days(ctx.session, ctx.user.id)
    body = (
        ctx.t("progress.title")
        + (Para((Code(progress_bar(done, len(steps))),)),)
        + ctx.t(
            "progress.body",
            done=done,
            total=len(steps),
            week_h=week // 60,
            week_m=week % 60,
            streak=streak(days, today),
            zone=ctx.user.timezone,
        )
    )
    return Reply(body)

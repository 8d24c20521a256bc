"""/log, /unlog and /progress: study time, weekly minutes and streaks, counted in the learner's own zone.

Logs store instants only; the day a log counts for is derived in the learner's current zone, so a change
of zone moves days rather than splitting or doubling them (and a streak follows the zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.progress import step_states
from db.study_logs import add_study_log, delete_log, minutes_between, own_log, recent_logs, study_times
from db.users import lock_user
from handlers.context import Context
from handlers.markup import Bullets, Code, Para, Text
from handlers.roadmap import progress_bar
from handlers.router import Router
from handlers.types import Option, Reply

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


BACKDATE_DAYS = 7  # /log yesterday 30, /log 2026-11-29 45: at most this many days back
STREAK_HORIZON = 400  # days of logs read to count a streak
_RELATIVE_DAYS = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1, "前天": 2}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a local calendar day begins."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_days(instants: list[datetime], zone: ZoneInfo) -> list[date]:
    """Distinct local days of these instants, newest first (instants newest first)."""
    return sorted({t.astimezone(zone).date() for t in instants}, reverse=True)


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


async def studied_days(ctx: Context) -> list[date]:
    """The learner's study days in their current zone, newest first (derived from instants)."""
    since = ctx.now() - timedelta(days=STREAK_HORIZON)
    return local_days(await study_times(ctx.session, ctx.user.id, since), ctx.zone())


async def current_streak(ctx: Context) -> int:
    return streak(await studied_days(ctx), ctx.now().astimezone(ctx.zone()).date())


async def minutes_on(ctx: Context, day: date) -> int:
    zone = ctx.zone()
    return await minutes_between(
        ctx.session, ctx.user.id, day_start(day, zone), day_start(day + timedelta(days=1), zone)
    )


@dataclass(frozen=True)
class Logged:
    """What `log_time` did: `log_id` None when nothing was written (`day_total` is the day's total)."""

    log_id: int | None
    day: date
    day_total: int
    refused: str = ""  # "day_full" | "already" when nothing was written


async def log_time(
    ctx: Context, minutes: int, note: str, day: date | None = None, delivery_id: int | None = None
) -> Logged:
    """Every path that logs study time comes here: one learner at a time, at most 24 h per local day,
    and at most one log per reminder message (`delivery_id`). `day` back-dates to that local day."""
    zone = ctx.zone()
    now = ctx.now()
    today = now.astimezone(zone).date()
    day = day or today
    studied_at = now if day == today else datetime.combine(day, time(12), tzinfo=zone).astimezone(UTC)
    await lock_user(ctx.session, ctx.user.id)  # the day's total is read, then added to
    already = await minutes_on(ctx, day)
    if already + minutes > MAX_MINUTES_PER_DAY:
        return Logged(None, day, already, "day_full")
    log_id = await add_study_log(
        ctx.session, ctx.user.id, minutes, note, now, studied_at=studied_at, delivery_id=delivery_id
    )
    if log_id is None:
        return Logged(None, day, already, "already")
    return Logged(log_id, day, already + minutes)


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
    return Reply(body)

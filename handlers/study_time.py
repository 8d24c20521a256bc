"""Study time, shared by every feature that logs it (/log, a reminder's "Done", focus sessions): durations
people type, the local days logs count for, streaks, and `log_time`, the one way a log is written.

Logs store instants only; the day a log counts for is derived in the learner's current zone, so a change
of zone moves days rather than splitting or doubling them (and a streak follows the zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.study_logs import add_study_log, minutes_between, study_times
from db.users import lock_user
from handlers.core.context import Context

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


STREAK_HORIZON = 400  # days of logs read to count a streak


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


FREEZE_EVERY = 7  # studied days in a run that earn a streak freeze
MAX_FREEZES = 2


@dataclass(frozen=True)
class Streaks:
    """A learner's streaks with freezes, derived from their study days (nothing is stored): a run of
    study days earns a freeze every FREEZE_EVERY days (holding at most MAX_FREEZES); a missed day uses one
    automatically and the run goes on (the day is frozen); with none left, the run ends. Today is not
    missed before it is over."""

    current: int  # study days in the run that is still going
    best: int
    frozen: frozenset[date]
    freezes: int  # held now


def fair_streaks(days: set[date] | list[date], today: date) -> Streaks:
    studied = set(days)
    if not studied:
        return Streaks(0, 0, frozenset(), 0)
    run = best = freezes = 0
    frozen: set[date] = set()
    day = min(studied)
    while day <= today:
        if day in studied:
            run += 1
            best = max(best, run)
            if run % FREEZE_EVERY == 0:
                freezes = min(MAX_FREEZES, freezes + 1)
        elif day < today:
            if run and freezes:
                freezes -= 1
                frozen.add(day)
            else:
                run = 0
        day += timedelta(days=1)
    return Streaks(run, best, frozenset(frozen), freezes)


async def studied_days(ctx: Context) -> list[date]:
    """The learner's study days in their current zone, newest first (derived from instants)."""
    since = ctx.now() - timedelta(days=STREAK_HORIZON)
    return local_days(await study_times(ctx.session, ctx.user.id, since), ctx.zone())


async def current_streak(ctx: Context) -> int:
    """The run of study days still going, frozen days bridged (see `fair_streaks`)."""
    return fair_streaks(await studied_days(ctx), ctx.now().astimezone(ctx.zone()).date()).current


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
    """Every path that logs study time comes here (or to `log_minutes`, where there is no event: the end
    of a focus session): one learner at a time, at most 24 h per local day, and at most one log per
    reminder message (`delivery_id`). `day` back-dates to that local day."""
    return await log_minutes(
        ctx.session, ctx.user.id, ctx.zone(), ctx.now(), minutes, note, day=day, delivery_id=delivery_id
    )


async def log_minutes(
    session: AsyncSession,
    user_id: int,
    zone: ZoneInfo,
    now: datetime,
    minutes: int,
    note: str,
    day: date | None = None,
    delivery_id: int | None = None,
) -> Logged:
    today = now.astimezone(zone).date()
    day = day or today
    studied_at = now if day == today else datetime.combine(day, time(12), tzinfo=zone).astimezone(UTC)
    await lock_user(session, user_id)  # the day's total is read, then added to
    start = day_start(day, zone)
    already = await minutes_between(session, user_id, start, day_start(day + timedelta(days=1), zone))
    if already + minutes > MAX_MINUTES_PER_DAY:
        return Logged(None, day, already, "day_full")
    log_id = await add_study_log(
        session, user_id, minutes, note, now, studied_at=studied_at, delivery_id=delivery_id
    )
    if log_id is None:
        return Logged(None, day, already, "already")
    return Logged(log_id, day, already + minutes)

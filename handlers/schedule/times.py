"""Fire times: when a rule fires next, in the learner's zone, correctly across DST.

Fire times come from APScheduler 3's triggers in the zone's local wall-clock time (CronTrigger for
repeating rules, DateTrigger for dated one-offs), never from adding seconds to a local time; any
arithmetic is on UTC instants or on dates. DST policy:

- A repeating time stays the same local time across DST changes: daily 09:00 is 09:00 in winter and
  in summer, so its UTC instant moves by the DST shift.
- Spring forward: a local time that does not exist that day (02:30 Europe/Berlin on 2026-03-29)
  fires once, at the same offset past the gap's start as it would have had: 02:30 -> 03:30 local
  (APScheduler's behaviour; a dated one-off in the gap does the same).
- Fall back: a local time that happens twice that day (02:30 Europe/Berlin on 2026-10-25) fires
  ONCE, at its first occurrence (fold=0). CronTrigger yields both; the repeat (fold=1) is dropped.
- every_days rules are daily candidates kept only on local days d with (d - start).days % every == 0.
- next_fire looks 3 hours back before `after_utc` and keeps the first candidate strictly after it, so
  a gap-shifted fire (03:30 CEST = 01:30 UTC) is not skipped when asked at 01:00 UTC that night.
- A relative one-off ("in 2h") is an exact UTC instant, whatever the clocks do meanwhile.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from handlers.schedule.days import CRON_DAYS
from handlers.schedule.errors import ScheduleError
from handlers.schedule.rule import Rule

_LOOKBACK = timedelta(hours=3)  # > any DST shift: a gap-shifted fire can land after a later wall time
_TICK = timedelta(microseconds=1)
_MAX_STEPS = 10_000


def next_fire(rule: Rule, zone: ZoneInfo, after_utc: datetime, fired: int = 0) -> datetime | None:
    """The first fire time strictly after `after_utc` (aware UTC), or None when the rule is over (until /
    times reached: `fired` = how many times it already fired)."""
    after = as_utc(after_utc, "after_utc")
    if rule.times is not None and fired >= rule.times:
        return None
    if rule.kind == "once":
        if fired > 0:
            return None
        at = once_instant(rule, zone)
        return at if at > after else None
    trigger = _cron(rule.kind, rule.time, rule.days, zone)
    point = after - _LOOKBACK  # UTC arithmetic; candidates up to `after` are skipped below
    for _ in range(_MAX_STEPS):
        candidate = trigger.get_next_fire_time(None, point + _TICK)
        if candidate is None:  # pragma: no cover - a cron rule without an end always has a next time
            return None
        fire = candidate.astimezone(UTC)
        local = fire.astimezone(zone)
        if rule.until is not None and local.date() > rule.until:
            return None
        if fire <= after or _is_repeat(local):
            point = fire
            continue
        if rule.kind == "every_days":
            target = _next_every_day(rule, local.date())
            if target != local.date():
                noon_before = datetime.combine(target - timedelta(days=1), time(12), tzinfo=zone)
                point = max(fire, noon_before.astimezone(UTC))
                continue
        return fire
    raise RuntimeError(f"no fire time found for {rule!r} after {after}")  # pragma: no cover


def upcoming(rule: Rule, zone: ZoneInfo, after_utc: datetime, n: int = 3, fired: int = 0) -> list[datetime]:
    """The next n fire times (aware UTC), fewer when the rule ends first."""
    out: list[datetime] = []
    point = after_utc
    for i in range(n):
        fire = next_fire(rule, zone, point, fired + i)
        if fire is None:
            break
        out.append(fire)
        point = fire
    return out


def once_instant(rule: Rule, zone: ZoneInfo) -> datetime:
    """A one-off's UTC instant: its own for "in 2h", else its local date and time in `zone`."""
    if rule.at_utc is not None:
        return rule.at_utc.astimezone(UTC)
    if rule.start is None or rule.time is None:
        raise ScheduleError("bad_rule")
    # fold=0: an ambiguous time is its first occurrence; a time in a gap lands after the gap (02:30 -> 03:30)
    run = datetime.combine(rule.start, rule.time, tzinfo=zone)
    fire = DateTrigger(run_date=run, timezone=zone).get_next_fire_time(None, run)
    return fire.astimezone(UTC)


def as_utc(value: datetime, name: str) -> datetime:
    """`value` in UTC; ValueError naming the argument when it is a naive datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


@lru_cache(maxsize=512)
def _cron(kind: str, at: time | None, days: tuple[int, ...], zone: ZoneInfo) -> CronTrigger:
    if at is None:
        raise ScheduleError("bad_rule")
    day_of_week = None
    if kind == "weekdays":
        day_of_week = "mon-fri"
    elif kind == "weekly":
        day_of_week = ",".join(CRON_DAYS[d] for d in days)
    return CronTrigger(
        day_of_week=day_of_week, hour=at.hour, minute=at.minute, second=at.second, timezone=zone
    )


def _is_repeat(local: datetime) -> bool:
    """The second occurrence of an ambiguous local time (fall back): fired already at fold=0."""
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def _next_every_day(rule: Rule, day: date) -> date:
    """The first day >= `day` on which an every-N-days rule fires."""
    start = rule.start or day
    if day < start:
        return start
    off = (day - start).days % rule.every
    return day if off == 0 else day + timedelta(days=rule.every - off)

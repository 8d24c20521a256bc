"""A rule in words, in English or Chinese: 'Mon, Wed, Fri at 18:00, until 2026-12-31, 3 times',
'每周一、三、五 18:00，直到 2026-12-31，共3次'. Both languages fill the same slots from one table each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handlers.schedule.days import WEEKENDS

if TYPE_CHECKING:
    from handlers.schedule.rule import Rule


@dataclass(frozen=True)
class _Words:
    """One language's templates. `{at}` is HH:MM; `{days}` the day names joined by `day_sep`."""

    daily: str
    weekdays: str
    weekends: str
    weekly: str
    every_days: str
    once: str
    until: str
    times_one: str
    times_other: str
    day_names: tuple[str, ...]
    day_sep: str
    sep: str  # between the rule and its until / times parts


_EN = _Words(
    daily="daily at {at}",
    weekdays="weekdays at {at}",
    weekends="weekends at {at}",
    weekly="{days} at {at}",
    every_days="every {every} days at {at} (from {start})",
    once="once at {when}",
    until="until {until}",
    times_one="{n} time",
    times_other="{n} times",
    day_names=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    day_sep=", ",
    sep=", ",
)
_ZH = _Words(
    daily="每天 {at}",
    weekdays="工作日 {at}",
    weekends="周末 {at}",
    weekly="每周{days} {at}",
    every_days="每{every}天 {at}（从 {start} 起）",
    once="单次 {when}",
    until="直到 {until}",
    times_one="共{n}次",
    times_other="共{n}次",
    day_names=tuple("一二三四五六日"),
    day_sep="、",
    sep="，",
)


def describe_rule(rule: Rule, lang: str, zone: ZoneInfo | None = None) -> str:
    """The rule in `lang` (Chinese for any "zh..." tag, else English). A relative one-off ("in 2h") is
    shown in `zone` when given, else in UTC."""
    words = _ZH if lang.lower().startswith("zh") else _EN
    parts = [_what(rule, words, zone)]
    if rule.until is not None:
        parts.append(words.until.format(until=rule.until.isoformat()))
    if rule.times is not None:
        parts.append((words.times_one if rule.times == 1 else words.times_other).format(n=rule.times))
    return words.sep.join(parts)


def hhmm(at: time | None) -> str:
    """'19:00'; '?' for a rule without a time of day."""
    return at.strftime("%H:%M") if at is not None else "?"


def _what(rule: Rule, words: _Words, zone: ZoneInfo | None) -> str:
    at = hhmm(rule.time)
    if rule.kind == "daily":
        return words.daily.format(at=at)
    if rule.kind == "weekdays":
        return words.weekdays.format(at=at)
    if rule.kind == "weekly":
        if rule.days == WEEKENDS:
            return words.weekends.format(at=at)
        return words.weekly.format(days=words.day_sep.join(words.day_names[d] for d in rule.days), at=at)
    if rule.kind == "every_days":
        return words.every_days.format(every=rule.every, at=at, start=rule.start)
    return words.once.format(when=_once_when(rule, zone))


def _once_when(rule: Rule, zone: ZoneInfo | None) -> str:
    if rule.at_utc is None:
        return f"{rule.start} {hhmm(rule.time)}"
    if zone is None:
        return f"{rule.at_utc.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"{rule.at_utc.astimezone(zone):%Y-%m-%d %H:%M}"

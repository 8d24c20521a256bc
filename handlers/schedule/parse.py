"""Read /remind's arguments: the rule, in English or Chinese, then the reminder's message.

Syntax (case-insensitive, extra spaces tolerated; the reminder's message follows the rule):

    daily 19:00 | every day 19:00 | weekdays 07:30 | weekends 10:00 | mon,wed,fri 18:00
    mon wed fri 18:00 | mon-fri 18:00 | monday 18:00 | every 2 days 09:00 | every other day 09:00
    in 2h | in 45m | in 1h30m | in 90 minutes | in 3 days | tomorrow 08:00 | today 21:00
    2026-12-01 09:00 | 19:00 (the next 19:00: today, or tomorrow if it has passed)
    每天 19:00 | 每天19:00 | 工作日 07:30 | 周末 10:00 | 每周一三五 18:00 | 周一,周三 18:00 | 周一至周五 8点
    每隔2天 09:00 | 每2天 09:00 | 2小时后 | 45分钟后 | 半小时后 | 明天 08:00 | 今天 21:00
    明早8点 | 晚上8点半

Times: 19:00, 07:30, 7.30, 7pm, 7:30pm, noon, midnight, 8点, 8点半, 晚上8点 (an optional "at" before).
Modifiers, repeating rules only, after the rule and before the message: `until 2026-12-31` /
`直到 2026-12-31` (last local day, inclusive), `times 5` / `for 5 times` / `共5次` (total fires).
`每隔N天` is read as "every N days", like `每N天`.
One-offs take no modifiers (any text after their time is the message). A relative one-off ("in 2h",
"2小时后") is an exact UTC instant: now + the duration, whatever the clocks do meanwhile.

Errors raise ScheduleError(code, **params) (handlers/schedule/errors.py lists the codes).

How it reads: a _Cursor walks the text; each `_take_*` reads one piece (a duration, a set of days, a
time of day) and either moves the cursor past it or leaves it where it was and returns None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.schedule.days import CRON_DAYS, WEEKDAYS, WEEKENDS
from handlers.schedule.describe import hhmm
from handlers.schedule.errors import ScheduleError
from handlers.schedule.rule import Rule
from handlers.schedule.times import as_utc, next_fire, once_instant

MAX_TIMES = 1000
MIN_EVERY_DAYS, MAX_EVERY_DAYS = 2, 365
MAX_AHEAD_DAYS = 365  # relative one-offs ("in 2h")
MAX_DATED_DAYS = 3660  # dated one-offs ("2028-02-29 09:00"): about ten years


_I = re.IGNORECASE
_NUM_ZH = r"[零〇一二两三四五六七八九十百]{1,4}"
_NUM = rf"(?:\d+|{_NUM_ZH})"
_EN_END = r"(?![a-z])"
_DATE_RE = re.compile(
    r"(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?)"
    r"(?!\d)"
)
_RELATIVE_IN = re.compile(r"in\s+", _I)
_RELATIVE_AFTER = re.compile(r"\s*(?:以后|之后|后)")
_DURATION_PART = re.compile(
    r"(?:(?P<half>半个?(?:小时|钟头))"
    r"|(?P<nh>\d+|[一二两三四五六七八九十]{1,3})个半(?:小时|钟头)"
    rf"|(?P<n>an?(?=\s)|\d+(?:[.,]\d+)?|{_NUM_ZH})\s*"
    r"(?P<u>days?|d|hours?|hrs?|h|minutes?|mins?|m|天|个?小时|个?钟头|分钟|分)"
    rf"{_EN_END})",
    _I,
)
_DURATION_JOIN = re.compile(r"\s*(?:and\s+|,\s*)?", _I)
_SUB_DAILY = re.compile(
    r"(?:hourly|every\s+(?:\d+(?:[.,]\d+)?\s*|an?\s+|other\s+)?(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
    rf"{_EN_END}|每\s*(?:隔\s*)?(?:{_NUM}|半)?\s*个?(?:小时|钟头|分钟|分|秒))",
    _I,
)
_EVERY_DAYS = re.compile(
    rf"(?:every\s+(?P<n>\d+)\s*(?:days?|d){_EN_END}|(?P<other>every\s+other\s+day){_EN_END}"
    rf"|每\s*(?:隔\s*)?(?P<nz>{_NUM})\s*个?天)",
    _I,
)
_DAILY = re.compile(rf"(?:daily|every\s*day|each\s+day){_EN_END}|每天|每日|天天", _I)
_WEEKDAYS_RE = re.compile(
    rf"(?:every\s+|on\s+)?(?:weekdays?|workdays?|work\s+days?){_EN_END}|(?:每个?)?工作日", _I
)
_WEEKENDS_RE = re.compile(rf"(?:every\s+|on\s+)?weekends?{_EN_END}|(?:每个?)?周末", _I)
_EVERY_ON = re.compile(r"(?:every|on)\s+", _I)
_DAY_EN = re.compile(
    r"(?P<d>mon(?:day)?|tue(?:s|sday)?|wed(?:s|nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
    rf"s?{_EN_END}",
    _I,
)
_DAY_RANGE_EN = re.compile(r"\s*(?:-|–|to\s|through\s|thru\s)\s*", _I)
_DAY_SEP_EN = re.compile(r"\s*(?:[,/&+]\s*(?:and\s+)?|and\s+)|\s+", _I)
_ZH_EVERY = re.compile(r"每个?")
_DAY_ZH = re.compile(r"(?:周|星期|礼拜|週)(?P<d>[一二三四五六日天七1-7])")
_DAY_ZH_BARE = re.compile(r"(?P<d>[一二三四五六日七])(?![点點时時])")
_DAY_RANGE_ZH = re.compile(r"\s*(?:至|到|-|–|~|～)\s*")
_DAY_SEP_ZH = re.compile(r"\s*[,，、/和及]\s*")
_DAY_WORD = re.compile(
    rf"(?P<w>today|tonight|tomorrow|tmrw?){_EN_END}"
    r"|(?P<z>今天|今日|明天|明日|后天|後天|[今明](?=早|晚|上午|下午|中午|凌晨))",
    _I,
)
_AT = re.compile(rf"(?:at{_EN_END}|@)\s*", _I)
_PERIOD_ZH = re.compile(r"(?P<p>凌晨|早上|早晨|清晨|上午|中午|午间|下午|傍晚|晚上|夜里|夜间|早|晚)\s*")
_TIME_12H = re.compile(r"(?P<h>\d{1,2})(?:[:.：](?P<m>\d{2}))?\s*(?P<ap>a\.?m\.?|p\.?m\.?)(?![a-z\d])", _I)
_TIME_24H = re.compile(r"(?P<h>\d{1,2})[:：.](?P<m>\d{2})(?:[:：]00)?(?!\d)(?![:：]\d)")
_TIME_ZH = re.compile(
    rf"(?P<h>\d{{1,2}}|{_NUM_ZH})\s*[点點时時]"
    rf"(?:(?P<half>半)|(?P<q1>一刻)|(?P<q3>三刻)|(?P<m>\d{{1,2}}|{_NUM_ZH})\s*分?)?(?!\d)"
)
_TIME_WORD = re.compile(rf"(?P<w>noon|midday|midnight){_EN_END}", _I)
_MOD_LEAD = re.compile(r"[\s,，;；]*")
_UNTIL = re.compile(
    rf"(?:(?:until|till|til|through|thru|ending|ends?){_EN_END}\s*|(?:直到|截止到?|截至|到)\s*)", _I
)
_UNTIL_TAIL = re.compile(r"\s*为止")
_TIMES = re.compile(
    rf"(?:times\s+(?P<a>\d+)(?!\d)|for\s+(?P<b>\d+)\s*times{_EN_END}|(?:共|重复)\s*(?P<c>{_NUM})\s*次)", _I
)
_MESSAGE_LEAD = re.compile(r"[\s,，:：;；\-–—|]+")
_FIRST_WORD = re.compile(r"\S+")
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


class _Cursor:
    """The text being parsed and how far it has been read. `take` skips whitespace, then matches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def take(self, pattern: re.Pattern[str], skip_space: bool = True) -> re.Match[str] | None:
        pos = self.pos
        if skip_space:
            while pos < len(self.text) and self.text[pos].isspace():
                pos += 1
        m = pattern.match(self.text, pos)
        if m:
            self.pos = m.end()
        return m

    def word(self) -> str:
        """The next word, for error messages (cut to 20 characters)."""
        m = _FIRST_WORD.search(self.text, self.pos)
        return m.group()[:20] if m else ""

    def at_end(self) -> bool:
        return not self.text[self.pos :].strip()

    def message(self) -> str:
        rest = self.text[self.pos :]
        m = _MESSAGE_LEAD.match(rest)
        return (rest[m.end() :] if m else rest).strip()


def parse(text: str, now_utc: datetime, zone: ZoneInfo) -> tuple[Rule, str]:
    """Parse the arguments of /remind; return the rule and the rest of the text (the reminder's message,
    may be "")."""
    now = as_utc(now_utc, "now_utc")
    cur = _Cursor(text)
    if cur.at_end():
        raise ScheduleError("empty")
    minutes = _take_relative(cur)
    if minutes is not None:
        return _relative_rule(minutes, now, cur), cur.message()
    sub_daily = cur.take(_SUB_DAILY)
    if sub_daily:
        raise ScheduleError("too_frequent", given=sub_daily.group()[:20])
    rule = _take_repeating(cur, now, zone)
    if rule is not None:
        rule = _take_modifiers(cur, rule, now, zone)
        return rule, cur.message()
    rule = _take_once(cur, now, zone)
    if rule is None:
        raise ScheduleError("unknown_rule", given=cur.word())
    return rule, cur.message()


def is_relative(text: str) -> bool:
    """Whether /remind's arguments start with a delay ("in 30m", "2小时后"): an instant, so no zone needed."""
    return _take_relative(_Cursor(text)) is not None


def _zh_int(s: str) -> int:
    """'12' -> 12, '十二' -> 12, '二十' -> 20, '两' -> 2, '一百' -> 100."""
    if s.isdecimal():
        return int(s)
    total = current = 0
    for ch in s:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _ZH_DIGITS[ch]
    return total + current


def _take_duration(cur: _Cursor) -> float | None:
    """Up to three parts ('1h30m', '1 hour 30 minutes', '2小时30分钟', '半小时') -> minutes."""
    total, parts = 0.0, 0
    start = cur.pos
    while parts < 3:
        before = cur.pos
        if parts:
            cur.take(_DURATION_JOIN, skip_space=False)
        m = cur.take(_DURATION_PART, skip_space=parts == 0)
        if not m:
            cur.pos = before
            break
        parts += 1
        if m["half"]:
            total += 30
            continue
        if m["nh"]:
            total += _zh_int(m["nh"]) * 60 + 30
            continue
        n = m["n"].lower()
        amount = 1.0 if n in ("a", "an") else float(n.replace(",", ".")) if n[0].isdecimal() else _zh_int(n)
        unit = m["u"].lower()
        if unit.startswith("d") or unit == "天":
            total += amount * 24 * 60
        elif unit.startswith("h") or "小时" in unit or "钟头" in unit:
            total += amount * 60
        else:
            total += amount
    if not parts:
        cur.pos = start
        return None
    return total


def _take_relative(cur: _Cursor) -> float | None:
    """'in 2h', 'in 1h30m', 'in 90 minutes', '2小时后', '45分钟后' -> minutes from now."""
    start = cur.pos
    if cur.take(_RELATIVE_IN):
        minutes = _take_duration(cur)
        if minutes is not None:
            return minutes
        cur.pos = start
        return None
    minutes = _take_duration(cur)
    if minutes is not None and cur.take(_RELATIVE_AFTER, skip_space=False):
        return minutes
    cur.pos = start
    return None


def _relative_rule(minutes: float, now: datetime, cur: _Cursor) -> Rule:
    given = cur.text[: cur.pos].strip()[:20]
    if minutes > MAX_AHEAD_DAYS * 24 * 60:
        raise ScheduleError("too_far", given=given, max_days=MAX_AHEAD_DAYS)
    whole = round(minutes)
    if whole < 1:
        raise ScheduleError("bad_duration", given=given)
    return Rule("once", None, at_utc=now + timedelta(minutes=whole))


def _take_repeating(cur: _Cursor, now: datetime, zone: ZoneInfo) -> Rule | None:
    start = cur.pos
    every = 1
    days: tuple[int, ...] = ()
    if m := cur.take(_EVERY_DAYS):
        kind = "every_days"
        n = m["n"] or m["nz"]
        every = 2 if m["other"] else int(n) if n.isdecimal() else _zh_int(n)
        if not MIN_EVERY_DAYS <= every <= MAX_EVERY_DAYS:
            raise ScheduleError("bad_interval", given=n[:20], min=MIN_EVERY_DAYS, max=MAX_EVERY_DAYS)
    elif cur.take(_DAILY):
        kind = "daily"
    elif cur.take(_WEEKDAYS_RE):
        kind = "weekdays"
    elif cur.take(_WEEKENDS_RE):
        kind, days = "weekly", WEEKENDS
    elif found := _take_days(cur, _DAYS_EN) or _take_days(cur, _DAYS_ZH):
        kind, days = "weekly", found
    else:
        return None
    at = _need_time(cur, start)
    if kind == "weekly" and days == WEEKDAYS:
        kind, days = "weekdays", ()
    elif kind == "weekly" and len(days) == 7:
        kind, days = "daily", ()
    if kind != "every_days":
        return Rule(kind, at, days=days)
    first = next_fire(Rule("daily", at), zone, now)
    assert first is not None
    return Rule(kind, at, every=every, start=first.astimezone(zone).date())


def _day_span(first: int, last: int) -> set[int]:
    """mon-fri, fri-mon (wraps round the week)."""
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}


_Read = Callable[["_Cursor"], re.Match[str] | None]


@dataclass(frozen=True)
class _DayList:
    """How one language writes a list of weekdays ('every mon, wed-fri', '每周一、三至五'). Each reader
    returns a match whose `d` group names a day (`number` turns it into 0..6), or None."""

    first: _Read  # the first day, after an optional 'every' / '每'
    number: Callable[[str], int]
    range_mark: re.Pattern[str]  # '-', 'to', '至'
    after_range: _Read  # the day that ends a range
    next: _Read  # the next day of the list, separator included


def _take_days(cur: _Cursor, syntax: _DayList) -> tuple[int, ...] | None:
    """A list of weekdays with ranges ('mon,wed-fri', '每周一三五', '周一至周五') -> sorted day numbers."""
    start = cur.pos
    m = syntax.first(cur)
    if not m:
        cur.pos = start
        return None
    prev = syntax.number(m["d"])
    days = {prev}
    while True:
        before = cur.pos
        if cur.take(syntax.range_mark, skip_space=False) and (m := syntax.after_range(cur)):
            last = syntax.number(m["d"])
            days |= _day_span(prev, last)
            prev = last
            continue
        cur.pos = before
        if m := syntax.next(cur):
            prev = syntax.number(m["d"])
            days.add(prev)
            continue
        cur.pos = before
        return tuple(sorted(days))


def _first_en_day(cur: _Cursor) -> re.Match[str] | None:
    cur.take(_EVERY_ON)
    return cur.take(_DAY_EN)


def _en_day(name: str) -> int:
    return CRON_DAYS.index(name[:3].lower())


def _first_zh_day(cur: _Cursor) -> re.Match[str] | None:
    cur.take(_ZH_EVERY)
    return cur.take(_DAY_ZH, skip_space=False)


def _zh_day(ch: str) -> int:
    if ch in "日天七7":
        return 6
    return int(ch) - 1 if ch.isdecimal() else "一二三四五六".index(ch)


def _next_zh_day(cur: _Cursor) -> re.Match[str] | None:
    """'、三', '，周三', or without punctuation '三' ('一三五') or ' 周三' (after a space the 周 again)."""
    before = cur.pos
    sep = cur.take(_DAY_SEP_ZH, skip_space=False)
    return cur.take(_DAY_ZH, skip_space=not sep) or (
        cur.take(_DAY_ZH_BARE, skip_space=False) if sep or cur.pos == before else None
    )


_DAYS_EN = _DayList(
    first=_first_en_day,
    number=_en_day,
    range_mark=_DAY_RANGE_EN,
    after_range=lambda cur: cur.take(_DAY_EN, skip_space=False),
    next=lambda cur: cur.take(_DAY_SEP_EN, skip_space=False) and cur.take(_DAY_EN, skip_space=False),
)
_DAYS_ZH = _DayList(
    first=_first_zh_day,
    number=_zh_day,
    range_mark=_DAY_RANGE_ZH,
    after_range=lambda cur: cur.take(_DAY_ZH, skip_space=False) or cur.take(_DAY_ZH_BARE, skip_space=False),
    next=_next_zh_day,
)


def _take_once(cur: _Cursor, now: datetime, zone: ZoneInfo) -> Rule | None:
    today = now.astimezone(zone).date()
    start = cur.pos
    if m := cur.take(_DAY_WORD):
        word = (m["w"] or m["z"]).lower()
        if word in ("today", "tonight", "今天", "今日", "今"):
            day = today
        elif word in ("后天", "後天"):
            day = today + timedelta(days=2)
        else:
            day = today + timedelta(days=1)
        return _dated_once(day, _need_time(cur, start), now, zone)
    if m := cur.take(_DATE_RE):
        day = _date(m)
        return _dated_once(day, _need_time(cur, start), now, zone)
    at = _take_time(cur)
    if at is None:
        return None
    rule = Rule("once", at, start=today)
    if once_instant(rule, zone) <= now:  # that time has passed today: the next one is tomorrow's
        rule = replace(rule, start=today + timedelta(days=1))
    return rule


def _dated_once(day: date, at: time, now: datetime, zone: ZoneInfo) -> Rule:
    today = now.astimezone(zone).date()
    if day > today + timedelta(days=MAX_DATED_DAYS):
        raise ScheduleError("too_far", given=day.isoformat(), max_days=MAX_DATED_DAYS)
    rule = Rule("once", at, start=day)
    # (a day well in the past is not turned into an instant: year 1 would not fit in UTC)
    if day < today - timedelta(days=2) or once_instant(rule, zone) <= now:
        raise ScheduleError("past", when=f"{day.isoformat()} {hhmm(at)}")
    return rule


def _date(m: re.Match[str]) -> date:
    try:
        return date(int(m["y"]), int(m["m"] or m["m2"]), int(m["d"] or m["d2"]))
    except ValueError:
        raise ScheduleError("bad_date", given=m.group()[:20]) from None


def _need_time(cur: _Cursor, start: int) -> time:
    """The time of day after the rule read from `start` on; missing_time names that rule ("tomorrow")."""
    at = _take_time(cur)
    if at is None:
        raise ScheduleError("missing_time", given=cur.text[start : cur.pos].strip()[:20])
    return at


def _take_time(cur: _Cursor) -> time | None:
    """'19:00', '7.30', '7pm', '7:30 pm', 'noon', '8点', '8点半', '晚上8点', '下午3:15' (after an optional
    'at'). None if no time is there; ScheduleError('bad_time') if one is there but impossible."""
    start = cur.pos
    cur.take(_AT)
    period = cur.take(_PERIOD_ZH)
    if m := cur.take(_TIME_WORD, skip_space=period is None):
        return time(0) if m["w"].lower() == "midnight" else time(12)
    if m := cur.take(_TIME_12H, skip_space=period is None):
        hour, minute = int(m["h"]), int(m["m"] or 0)
        if not (1 <= hour <= 12 and minute <= 59):
            raise ScheduleError("bad_time", given=m.group()[:20])
        pm = m["ap"].lower().startswith("p")
        return time(hour % 12 + (12 if pm else 0), minute)
    if (m := cur.take(_TIME_24H, skip_space=period is None)) or (
        m := cur.take(_TIME_ZH, skip_space=period is None)
    ):
        given = (period.group() if period else "") + m.group()
        hour = _zh_int(m["h"])
        if m.re is _TIME_ZH and (m["half"] or m["q1"] or m["q3"]):
            minute = 30 if m["half"] else 15 if m["q1"] else 45
        else:
            minute = _zh_int(m["m"]) if m["m"] else 0
        hour = _with_period(hour, period["p"] if period else None, given)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ScheduleError("bad_time", given=given[:20])
        return time(hour, minute)
    cur.pos = start
    return None


def _with_period(hour: int, period: str | None, given: str) -> int:
    """晚上8点 -> 20, 下午3点 -> 15, 中午12点 -> 12, 中午1点 -> 13, 凌晨12点 -> 0, 晚上12点 -> 0."""
    if period is None:
        return hour
    if hour > 12:  # '下午15点' says it twice; '早上19点' contradicts itself
        if period in ("凌晨", "早上", "早晨", "清晨", "上午", "早"):
            raise ScheduleError("bad_time", given=given[:20])
        return hour
    if period in ("中午", "午间"):
        return hour + 12 if hour <= 5 else hour
    if period in ("下午", "傍晚", "晚上", "夜里", "夜间", "晚"):
        return 0 if hour == 12 else hour + 12
    return 0 if hour == 12 else hour


def _take_modifiers(cur: _Cursor, rule: Rule, now: datetime, zone: ZoneInfo) -> Rule:
    """`until 2026-12-31` / `直到 2026-12-31` and `times 5` / `for 5 times` / `共5次`, each at most once."""
    until, count = rule.until, rule.times
    while True:
        before = cur.pos
        cur.take(_MOD_LEAD, skip_space=False)
        if until is None and cur.take(_UNTIL) and (m := cur.take(_DATE_RE)):
            until = _date(m)
            cur.take(_UNTIL_TAIL, skip_space=False)
            continue
        cur.pos = before
        cur.take(_MOD_LEAD, skip_space=False)
        if count is None and (m := cur.take(_TIMES)):
            given = m["a"] or m["b"] or m["c"]
            count = _zh_int(given)
            if not 1 <= count <= MAX_TIMES:
                raise ScheduleError("bad_count", given=given[:20], max=MAX_TIMES)
            continue
        cur.pos = before
        break
    if until is not None:
        first = next_fire(rule, zone, now)
        assert first is not None
        first_day = first.astimezone(zone).date()
        if until < first_day:
            raise ScheduleError("until_before_start", until=until.isoformat(), first=first_day.isoformat())
    return replace(rule, until=until, times=count)

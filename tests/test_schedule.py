"""handlers/schedule.py: the /remind rule syntax (en, zh), its errors, and DST-correct fire times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule import ERROR_CODES, Rule, ScheduleError, is_relative, next_fire, parse, upcoming

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
# Friday 2026-11-27, 10:00 in Berlin
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
TOMORROW = date(2026, 11, 28)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(times: list[datetime], zone: ZoneInfo) -> list[str]:
    return [t.astimezone(zone).strftime("%Y-%m-%d %H:%M") for t in times]


def error(text: str, now: datetime = NOW, zone: ZoneInfo = BERLIN) -> ScheduleError:
    with pytest.raises(ScheduleError) as info:
        parse(text, now, zone)
    return info.value


# Syntax: English


@pytest.mark.parametrize(
    ("text", "rule", "message"),
    [
        ("daily 19:00 drink water", Rule("daily", time(19)), "drink water"),
        ("Daily   19:00   Drink Water ", Rule("daily", time(19)), "Drink Water"),
        ("every day 19:00", Rule("daily", time(19)), ""),
        ("EVERY DAY 19:00 read", Rule("daily", time(19)), "read"),
        ("everyday at 19:00 read", Rule("daily", time(19)), "read"),
        ("weekdays 07:30 standup", Rule("weekdays", time(7, 30)), "standup"),
        ("weekends 10:00 long study", Rule("weekly", time(10), days=(5, 6)), "long study"),
        ("mon,wed,fri 18:00 gym", Rule("weekly", time(18), days=(0, 2, 4)), "gym"),
        ("mon, wed, fri 18:00 gym", Rule("weekly", time(18), days=(0, 2, 4)), "gym"),
        ("mon wed fri 18:00 gym", Rule("weekly", time(18), days=(0, 2, 4)), "gym"),
        ("fri,mon 18:00", Rule("weekly", time(18), days=(0, 4)), ""),
        ("monday 18:00 maths", Rule("weekly", time(18), days=(0,)), "maths"),
        ("every Sunday 18:00", Rule("weekly", time(18), days=(6,)), ""),
        ("tue and thu 6pm", Rule("weekly", time(18), days=(1, 3)), ""),
        ("mon-fri 9am", Rule("weekdays", time(9)), ""),
        ("sat-sun 9am", Rule("weekly", time(9), days=(5, 6)), ""),
        ("mon-sun 9am", Rule("daily", time(9)), ""),
        ("every 2 days 09:00 flashcards", Rule("every_days", time(9), every=2, start=TOMORROW), "flashcards"),
        ("every 3 days 21:00", Rule("every_days", time(21), every=3, start=TODAY), ""),
        ("every other day 10:00", Rule("every_days", time(10), every=2, start=TOMORROW), ""),
        ("in 2h stretch", Rule("once", None, at_utc=NOW + timedelta(hours=2)), "stretch"),
        ("in 45m", Rule("once", None, at_utc=NOW + timedelta(minutes=45)), ""),
        ("in 1h30m tea", Rule("once", None, at_utc=NOW + timedelta(minutes=90)), "tea"),
        ("in 1h 30m tea", Rule("once", None, at_utc=NOW + timedelta(minutes=90)), "tea"),
        ("in 90 minutes", Rule("once", None, at_utc=NOW + timedelta(minutes=90)), ""),
        ("in 2 hours and 15 minutes", Rule("once", None, at_utc=NOW + timedelta(minutes=135)), ""),
        ("in 1.5h", Rule("once", None, at_utc=NOW + timedelta(minutes=90)), ""),
        ("in an hour", Rule("once", None, at_utc=NOW + timedelta(hours=1)), ""),
        ("in 3 days review", Rule("once", None, at_utc=NOW + timedelta(days=3)), "review"),
        ("tomorrow 08:00 mock exam", Rule("once", time(8), start=TOMORROW), "mock exam"),
        ("today 21:00", Rule("once", time(21), start=TODAY), ""),
        ("tonight 9pm", Rule("once", time(21), start=TODAY), ""),
        ("2026-12-01 09:00 exam", Rule("once", time(9), start=date(2026, 12, 1)), "exam"),
        ("19:00 call mum", Rule("once", time(19), start=TODAY), "call mum"),
        ("at 7am run", Rule("once", time(7), start=TOMORROW), "run"),  # 07:00 has passed today
        ("daily 7pm", Rule("daily", time(19)), ""),
        ("daily 7 pm", Rule("daily", time(19)), ""),
        ("daily 7:30pm", Rule("daily", time(19, 30)), ""),
        ("daily 7:30 PM", Rule("daily", time(19, 30)), ""),
        ("daily 12am", Rule("daily", time(0)), ""),
        ("daily 12pm", Rule("daily", time(12)), ""),
        ("daily 07:30", Rule("daily", time(7, 30)), ""),
        ("daily 7:30", Rule("daily", time(7, 30)), ""),
        ("daily 7.30", Rule("daily", time(7, 30)), ""),
        ("daily noon", Rule("daily", time(12)), ""),
        ("daily 19:00: drink water", Rule("daily", time(19)), "drink water"),
        ("daily 19:00 - drink water", Rule("daily", time(19)), "drink water"),
        ("daily 19:00:00 drink water", Rule("daily", time(19)), "drink water"),
    ],
)
def test_parse_en(text: str, rule: Rule, message: str) -> None:
    assert parse(text, NOW, BERLIN) == (rule, message)


@pytest.mark.parametrize(
    ("text", "until", "times", "message"),
    [
        ("daily 19:00 until 2026-12-31 read", date(2026, 12, 31), None, "read"),
        ("daily 19:00 times 5 read", None, 5, "read"),
        ("daily 19:00 for 5 times read", None, 5, "read"),
        ("daily 19:00 until 2026-12-31 times 5 read", date(2026, 12, 31), 5, "read"),
        ("daily 19:00 times 5, until 2026-12-31, read", date(2026, 12, 31), 5, "read"),
        ("daily 19:00 Until 2026-12-31", date(2026, 12, 31), None, ""),
        ("daily 19:00 times 1000", None, 1000, ""),
        # not a modifier: it stays in the message
        ("daily 19:00 until the exam", None, None, "until the exam"),
        ("daily 19:00 times tables", None, None, "times tables"),
    ],
)
def test_parse_modifiers(text: str, until: date | None, times: int | None, message: str) -> None:
    rule, rest = parse(text, NOW, BERLIN)
    assert (rule.kind, rule.time, rule.until, rule.times, rest) == ("daily", time(19), until, times, message)


def test_modifiers_apply_to_every_repeating_form() -> None:
    rule, _ = parse("mon,wed 18:00 until 2027-01-31 for 3 times", NOW, BERLIN)
    assert rule == Rule("weekly", time(18), days=(0, 2), until=date(2027, 1, 31), times=3)
    rule, _ = parse("every 2 days 09:00 times 4", NOW, BERLIN)
    assert rule == Rule("every_days", time(9), every=2, start=TOMORROW, times=4)


# Syntax: Chinese


@pytest.mark.parametrize(
    ("text", "rule", "message"),
    [
        ("每天 19:00 喝水", Rule("daily", time(19)), "喝水"),
        ("每天19:00喝水", Rule("daily", time(19)), "喝水"),
        ("每天 19：00 喝水", Rule("daily", time(19)), "喝水"),
        ("每天19:00，喝水", Rule("daily", time(19)), "喝水"),
        ("工作日 07:30 早读", Rule("weekdays", time(7, 30)), "早读"),
        ("周末 10:00 复习", Rule("weekly", time(10), days=(5, 6)), "复习"),
        ("每周一三五 18:00 健身", Rule("weekly", time(18), days=(0, 2, 4)), "健身"),
        ("周一,周三 18:00", Rule("weekly", time(18), days=(0, 2)), ""),
        ("周一，周三 18:00", Rule("weekly", time(18), days=(0, 2)), ""),
        ("周一、三、五 18:00", Rule("weekly", time(18), days=(0, 2, 4)), ""),
        ("周一 周三 18:00", Rule("weekly", time(18), days=(0, 2)), ""),
        ("星期天 10:00", Rule("weekly", time(10), days=(6,)), ""),
        ("每周日 10:00", Rule("weekly", time(10), days=(6,)), ""),
        ("周一至周五 8点半 背单词", Rule("weekdays", time(8, 30)), "背单词"),
        ("每隔2天 09:00 刷题", Rule("every_days", time(9), every=2, start=TOMORROW), "刷题"),
        ("每2天 09:00", Rule("every_days", time(9), every=2, start=TOMORROW), ""),
        ("每两天 09:00", Rule("every_days", time(9), every=2, start=TOMORROW), ""),
        ("2小时后 休息", Rule("once", None, at_utc=NOW + timedelta(hours=2)), "休息"),
        ("2小时后休息", Rule("once", None, at_utc=NOW + timedelta(hours=2)), "休息"),
        ("45分钟后", Rule("once", None, at_utc=NOW + timedelta(minutes=45)), ""),
        ("1小时30分钟后 喝茶", Rule("once", None, at_utc=NOW + timedelta(minutes=90)), "喝茶"),
        ("半小时后 喝水", Rule("once", None, at_utc=NOW + timedelta(minutes=30)), "喝水"),
        ("两小时以后", Rule("once", None, at_utc=NOW + timedelta(hours=2)), ""),
        ("明天 08:00 模拟考", Rule("once", time(8), start=TOMORROW), "模拟考"),
        ("今天 21:00", Rule("once", time(21), start=TODAY), ""),
        ("后天 09:00", Rule("once", time(9), start=date(2026, 11, 29)), ""),
        ("明早8点 起床", Rule("once", time(8), start=TOMORROW), "起床"),
        ("明天晚上8点", Rule("once", time(20), start=TOMORROW), ""),
        ("今晚8点半 复习", Rule("once", time(20, 30), start=TODAY), "复习"),
        ("晚上8点 复习", Rule("once", time(20), start=TODAY), "复习"),
        ("每天 下午3点15分 站起来", Rule("daily", time(15, 15)), "站起来"),
        ("每天 中午12点", Rule("daily", time(12)), ""),
        ("每天 八点", Rule("daily", time(8)), ""),
        ("2026年12月1日 9点 考试", Rule("once", time(9), start=date(2026, 12, 1)), "考试"),
    ],
)
def test_parse_zh(text: str, rule: Rule, message: str) -> None:
    assert parse(text, NOW, BERLIN) == (rule, message)


def test_parse_zh_modifiers() -> None:
    rule, message = parse("每天19:00 直到 2026-12-31 共5次 背单词", NOW, BERLIN)
    assert rule == Rule("daily", time(19), until=date(2026, 12, 31), times=5)
    assert message == "背单词"
    rule, _ = parse("每天 19:00 直到2026-12-31为止", NOW, BERLIN)
    assert rule.until == date(2026, 12, 31)
    rule, _ = parse("工作日 07:30 共十次", NOW, BERLIN)
    assert rule.times == 10


# Errors


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "empty", {}),
        ("   ", "empty", {}),
        ("sometimes 19:00", "unknown_rule", {"given": "sometimes"}),
        ("every 2 weeks 10:00", "unknown_rule", {"given": "every"}),
        ("随便 19:00", "unknown_rule", {"given": "随便"}),
        ("daily", "missing_time", {"given": "daily"}),
        ("daily drink water", "missing_time", {"given": "daily"}),
        ("tomorrow morning", "missing_time", {"given": "tomorrow"}),
        ("daily 25:00", "bad_time", {"given": "25:00"}),
        ("daily 7:75", "bad_time", {"given": "7:75"}),
        ("daily 13pm", "bad_time", {"given": "13pm"}),
        ("每天 25点", "bad_time", {"given": "25点"}),
        ("每天 早上19点", "bad_time", {"given": "早上19点"}),
        ("2026-02-30 09:00", "bad_date", {"given": "2026-02-30"}),
        ("2027-02-29 09:00", "bad_date", {"given": "2027-02-29"}),
        ("daily 19:00 until 2026-13-01", "bad_date", {"given": "2026-13-01"}),
        ("today 06:00", "past", {"when": "2026-11-27 06:00"}),
        ("today 10:00", "past", {"when": "2026-11-27 10:00"}),  # now, to the second: not in the future
        ("2026-01-01 09:00", "past", {"when": "2026-01-01 09:00"}),
        ("今天 06:00", "past", {"when": "2026-11-27 06:00"}),
        (
            "daily 19:00 until 2026-11-26",
            "until_before_start",
            {"until": "2026-11-26", "first": "2026-11-27"},
        ),
        (
            "daily 09:00 until 2026-11-27",
            "until_before_start",
            {"until": "2026-11-27", "first": "2026-11-28"},
        ),
        ("daily 19:00 times 0", "bad_count", {"given": "0", "max": 1000}),
        ("daily 19:00 times 1001", "bad_count", {"given": "1001", "max": 1000}),
        ("每天 19:00 共0次", "bad_count", {"given": "0", "max": 1000}),
        ("in 0m", "bad_duration", {"given": "in 0m"}),
        ("0分钟后", "bad_duration", {"given": "0分钟后"}),
        ("in 366 days", "too_far", {"given": "in 366 days", "max_days": 365}),
        ("in 9000h", "too_far", {"given": "in 9000h", "max_days": 365}),
        ("2037-01-01 09:00", "too_far", {"given": "2037-01-01", "max_days": 3660}),
        ("in 99999999999999999999999h", "too_far", {"given": "in " + "9" * 17, "max_days": 365}),
        ("every 1 days 10:00", "bad_interval", {"given": "1", "min": 2, "max": 365}),
        ("every 366 days 10:00", "bad_interval", {"given": "366", "min": 2, "max": 365}),
        ("每1天 10:00", "bad_interval", {"given": "1", "min": 2, "max": 365}),
        ("every 5 minutes", "too_frequent", {"given": "every 5 minutes"}),
        ("every minute", "too_frequent", {"given": "every minute"}),
        ("every 2h 10:00", "too_frequent", {"given": "every 2h"}),
        ("hourly", "too_frequent", {"given": "hourly"}),
        ("每小时", "too_frequent", {"given": "每小时"}),
        ("每5分钟 喝水", "too_frequent", {"given": "每5分钟"}),
    ],
)
def test_errors(text: str, code: str, params: dict) -> None:
    exc = error(text)
    assert (exc.code, exc.params) == (code, params)
    assert code in ERROR_CODES
    assert isinstance(exc, ValueError)


def test_leap_day_one_off() -> None:
    rule, _ = parse("2028-02-29 09:00 leap", NOW, BERLIN)
    assert rule == Rule("once", time(9), start=date(2028, 2, 29))
    assert next_fire(rule, BERLIN, NOW) == utc(2028, 2, 29, 8, 0)
    assert error("2027-02-29 09:00").code == "bad_date"


@pytest.mark.parametrize(
    "text",
    [
        "in",
        "in soon",
        "every",
        "every day",
        "mon,",
        "周",
        "每",
        "每周",
        "25",
        "::",
        "at",
        "@",
        "\x00",
        "daily 19:00:00",
        "every 99999999999999999999 days 10:00",
        "daily 19:00 times 99999999999999999999",
        "9999-12-31 23:59",
        "daily 19:00 until 9999-12-31",
        "0001-01-01 00:00",
        "daily 99:99",
        "每天 99点99分",
        "in 1e9h",
        "明",
        "今晚",
    ],
)
def test_bad_input_raises_only_schedule_error(text: str) -> None:
    try:
        rule, _ = parse(text, NOW, BERLIN)
    except ScheduleError as exc:
        assert exc.code in ERROR_CODES
    else:
        assert upcoming(rule, BERLIN, NOW, 2) is not None


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("daily 19:00", datetime(2026, 11, 27, 9), BERLIN)
    with pytest.raises(ValueError, match="aware"):
        next_fire(Rule("daily", time(19)), BERLIN, datetime(2026, 11, 27, 9))


# describe()


@pytest.mark.parametrize(
    ("rule", "en", "zh"),
    [
        (Rule("daily", time(19)), "daily at 19:00", "每天 19:00"),
        (Rule("weekdays", time(7, 30)), "weekdays at 07:30", "工作日 07:30"),
        (Rule("weekly", time(10), days=(5, 6)), "weekends at 10:00", "周末 10:00"),
        (Rule("weekly", time(18), days=(0, 2, 4)), "Mon, Wed, Fri at 18:00", "每周一、三、五 18:00"),
        (Rule("weekly", time(18), days=(6,)), "Sun at 18:00", "每周日 18:00"),
        (
            Rule("every_days", time(9), every=2, start=date(2026, 12, 1)),
            "every 2 days at 09:00 (from 2026-12-01)",
            "每2天 09:00（从 2026-12-01 起）",
        ),
        (Rule("once", time(9), start=date(2026, 12, 1)), "once at 2026-12-01 09:00", "单次 2026-12-01 09:00"),
        (
            Rule("once", None, at_utc=utc(2026, 11, 27, 11)),
            "once at 2026-11-27 11:00 UTC",
            "单次 2026-11-27 11:00 UTC",
        ),
        (
            Rule("daily", time(19), until=date(2026, 12, 31)),
            "daily at 19:00, until 2026-12-31",
            "每天 19:00，直到 2026-12-31",
        ),
        (Rule("daily", time(19), times=3), "daily at 19:00, 3 times", "每天 19:00，共3次"),
        (Rule("daily", time(19), times=1), "daily at 19:00, 1 time", "每天 19:00，共1次"),
        (
            Rule("weekdays", time(8), until=date(2026, 12, 31), times=3),
            "weekdays at 08:00, until 2026-12-31, 3 times",
            "工作日 08:00，直到 2026-12-31，共3次",
        ),
    ],
)
def test_describe(rule: Rule, en: str, zh: str) -> None:
    assert rule.describe("en") == en
    assert rule.describe("zh") == zh
    assert rule.describe("zh-CN") == zh


def test_describe_relative_in_zone() -> None:
    rule = Rule("once", None, at_utc=utc(2026, 11, 27, 11))
    assert rule.describe("en", BERLIN) == "once at 2026-11-27 12:00"
    assert rule.describe("zh", KOLKATA) == "单次 2026-11-27 16:30"


# JSON


@pytest.mark.parametrize(
    "rule",
    [
        Rule("daily", time(19)),
        Rule("weekdays", time(7, 30), until=date(2026, 12, 31), times=5),
        Rule("weekly", time(18), days=(0, 2, 4)),
        Rule("every_days", time(9), every=3, start=date(2026, 12, 1)),
        Rule("once", time(9), start=date(2028, 2, 29)),
        Rule("once", None, at_utc=datetime(2026, 11, 27, 11, 0, 5, 123, tzinfo=UTC)),
        Rule("daily", time(19, 0, 30)),
    ],
)
def test_json_round_trip(rule: Rule) -> None:
    text = rule.to_json()
    assert Rule.from_json(text) == rule
    assert Rule.from_json(text).to_json() == text


def test_json_is_stable() -> None:
    assert Rule("weekly", time(18), days=(0, 2)).to_json() == (
        '{"at_utc":null,"days":[0,2],"every":1,"kind":"weekly","start":null,'
        '"time":"18:00","times":null,"until":null,"v":1}'
    )
    text = Rule("once", None, at_utc=datetime(2026, 11, 27, 12, tzinfo=BERLIN)).to_json()
    assert '"at_utc":"2026-11-27T11:00:00+00:00"' in text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        "{}",
        '{"kind":"hourly","time":"10:00"}',
        '{"kind":"daily","time":null}',
        '{"kind":"daily","time":"25:00"}',
        '{"kind":"weekly","time":"10:00","days":[]}',
        '{"kind":"weekly","time":"10:00","days":[9]}',
        '{"kind":"every_days","time":"10:00","every":2}',
        '{"kind":"once","time":"10:00"}',
        '{"kind":"daily","time":"10:00","times":0}',
    ],
)
def test_from_json_rejects_bad_rules(text: str) -> None:
    with pytest.raises(ScheduleError) as info:
        Rule.from_json(text)
    assert info.value.code == "bad_rule"


def test_parsed_rules_round_trip() -> None:
    for text in [
        "daily 19:00",
        "mon,wed 7pm until 2027-01-31 times 4",
        "every 3 days 8am",
        "in 2h",
        "2026-12-01 9:00",
    ]:
        rule, _ = parse(text, NOW, BERLIN)
        assert Rule.from_json(rule.to_json()) == rule


# Fire times across DST: the local time stays, the UTC instant moves


@pytest.mark.parametrize(
    ("zone", "after", "expected_utc"),
    [
        # Berlin springs forward on Sunday 2026-03-29 (CET +1 -> CEST +2)
        (BERLIN, utc(2026, 3, 27, 12), [utc(2026, 3, 28, 8), utc(2026, 3, 29, 7), utc(2026, 3, 30, 7)]),
        # ... and falls back on Sunday 2026-10-25
        (BERLIN, utc(2026, 10, 23, 12), [utc(2026, 10, 24, 7), utc(2026, 10, 25, 8), utc(2026, 10, 26, 8)]),
        # New York: 2026-03-08 (EST -5 -> EDT -4) and 2026-11-01 back
        (NEW_YORK, utc(2026, 3, 6, 18), [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)]),
        (
            NEW_YORK,
            utc(2026, 10, 30, 18),
            [utc(2026, 10, 31, 13), utc(2026, 11, 1, 14), utc(2026, 11, 2, 14)],
        ),
    ],
)
def test_daily_keeps_local_time_across_dst(
    zone: ZoneInfo, after: datetime, expected_utc: list[datetime]
) -> None:
    fires = upcoming(Rule("daily", time(9)), zone, after)
    assert fires == expected_utc
    assert [t.astimezone(zone).time() for t in fires] == [time(9)] * 3
    assert all(t.tzinfo is UTC for t in fires)


def test_spring_forward_gap_fires_once_after_the_gap() -> None:
    """02:30 does not exist in Berlin on 2026-03-29: it fires once, at 03:30 CEST (01:30 UTC)."""
    rule = Rule("daily", time(2, 30))
    fires = upcoming(rule, BERLIN, utc(2026, 3, 27, 12), 3)
    assert local(fires, BERLIN) == ["2026-03-28 02:30", "2026-03-29 03:30", "2026-03-30 02:30"]
    assert fires[1] == utc(2026, 3, 29, 1, 30)
    # asked just after the clocks jumped (01:00 UTC = 03:00 CEST), the shifted fire is not skipped
    assert next_fire(rule, BERLIN, utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 1, 30)
    assert next_fire(rule, BERLIN, utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 30, 0, 30)


def test_spring_forward_gap_one_off() -> None:
    rule, _ = parse("2026-03-29 02:30 gap", utc(2026, 3, 1), BERLIN)
    assert next_fire(rule, BERLIN, utc(2026, 3, 1)) == utc(2026, 3, 29, 1, 30)


def test_fall_back_ambiguous_time_fires_once() -> None:
    """02:30 happens twice in Berlin on 2026-10-25 (00:30 and 01:30 UTC): only the first one fires."""
    rule = Rule("daily", time(2, 30))
    fires = upcoming(rule, BERLIN, utc(2026, 10, 24, 12), 3)
    assert fires == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)]
    assert [t.astimezone(BERLIN).date() for t in fires] == [date(2026, 10, 25 + i) for i in range(3)]
    # resuming between the two occurrences (after the first fired) does not fire the repeat
    assert next_fire(rule, BERLIN, utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)
    assert next_fire(rule, BERLIN, utc(2026, 10, 25, 1, 0)) == utc(2026, 10, 26, 1, 30)


def test_fall_back_ambiguous_one_off_is_the_first_occurrence() -> None:
    rule, _ = parse("2026-10-25 02:30", utc(2026, 10, 1), BERLIN)
    assert next_fire(rule, BERLIN, utc(2026, 10, 1)) == utc(2026, 10, 25, 0, 30)


def test_weekly_on_fall_back_day_fires_once() -> None:
    rule = Rule("weekly", time(2, 30), days=(6,))  # 2026-10-25 is a Sunday
    fires = upcoming(rule, BERLIN, utc(2026, 10, 20), 2)
    assert fires == [utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]


# Fire times: the rule kinds


def test_weekdays_skip_the_weekend() -> None:
    rule, _ = parse("weekdays 07:30", NOW, BERLIN)
    fires = upcoming(rule, BERLIN, NOW, 3)  # Friday 10:00: today's 07:30 is gone
    assert local(fires, BERLIN) == ["2026-11-30 07:30", "2026-12-01 07:30", "2026-12-02 07:30"]


def test_weekends() -> None:
    rule, _ = parse("weekends 10:00", NOW, BERLIN)
    assert local(upcoming(rule, BERLIN, NOW, 3), BERLIN) == [
        "2026-11-28 10:00",
        "2026-11-29 10:00",
        "2026-12-05 10:00",
    ]


def test_mon_wed_fri() -> None:
    rule, _ = parse("mon,wed,fri 18:00", NOW, BERLIN)
    fires = upcoming(rule, BERLIN, NOW, 4)
    assert local(fires, BERLIN) == [
        "2026-11-27 18:00",
        "2026-11-30 18:00",
        "2026-12-02 18:00",
        "2026-12-04 18:00",
    ]


def test_every_two_days_is_anchored_on_its_first_day() -> None:
    rule, _ = parse("every 2 days 09:00", NOW, BERLIN)  # 09:00 has passed today: starts tomorrow
    assert rule.start == TOMORROW
    assert local(upcoming(rule, BERLIN, NOW, 3), BERLIN) == [
        "2026-11-28 09:00",
        "2026-11-30 09:00",
        "2026-12-02 09:00",
    ]
    # asked on an off day, or late on a fire day, it keeps the rhythm
    assert local([next_fire(rule, BERLIN, utc(2026, 11, 29, 12))], BERLIN) == ["2026-11-30 09:00"]
    assert local([next_fire(rule, BERLIN, utc(2026, 11, 30, 8, 0))], BERLIN) == ["2026-12-02 09:00"]
    # and before its start, it waits for the start
    assert local([next_fire(rule, BERLIN, utc(2026, 11, 1))], BERLIN) == ["2026-11-28 09:00"]


def test_every_n_days_across_dst_and_long_gaps() -> None:
    rule = Rule("every_days", time(9), every=3, start=date(2026, 3, 26))
    assert local(upcoming(rule, BERLIN, utc(2026, 3, 25), 3), BERLIN) == [
        "2026-03-26 09:00",
        "2026-03-29 09:00",
        "2026-04-01 09:00",
    ]
    yearly = Rule("every_days", time(9), every=365, start=date(2026, 12, 1))
    assert local(upcoming(yearly, BERLIN, NOW, 2), BERLIN) == ["2026-12-01 09:00", "2027-12-01 09:00"]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (BERLIN, ["2027-01-30 23:30", "2027-01-31 23:30", "2027-02-01 23:30"]),
        (NEW_YORK, ["2027-01-30 23:30", "2027-01-31 23:30", "2027-02-01 23:30"]),  # 04:30 UTC the next day
        (KOLKATA, ["2027-01-30 23:30", "2027-01-31 23:30", "2027-02-01 23:30"]),
    ],
)
def test_month_end(zone: ZoneInfo, expected: list[str]) -> None:
    after = datetime(2027, 1, 30, 12, tzinfo=zone).astimezone(UTC)
    assert local(upcoming(Rule("daily", time(23, 30)), zone, after, 3), zone) == expected


def test_until_ends_the_rule() -> None:
    rule, _ = parse("daily 19:00 until 2026-11-29", NOW, BERLIN)
    fires = upcoming(rule, BERLIN, NOW, 10)
    assert local(fires, BERLIN) == ["2026-11-27 19:00", "2026-11-28 19:00", "2026-11-29 19:00"]
    assert next_fire(rule, BERLIN, fires[-1], fired=3) is None


def test_times_ends_the_rule() -> None:
    rule, _ = parse("weekdays 08:00 times 3", NOW, BERLIN)
    fires = upcoming(rule, BERLIN, NOW, 10)
    assert len(fires) == 3
    assert next_fire(rule, BERLIN, fires[-1], fired=3) is None
    assert next_fire(rule, BERLIN, NOW, fired=3) is None
    assert upcoming(rule, BERLIN, NOW, 10, fired=2) == fires[:1]


def test_relative_is_exact_in_utc() -> None:
    now = datetime(2026, 3, 29, 0, 45, 12, 345678, tzinfo=UTC)  # the Berlin DST jump is inside the 2 h
    rule, message = parse("in 2h stretch", now, BERLIN)
    assert rule.at_utc == now + timedelta(hours=2)
    assert next_fire(rule, BERLIN, now) == now + timedelta(hours=2)
    assert next_fire(rule, BERLIN, now, fired=1) is None
    assert next_fire(rule, BERLIN, now + timedelta(hours=2)) is None
    assert message == "stretch"


def test_tomorrow_in_kolkata() -> None:
    now = utc(2026, 11, 27, 20, 0)  # already 2026-11-28 01:30 in India
    rule, _ = parse("tomorrow 08:00 revise", now, KOLKATA)
    assert rule == Rule("once", time(8), start=date(2026, 11, 29))
    assert next_fire(rule, KOLKATA, now) == utc(2026, 11, 29, 2, 30)
    assert upcoming(rule, KOLKATA, now) == [utc(2026, 11, 29, 2, 30)]


def test_one_off_is_over_after_its_time() -> None:
    rule, _ = parse("today 21:00", NOW, BERLIN)
    at = next_fire(rule, BERLIN, NOW)
    assert at == utc(2026, 11, 27, 20, 0)
    assert next_fire(rule, BERLIN, at) is None


def test_upcoming_returns_increasing_times() -> None:
    for text in [
        "daily 19:00",
        "mon,wed,fri 18:00",
        "every 2 days 09:00",
        "weekends 10:00",
        "周一至周五 8点",
    ]:
        rule, _ = parse(text, NOW, BERLIN)
        fires = upcoming(rule, BERLIN, NOW)
        assert len(fires) == 3
        assert NOW < fires[0] < fires[1] < fires[2]


def test_next_fire_is_strictly_after() -> None:
    rule = Rule("daily", time(19))
    fire = utc(2026, 11, 27, 18, 0)
    assert next_fire(rule, BERLIN, fire - timedelta(microseconds=1)) == fire
    assert next_fire(rule, BERLIN, fire) == utc(2026, 11, 28, 18, 0)


# What the learner tripped over


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("tomorrow", "tomorrow"),
        ("daily", "daily"),
        ("  weekdays  ", "weekdays"),
        ("mon,wed,fri", "mon,wed,fri"),
        ("every 2 days", "every 2 days"),
        ("2026-12-01", "2026-12-01"),
        ("明天", "明天"),
        ("每天", "每天"),
    ],
)
def test_a_rule_without_a_time_names_the_rule_word_not_an_empty_one(text: str, given: str) -> None:
    e = error(text)
    assert (e.code, e.params) == ("missing_time", {"given": given})


@pytest.mark.parametrize(
    ("text", "relative"),
    [
        ("in 30m", True),
        ("in 1h30m stretch", True),
        ("2小时后 喝水", True),
        ("半小时后", True),
        ("daily 19:00", False),
        ("tomorrow 08:00", False),
        ("19:00 in 30m", False),
        ("inbox zero", False),
        ("", False),
    ],
)
def test_a_relative_delay_is_told_apart_from_a_time_of_day(text: str, relative: bool) -> None:
    assert is_relative(text) is relative

"""handlers/schedule/parse.py: the /remind rule syntax (en, zh) and its errors."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule import ERROR_CODES, Rule, ScheduleError, is_relative, next_fire, parse, upcoming
from tests.schedule_cases import BERLIN, NOW, TODAY, TOMORROW, utc


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

"""handlers/schedule/times.py: DST-correct fire times for every rule kind."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule import Rule, next_fire, parse, upcoming
from tests.schedule_cases import BERLIN, KOLKATA, NEW_YORK, NOW, TOMORROW, local, utc

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

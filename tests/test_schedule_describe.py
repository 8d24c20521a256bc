"""handlers/schedule/describe.py: a rule in words, en and zh."""

from __future__ import annotations

from datetime import date, time

import pytest

from handlers.schedule import Rule
from tests.schedule_cases import BERLIN, KOLKATA, utc


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

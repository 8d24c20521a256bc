"""handlers/schedule/rule.py: the stored JSON form of a rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from handlers.schedule import Rule, ScheduleError, parse
from tests.schedule_cases import BERLIN, NOW


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

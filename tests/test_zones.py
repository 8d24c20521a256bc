"""handlers/core/zones.py: what people type as a time zone, mapped to IANA zones (never to an offset)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel import Locale

from handlers.core.zones import AMBIGUOUS, NAMES, ZoneMatch, locale_zone, lookup

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "zone"),
    [
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("ASIA/KOLKATA", "Asia/Kolkata"),
        ("america/new york", "America/New_York"),
        ("IST", "Asia/Kolkata"),
        ("  Ist  ", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("INDIA TIME", "Asia/Kolkata"),
        ("印度标准时间", "Asia/Kolkata"),
        ("北京时间", "Asia/Shanghai"),
        ("东八区", "Asia/Shanghai"),
        ("Japan Standard Time", "Asia/Tokyo"),
        ("ＪＳＴ", "Asia/Tokyo"),  # full-width letters
        ("Türkiye", "Europe/Istanbul"),
        ("turkey", "Europe/Istanbul"),
        ("台湾", "Asia/Taipei"),
        ("香港", "Asia/Hong_Kong"),
        ("UK", "Europe/London"),
        ("utc", "UTC"),
        ("UTC+0", "UTC"),
        ("UTC+05:45", "Asia/Kathmandu"),
        ("utc +5.45", "Asia/Kathmandu"),
    ],
)
def test_names_that_mean_one_zone(given: str, zone: str) -> None:
    assert lookup(given, None, NOW).zone == zone


@pytest.mark.parametrize(
    ("given", "choices"),
    [
        ("CST", {"America/Chicago", "Asia/Shanghai", "America/Havana"}),
        ("GMT", {"Europe/London", "UTC"}),
        ("UTC+8", {"Asia/Shanghai", "Asia/Singapore", "Australia/Perth"}),
        ("ＵＴＣ＋８", {"Asia/Shanghai", "Asia/Singapore", "Australia/Perth"}),
        ("GMT-5", {"America/New_York", "America/Lima", "America/Chicago"}),  # EST, Peru, CDT
        ("东九区", {"Asia/Tokyo", "Asia/Seoul"}),
        ("Russia", {"Europe/Moscow", "Asia/Vladivostok", "Europe/Kaliningrad"}),
        ("Brazil", {"America/Sao_Paulo", "America/Noronha"}),
        ("美国", {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"}),
    ],
)
def test_names_that_mean_several_zones_offer_a_choice(given: str, choices: set[str]) -> None:
    match = lookup(given, None, NOW)
    assert match.zone is None and match.ambiguous
    assert choices <= set(match.others)


def test_a_country_offers_one_zone_per_behaviour_the_most_used_first() -> None:
    us = lookup("United States", None, NOW).others
    assert us[0] == "America/New_York"
    assert "America/Indiana/Indianapolis" not in us  # behaves as New York from now on
    assert lookup("Brazil", None, NOW).others[0] == "America/Sao_Paulo"


def test_the_learners_country_breaks_a_tie_and_the_rest_are_mentioned() -> None:
    assert lookup("CST", "zh-CN", NOW) == ZoneMatch("Asia/Shanghai", ("America/Chicago", "America/Havana"))
    assert lookup("IST", "he_IL", NOW).zone == "Asia/Jerusalem"
    assert lookup("CST", "en", NOW).zone is None  # English is spoken everywhere: no guess


@pytest.mark.parametrize("given", ["", "   ", "Mars/Base", "UTC+13:15", "UTC+25", "Etc/GMT-5", "x" * 200])
def test_what_names_no_zone(given: str) -> None:
    assert lookup(given, None, NOW) == ZoneMatch()


@pytest.mark.parametrize(
    ("locale", "zone"),
    [
        ("en_IN", "Asia/Kolkata"),
        ("zh", "Asia/Shanghai"),
        ("zh-TW", "Asia/Taipei"),
        ("hi", "Asia/Kolkata"),
        ("en", None),
        ("en_US", None),
        (None, None),
        ("xx-??", None),
    ],
)
def test_a_locale_suggests_its_countrys_zone_if_it_has_one(locale: str | None, zone: str | None) -> None:
    assert locale_zone(locale) == zone


def _offsets() -> list[str]:
    return [f"UTC{'+' if m >= 0 else '-'}{abs(m) // 60}:{abs(m) % 60:02d}" for m in range(-720, 841, 15)]


def test_every_answer_is_a_loadable_iana_zone_never_an_offset() -> None:
    inputs = [*NAMES, *AMBIGUOUS, *_offsets(), *Locale.parse("en").territories.values()]
    inputs += list(Locale.parse("zh").territories.values())
    for given in inputs:
        match = lookup(given, None, NOW)
        for zone in (match.zone, *match.others):
            if zone is None:
                continue
            assert zone == "UTC" or "/" in zone and not zone.startswith("Etc/"), (given, zone)
            ZoneInfo(zone)

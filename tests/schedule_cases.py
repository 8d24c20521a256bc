"""The fixed clock and zones the tests of handlers/schedule share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

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
    """Fire times as local 'YYYY-MM-DD HH:MM' strings in `zone`."""
    return [t.astimezone(zone).strftime("%Y-%m-%d %H:%M") for t in times]

"""db/study_logs.py on both databases: study logs and the sums over them."""

from __future__ import annotations

from datetime import timedelta

from db import study_logs
from tests.stores import NOW, make_user


async def test_study_log_minutes_and_times(sessions) -> None:  # noqa: ANN001
    """Logs keep instants: minutes are summed over [start, end), times come back newest first, and a
    back-dated log counts at the instant it was studied, not when it was written."""
    uid = await make_user(sessions)
    other = await make_user(sessions, "bob", "Bob")
    async with sessions() as s, s.begin():
        for days_ago, minutes in ((0, 30), (0, 45), (1, 60), (3, 15), (10, 120)):
            when = NOW - timedelta(days=days_ago)
            await study_logs.add_study_log(s, uid, minutes, f"{days_ago}d", NOW, studied_at=when)
        await study_logs.add_study_log(s, other, 500, "", NOW)  # someone else's: never counted
    day = timedelta(days=1)
    async with sessions() as s:
        assert await study_logs.minutes_between(s, uid, NOW - timedelta(hours=1)) == 75
        assert await study_logs.minutes_between(s, uid, NOW - day) == 135  # the start is included
        assert await study_logs.minutes_between(s, uid, NOW - 7 * day, NOW - day) == 15  # the end is not
        assert await study_logs.minutes_between(s, uid, NOW + timedelta(seconds=1)) == 0
        times = await study_logs.study_times(s, uid, NOW - 30 * day)
        assert times == sorted(times, reverse=True) and len(times) == 5
        assert all(t.tzinfo is not None for t in times)
        assert await study_logs.study_times(s, uid, NOW - 2 * day) == [NOW, NOW, NOW - day]
        assert await study_logs.study_times(s, other, NOW - day) == [NOW]
    async with sessions() as s:
        new = await make_user(sessions, "dave", "Dave")
        assert await study_logs.minutes_between(s, new, NOW - day) == 0
        assert await study_logs.study_times(s, new, NOW - day) == []


async def test_logs_are_kept_apart_and_found_only_by_their_owner(sessions) -> None:  # noqa: ANN001
    uid = await make_user(sessions)
    async with sessions() as s, s.begin():
        first = await study_logs.add_study_log(s, uid, 30, "", NOW)
        again = await study_logs.add_study_log(s, uid, 30, "", NOW)
    assert first and again and first != again  # /log entries are never merged
    async with sessions() as s:
        assert [log.id for log in await study_logs.recent_logs(s, uid)] == [again, first]
        assert await study_logs.own_log(s, uid + 1, first) is None

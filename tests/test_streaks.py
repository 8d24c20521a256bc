"""Fair streaks (handlers/study_time.fair_streaks, /streak in handlers/study.py): freezes earned every 7
days, used by a missed day, at most 2 held; a 12-week calendar in the learner's zone; en and zh."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from handlers.study_time import fair_streaks
from tests.conftest import texts

D = date(2026, 3, 2)


def _days(*ranges: tuple[int, int]) -> set[date]:
    """Days D+a .. D+b-1 for each (a, b)."""
    return {D + timedelta(days=i) for a, b in ranges for i in range(a, b)}


def test_a_miss_without_a_freeze_ends_the_run() -> None:
    st = fair_streaks(_days((0, 3), (4, 6)), D + timedelta(days=5))
    assert (st.current, st.best, st.frozen, st.freezes) == (2, 3, frozenset(), 0)


def test_seven_days_earn_a_freeze_that_a_missed_day_uses() -> None:
    days = _days((0, 7), (8, 10))  # day 7 missed
    st = fair_streaks(days, D + timedelta(days=9))
    assert st.frozen == frozenset({D + timedelta(days=7)})
    assert (st.current, st.best, st.freezes) == (9, 9, 0)


def test_at_most_two_freezes_and_a_third_miss_ends_it() -> None:
    days = _days((0, 21), (24, 26))  # 21 days: 3 freezes earned, 2 held; days 21, 22, 23 missed
    st = fair_streaks(days, D + timedelta(days=25))
    assert st.frozen == frozenset({D + timedelta(days=21), D + timedelta(days=22)})
    assert (st.current, st.best) == (2, 21)


def test_today_is_not_missed_before_it_is_over() -> None:
    st = fair_streaks(_days((0, 3)), D + timedelta(days=3))
    assert (st.current, st.frozen) == (3, frozenset())
    assert fair_streaks(set(), D).current == 0


async def test_streak_shows_a_frozen_day_in_the_calendar(chat, clock):
    for i in list(range(7)) + [8]:  # 7 days in a row, a day off, then back
        clock.set(datetime(2026, 3, 2, 10, tzinfo=UTC) + timedelta(days=i))
        await chat.say("/log 30")
    text = texts(await chat.say("/streak"))
    assert "Current streak: 8 days · best: 8 days · streak freezes: 0 of 2" in text
    assert "03-09 🧊🟩▫️▫️▫️▫️▫️" in text  # Monday 9 March frozen, Tuesday (today) studied, days ahead
    assert "03-02 🟩🟩🟩🟩🟩🟩🟩" in text
    assert "Streak: 8 days" in texts(await chat.say("/progress"))


async def test_streak_days_follow_the_learners_zone_in_chinese(chat, clock):
    await chat.say("/lang zh")
    await chat.say("/timezone Asia/Tokyo")
    clock.set(datetime(2026, 3, 2, 14, 30, tzinfo=UTC))  # 23:30 Monday in Tokyo
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # 00:30 Tuesday in Tokyo
    await chat.say("/log 30")
    assert "当前连续学习：2 天" in texts(await chat.say("/streak"))


async def test_the_streak_at_risk_nudge_comes_only_on_a_day_not_studied(chat, app, clock):
    await chat.say("/timezone UTC")
    assert "22:00 (UTC)" in texts(await chat.say("/streak remind on"))

    async def at(hour: int, day: int) -> list[str]:
        before = len(app.fake.sent)
        clock.set(datetime(2026, 3, day, hour, tzinfo=UTC))
        await app.reminders.tick()
        return [r.plain() for _, r in app.fake.sent[before:]]

    assert await at(22, 2) == []  # no streak yet: nothing at risk
    clock.set(datetime(2026, 3, 3, 9, tzinfo=UTC))
    await chat.say("/log 20")
    assert await at(22, 3) == []  # studied today
    (nudge,) = await at(22, 4)
    assert nudge.startswith("🔥 Your 1-day streak is at risk: nothing logged today yet.")
    assert await at(23, 4) == []  # once
    assert "No streak-at-risk nudges" in texts(await chat.say("/streak remind off"))
    assert await at(22, 5) == []
    assert "Send /streak for your streak" in texts(await chat.say("/streak blah"))

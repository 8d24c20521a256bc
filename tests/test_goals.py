"""/goal (handlers/goals.py): a weekly goal, this week against it, and a finish date at the learner's
pace or at the goal's, in the learner's zone; en and zh."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.goals import parse_goal
from tests.conftest import DATABASES, texts


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("6h", 360), ("6", 360), ("1.5h", 90), ("90m", 90), ("6小时", 360), ("6h/week", 360), ("soon", None)],
)
def test_a_goal_is_hours_a_week(text: str, minutes: int | None) -> None:
    assert parse_goal(text) == minutes


def _around(start: date, hours_left: int, per_week_minutes: int) -> str:
    return f"{start + timedelta(days=round(hours_left * 60 / per_week_minutes * 7)):%Y-%m}"


@pytest.mark.parametrize("db_url", DATABASES, indirect=True)
async def test_a_goal_shows_the_week_and_a_finish_date_at_the_goal_then_at_the_real_pace(db_app, clock):
    app = db_app
    chat = app.fake.chat("alice")
    total = sum(s.hours for s in app.store.content.steps)
    assert "no weekly goal yet" in texts(await chat.say("/goal"))
    await chat.say("/log 1h30 pandas")  # Monday 2 March 2026, 10:00 UTC
    text = texts(await chat.say("/goal 6h"))
    assert "Your weekly goal: 6 h 0 min." in text
    assert "This week: 1 h 30 min of 6 h 0 min, 4 h 30 min to go, 6 days left." in text
    assert f"At your goal of 6 h a week, the {total} h left on the roadmap take until around" in text
    assert _around(date(2026, 3, 2), total, 360) in text

    # four weeks at 3 h a week: the estimate follows the real pace
    for week in range(1, 5):
        clock.set(datetime(2026, 3, 2, 10, tzinfo=UTC) + timedelta(weeks=week))
        await chat.say("/log 3h maths")
    clock.set(datetime(2026, 3, 30, 12, tzinfo=UTC) + timedelta(weeks=1))  # a Monday, 5 weeks on
    await chat.say("/done 1")
    text = texts(await chat.say("/goal"))
    left = total - app.store.content.steps[0].hours
    # the last 4 full weeks (9 March to 5 April) hold 3 h each; this week has nothing yet
    assert f"At your pace of 3 h a week (the last 4 weeks), the {left} h left" in text
    assert _around(date(2026, 4, 6), left, 180) in text
    assert "This week: 0 h 0 min of 6 h 0 min, 6 h 0 min to go, 6 days left." in text


async def test_bad_goals_change_nothing_and_off_removes_it(chat):
    assert "isn't a number of hours a week" in texts(await chat.say("/goal lots"))
    assert "from half an hour to 100 hours" in texts(await chat.say("/goal 200h"))
    assert "no weekly goal yet" in texts(await chat.say("/goal"))
    await chat.say("/goal 5")
    assert "Your weekly goal is off." in texts(await chat.say("/goal off"))
    assert "no weekly goal yet" in texts(await chat.say("/goal"))


async def test_goal_in_chinese_and_the_week_follows_the_learners_zone(chat, clock):
    await chat.say("/lang zh")
    await chat.say("/timezone Asia/Tokyo")
    clock.set(datetime(2026, 3, 1, 16, tzinfo=UTC))  # Monday 01:00 in Tokyo, still Sunday in UTC
    await chat.say("/log 1h")
    text = texts(await chat.say("/goal 4h"))
    assert "你的每周目标：4 小时 0 分钟。" in text
    assert "本周：1 小时 0 分钟 / 4 小时 0 分钟，还差 3 小时 0 分钟，还剩 6 天。" in text
    assert "按每周 4 小时的目标" in text

"""/log and /progress: parsing study time, what gets stored, week minutes and streaks (learner's zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import StudyLog, User
from handlers.roadmap import progress_bar
from handlers.study import MAX_NOTE, parse_minutes, split_log_args, streak
from tests.conftest import texts

MONDAY = date(2026, 3, 2)


async def study_logs(app, user_id: str = "alice") -> list[StudyLog]:  # noqa: ANN001
    async with app.sessions() as session:
        rows = await session.execute(
            select(StudyLog)
            .join(User, User.id == StudyLog.user_id)
            .where(User.platform_user_id == user_id)
            .order_by(StudyLog.id)
        )
        return list(rows.scalars().all())


async def all_logs(app) -> list[tuple]:  # noqa: ANN001
    async with app.sessions() as session:
        rows = await session.execute(
            select(StudyLog.user_id, StudyLog.minutes, StudyLog.note, StudyLog.local_day).order_by(
                StudyLog.id
            )
        )
        return [tuple(row) for row in rows.all()]


# parse_minutes and split_log_args


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("45m", 45),
        ("45 min", 45),
        ("45 minutes", 45),
        ("1h", 60),
        ("1H", 60),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1.5h", 90),
        ("1,5h", 90),
        ("2 hours", 120),
        ("1 hour 30 minutes", 90),
        ("90分钟", 90),
        ("2小时", 120),
        ("  45  ", 45),
    ],
)
def test_parse_minutes_understands_durations(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "   ", "abc", "h", "m", "1.5", "forty", "45 pandas", "-5", "1h30x"])
def test_parse_minutes_rejects_non_durations(text: str) -> None:
    assert parse_minutes(text) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("45", (45, "")),
        ("45 pandas", (45, "pandas")),
        ("45m pandas basics", (45, "pandas basics")),
        ("1h30 linear algebra", (90, "linear algebra")),
        ("1h 30m linear algebra", (90, "linear algebra")),
        ("2 hours linear algebra", (120, "linear algebra")),
        ("1.5h", (90, "")),
        ("90分钟 线性代数", (90, "线性代数")),
        ("abc", (None, "abc")),
        ("pandas 45", (None, "pandas 45")),
    ],
)
def test_split_log_args_takes_the_longest_leading_duration(args: str, expected: tuple) -> None:
    assert split_log_args(args) == expected


# /log stores what it understood


@pytest.mark.parametrize(
    ("args", "minutes"),
    [
        ("45", 45),
        ("45m", 45),
        ("1h", 60),
        ("1h30", 90),
        ("1.5h", 90),
        ("2 hours", 120),
        ("90分钟", 90),
    ],
)
async def test_log_stores_the_parsed_minutes(chat, app, args: str, minutes: int) -> None:  # noqa: ANN001
    replies = await chat.say(f"/log {args}")
    assert f"Logged {minutes} min." in texts(replies)
    logs = await study_logs(app)
    assert [(log.minutes, log.note, log.local_day) for log in logs] == [(minutes, "", MONDAY)]


async def test_log_with_a_note_stores_the_note(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log 2 hours linear algebra")
    assert "Logged 120 min of linear algebra" in texts(replies)
    assert "Today: 120 min" in texts(replies)
    logs = await study_logs(app)
    assert [(log.minutes, log.note) for log in logs] == [(120, "linear algebra")]
    assert logs[0].logged_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def test_log_adds_up_today(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 45 pandas")
    replies = await chat.say("/log 1h30 numpy")
    assert "Today: 135 min" in texts(replies)
    assert [(log.minutes, log.note) for log in await study_logs(app)] == [(45, "pandas"), (90, "numpy")]


async def test_log_without_arguments_explains_usage(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log")
    assert "Tell me how long you studied" in texts(replies)
    assert await all_logs(app) == []


async def test_log_with_words_only_is_not_understood(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log abc")
    assert '"abc" is not a study time I understand' in texts(replies)
    assert "/log 1h30" in texts(replies)
    assert await all_logs(app) == []


@pytest.mark.parametrize("args", ["0", "2000", "0 pandas", "25h"])
async def test_log_out_of_range_is_refused(chat, app, args: str) -> None:  # noqa: ANN001
    replies = await chat.say(f"/log {args}")
    assert "between 1 minute and 1440 minutes" in texts(replies)
    assert await all_logs(app) == []


def test_parse_minutes_survives_absurdly_large_hours() -> None:
    """A 400-digit hour count overflows float -> int; it must be rejected, not crash."""
    result = parse_minutes("9" * 400 + "h")
    assert result is None or result > 24 * 60


async def test_log_with_absurdly_large_hours_gets_a_helpful_reply(chat, app) -> None:  # noqa: ANN001
    text = texts(await chat.say("/log " + "9" * 400 + "h"))
    assert "something went wrong" not in text
    assert "between 1 minute and 1440 minutes" in text or "is not a study time I understand" in text
    assert await all_logs(app) == []


async def test_log_with_a_note_over_200_characters_is_refused(chat, app) -> None:  # noqa: ANN001
    replies = await chat.say("/log 45 " + "n" * (MAX_NOTE + 1))
    assert "That note is too long (max 200 characters)" in texts(replies)
    assert await all_logs(app) == []


async def test_log_with_a_note_of_exactly_200_characters_is_stored(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 45 " + "n" * MAX_NOTE)
    logs = await study_logs(app)
    assert len(logs) == 1 and logs[0].note == "n" * MAX_NOTE


async def test_log_that_would_pass_24_hours_in_a_day_is_refused(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 1000 marathon")
    replies = await chat.say("/log 500")
    assert "more than 24 hours today" in texts(replies)
    assert "you already logged 1000 minutes" in texts(replies)
    assert [log.minutes for log in await study_logs(app)] == [1000]


async def test_log_up_to_exactly_24_hours_is_fine(chat, app) -> None:  # noqa: ANN001
    await chat.say("/log 1000")
    replies = await chat.say("/log 440")
    assert "Today: 1440 min" in texts(replies)
    replies = await chat.say("/log 1")
    assert "more than 24 hours today" in texts(replies)
    assert [log.minutes for log in await study_logs(app)] == [1000, 440]


async def test_a_full_day_does_not_block_the_next_day(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/log 1440")
    clock.advance(days=1)
    replies = await chat.say("/log 30")
    assert "Today: 30 min" in texts(replies)
    assert [(log.minutes, log.local_day) for log in await study_logs(app)] == [
        (1440, MONDAY),
        (30, MONDAY + timedelta(days=1)),
    ]


# /progress


async def test_progress_for_a_new_learner(chat, app) -> None:  # noqa: ANN001
    total = len(app.store.content.steps)
    text = texts(await chat.say("/progress"))
    assert "Your progress" in text
    assert f"Roadmap: 0 of {total} steps done" in text
    assert progress_bar(0, total) in text
    assert "Study time this week: 0 h 0 min" in text
    assert "Streak: 0 day(s) in a row" in text
    assert "(UTC)" in text


async def test_progress_shows_steps_bar_week_minutes_and_streak(chat, app, clock) -> None:  # noqa: ANN001
    total = len(app.store.content.steps)
    await chat.say("/done 1")
    await chat.say("/done 2")
    await chat.say("/doing 3")  # in progress does not count as done
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))  # Sunday: last week
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # Monday
    await chat.say("/log 45 pandas")
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))  # Tuesday
    await chat.say("/log 1h")
    text = texts(await chat.say("/progress"))
    assert f"Roadmap: 2 of {total} steps done" in text
    assert progress_bar(2, total) in text
    assert "Study time this week: 1 h 45 min" in text  # Monday + Tuesday, not last Sunday
    assert "Streak: 3 day(s) in a row" in text


async def test_progress_week_starts_on_monday_in_the_learners_zone(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 3, 1, 18, 0, tzinfo=UTC))  # Sunday 23:30 in Kolkata
    await chat.say("/log 20")
    clock.set(datetime(2026, 3, 1, 19, 0, tzinfo=UTC))  # Monday 00:30 in Kolkata (still Sunday in UTC)
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))  # Wednesday
    text = texts(await chat.say("/progress"))
    assert "Study time this week: 0 h 30 min" in text
    assert "(Asia/Kolkata)" in text


async def test_progress_week_resets_next_monday(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/log 2h")
    clock.set(datetime(2026, 3, 8, 23, 0, tzinfo=UTC))  # Sunday night: same week
    assert "Study time this week: 2 h 0 min" in texts(await chat.say("/progress"))
    clock.set(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))  # next Monday
    assert "Study time this week: 0 h 0 min" in texts(await chat.say("/progress"))


# Streaks


def test_streak_unit() -> None:
    today = date(2026, 3, 10)
    d = [today - timedelta(days=i) for i in range(6)]
    assert streak([], today) == 0
    assert streak([today], today) == 1
    assert streak([d[1]], today) == 1  # yesterday still counts: today is not over
    assert streak([d[2]], today) == 0
    assert streak([d[0], d[1], d[2]], today) == 3
    assert streak([d[1], d[2], d[3]], today) == 3
    assert streak([d[0], d[2], d[3]], today) == 1  # a gap resets
    assert streak([d[0], d[1], d[3], d[4], d[5]], today) == 2
    assert streak([d[2], d[3], d[4]], today) == 0


async def test_streak_counts_consecutive_days(chat, clock) -> None:  # noqa: ANN001
    for expected in (1, 2, 3):
        replies = await chat.say("/log 30")
        assert f"Streak: {expected} day(s)" in texts(replies)
        clock.advance(days=1)


async def test_several_logs_on_one_day_count_once(chat, clock) -> None:  # noqa: ANN001
    await chat.say("/log 30")
    clock.advance(hours=5)
    replies = await chat.say("/log 30")
    assert "Streak: 1 day(s)" in texts(replies)


async def test_streak_gap_resets(chat, clock) -> None:  # noqa: ANN001
    await chat.say("/log 30")  # Monday
    clock.advance(days=1)
    await chat.say("/log 30")  # Tuesday
    clock.advance(days=2)  # skip Wednesday
    replies = await chat.say("/log 30")  # Thursday
    assert "Streak: 1 day(s)" in texts(replies)


async def test_streak_yesterday_still_counts_until_the_day_after(chat, clock) -> None:  # noqa: ANN001
    await chat.say("/log 30")  # Monday
    clock.advance(days=1)
    await chat.say("/log 30")  # Tuesday
    clock.advance(days=1)  # Wednesday, nothing logged yet
    assert "Streak: 2 day(s) in a row" in texts(await chat.say("/progress"))
    clock.advance(days=1)  # Thursday: Wednesday was missed
    assert "Streak: 0 day(s) in a row" in texts(await chat.say("/progress"))


async def test_streak_follows_kolkata_days(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 2026-03-03 00:30 in Kolkata
    await chat.say("/log 30")
    clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))  # 2026-03-04 00:30 in Kolkata
    replies = await chat.say("/log 30")
    assert "Streak: 2 day(s)" in texts(replies)
    assert [log.local_day for log in await study_logs(app)] == [date(2026, 3, 3), date(2026, 3, 4)]


async def test_streak_where_utc_and_kolkata_disagree(app, clock) -> None:  # noqa: ANN001
    """17:00 and 19:00 UTC on 2 March: one UTC day, two Kolkata days (22:30 on the 2nd, 00:30 on the 3rd)."""
    kolkata = app.fake.chat("alice")
    in_utc = app.fake.chat("bob")
    await kolkata.say("/timezone asia/kolkata")

    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    await kolkata.say("/log 30")
    await in_utc.say("/log 30")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    k = texts(await kolkata.say("/log 40"))
    u = texts(await in_utc.say("/log 40"))

    assert "Streak: 2 day(s)" in k
    assert "Today: 40 min" in k  # a new Kolkata day has started
    assert "Streak: 1 day(s)" in u
    assert "Today: 70 min" in u
    assert [log.local_day for log in await study_logs(app, "alice")] == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [log.local_day for log in await study_logs(app, "bob")] == [date(2026, 3, 2), date(2026, 3, 2)]
    assert "Streak: 2 day(s) in a row" in texts(await kolkata.say("/progress"))


async def test_day_limit_uses_the_learners_day(chat, app, clock) -> None:  # noqa: ANN001
    await chat.say("/timezone Asia/Kolkata")
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # 22:30 Kolkata, 2 March
    await chat.say("/log 1440")
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 00:30 Kolkata, 3 March: a fresh day
    replies = await chat.say("/log 60")
    assert "Logged 60 min" in texts(replies)
    assert [log.minutes for log in await study_logs(app)] == [1440, 60]
